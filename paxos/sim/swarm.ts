/**
 * Swarm testing (Groce et al. 2012; FoundationDB's "buggify"): each seed switches a random
 * subset of the fault kinds on, with random rates and durations, and random client behaviour,
 * all drawn from the seed, so a sweep covers schedules nobody wrote by hand (some faults
 * mask others: a run full of partitions rarely crashes a node at the wrong moment). The
 * replay command of a swarm run is its seed with --swarm: these draws are repeated exactly.
 */
import { Rng } from '../../ground/rng.js';
import type { SimOptions } from './sim.js';

export type SwarmOptions = Omit<SimOptions, 'seed' | 'nodes' | 'bug'>;

/** The options of swarm seed `seed` (a stream apart from the run's own, which is Rng(seed)). */
export function swarmOptions(seed: number): SwarmOptions {
  const r = new Rng(seed).fork();
  const on = () => r.chance(0.5);
  const between = (lo: number, hi: number) => lo + r.int(0, 1000) * ((hi - lo) / 1000);
  const crashMin = r.int(20, 300);
  // Delays stay below the election timeout (200 ms): they persist after the heal, and
  // liveness after the heal is checked.
  return {
    maxDelayMs: on() ? r.int(2, 100) : 1,
    dropP: on() ? between(0.01, 0.3) : 0,
    dupP: on() ? between(0.01, 0.2) : 0,
    partitions: on(),
    partitionMaxMs: r.int(100, 2000),
    crashes: on(),
    crashEveryMs: [crashMin, crashMin + r.int(0, 800)],
    restartMaxMs: r.int(20, 1000),
    leaderCrashP: between(0, 1),
    tornCrashP: on() ? between(0.3, 1) : 0,
    clockSkewMs: on() ? r.int(10, 5000) : 0,
    pauseMaxMs: on() ? r.int(50, 1500) : 0,
    // Closed-loop clients: open-loop arrivals faster than a slow cluster's pace (long delays,
    // batches of 1) would pile up past any drain time and fail liveness for no fault of the core.
    clients: r.int(1, 4),
    clientEveryMs: r.int(5, 40),
    readShare: between(0, 0.8),
    txns: on(),
    keys: r.int(1, 5),
    faultMs: r.int(500, 2000),
    quietMs: r.int(2000, 2200), // clients run at least 1 s after the heal: time to elect and commit
    swarm: true,
  };
}

/** One line: which faults a run had and how hard, and its clients (printed with a failure). */
export function describeSwarm(o: SwarmOptions): string {
  const pct = (p: number) => `${Math.round(p * 100)}%`;
  const parts = [
    o.maxDelayMs > 1 ? `delay 1-${o.maxDelayMs} ms` : 'no delay',
    o.dropP > 0 ? `loss ${pct(o.dropP)}` : 'no loss',
    o.dupP > 0 ? `dup ${pct(o.dupP)}` : 'no dup',
    o.partitions ? `partitions up to ${o.partitionMaxMs} ms` : 'no partitions',
    o.crashes
      ? `crashes every ${o.crashEveryMs[0]}-${o.crashEveryMs[1]} ms (leader ${pct(o.leaderCrashP)}, torn ${pct(o.tornCrashP)}), down up to ${o.restartMaxMs} ms`
      : 'no crashes',
    o.clockSkewMs > 0 ? `skew up to ${o.clockSkewMs} ms` : 'no skew',
    o.pauseMaxMs > 0 ? `pauses up to ${o.pauseMaxMs} ms` : 'no pauses',
    `${o.clients > 0 ? `${o.clients} clients thinking` : 'a command every'} 1-${o.clientEveryMs * 2} ms, ${pct(o.readShare)} reads, ${o.txns ? 'txns' : 'no txns'}, ${o.keys} key${o.keys > 1 ? 's' : ''}`,
    `faults ${o.faultMs} ms then quiet ${o.quietMs} ms`,
  ];
  return parts.join('; ');
}
