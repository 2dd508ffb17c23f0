/**
 * The simulator's options (what a seed's run is made of), their defaults (the fixed regime),
 * and the one-line command that replays a run.
 */
import type { BugName } from '../core/types.js';

export interface SimOptions {
  seed: number;
  nodes: number;
  bug: BugName | null;
  /** Simulated ms of faults, then of healed quiet (clients stop for the last second). */
  faultMs: number;
  quietMs: number;
  dropP: number;
  dupP: number;
  maxDelayMs: number;
  /** Mean ms between client commands (closed-loop clients: a client's think time). */
  clientEveryMs: number;
  /**
   * Closed-loop clients, each waiting for its answer (or giving up after CLIENT_TIMEOUT_MS)
   * before its next command; 0: commands arrive open-loop, whatever the cluster's pace.
   */
  clients: number;
  crashes: boolean;
  partitions: boolean;
  /** Wall-clock skew per node (the lease-skew bug reads it), up to this many ms either way. */
  clockSkewMs: number;
  /** Also submit multi-key txns (the linearizability oracle cannot judge them). */
  txns: boolean;
  /** Share of client commands that are reads. */
  readShare: number;
  /** Keys the clients use (1..5): fewer keys, more contention. */
  keys: number;
  /** Ms between crash attempts [min, max], how long a crashed node stays down at most. */
  crashEveryMs: [number, number];
  restartMaxMs: number;
  /** Share of crashes that pick the leader (when there is one). */
  leaderCrashP: number;
  /**
   * Share of crashes aimed at the node's next step that persists: it dies inside that step's
   * fsync, keeping a random prefix of the step's records (none to all), none of its sends.
   */
  tornCrashP: number;
  /** Longest partition (ms); most last up to 4/9 of it. */
  partitionMaxMs: number;
  /** Longest process pause (ms; 0: none): a paused node handles nothing, its events wait. */
  pauseMaxMs: number;
  /** Drawn per seed by swarm.ts (the replay command then says --swarm instead of the options). */
  swarm: boolean;
}

export const DEFAULT_SIM: Omit<SimOptions, 'seed' | 'nodes' | 'bug'> = {
  faultMs: 1500, quietMs: 1500, dropP: 0.05, dupP: 0.03, maxDelayMs: 15, clientEveryMs: 12, clients: 0,
  crashes: true, partitions: true, clockSkewMs: 0, txns: true, readShare: 0.35, keys: 3,
  crashEveryMs: [100, 600], restartMaxMs: 500, leaderCrashP: 0.4, tornCrashP: 0, partitionMaxMs: 900, pauseMaxMs: 0,
  swarm: false,
};

/** The one-line command that replays a run exactly (`linearizable`: also run the oracle). */
export function replayCommand(o: Partial<SimOptions> & Pick<SimOptions, 'seed' | 'nodes'>, linearizable = false): string {
  const flags = [`--seed ${o.seed}`, `--nodes ${o.nodes}`];
  if (o.bug) flags.push(`--bug ${o.bug}`);
  if (o.swarm) return replayLine([...flags, '--swarm', ...(linearizable ? ['--linearizable'] : [])]);
  if (o.clockSkewMs) flags.push(`--clock-skew ${o.clockSkewMs}`);
  // Fault-regime options that differ from the defaults.
  const regime: [keyof SimOptions, string][] = [['maxDelayMs', '--max-delay'], ['dropP', '--drop'], ['dupP', '--dup'], ['faultMs', '--fault-ms'], ['quietMs', '--quiet-ms']];
  for (const [key, flag] of regime) {
    if (o[key] !== undefined && o[key] !== DEFAULT_SIM[key as keyof typeof DEFAULT_SIM]) flags.push(`${flag} ${o[key]}`);
  }
  if (linearizable) flags.push('--linearizable');
  return replayLine(flags);
}

function replayLine(flags: string[]): string {
  return `npx tsc -p tsconfig.json && node dist/paxos/sim/replay.js ${flags.join(' ')}`;
}

/** The options the linearizability oracle needs: no txns, half reads. */
export const LINEARIZABLE_SIM: Partial<SimOptions> = { txns: false, readShare: 0.5 };
