/**
 * Swarm testing for `--runtime sim` (Groce et al. 2012; FoundationDB's simulator): with --swarm,
 * each seed switches on a random subset of the fault kinds allowed (--nemesis, or every simulated
 * one) with random parameters: fault interval, all-at-once or not, kill targets, partition
 * shapes, clock skew, and the network's delay, jitter, loss and duplication. A run full of one
 * fault hides the bugs another exposes; many seeds cover mixes nobody wrote by hand.
 *
 * The draws come from a stream of their own (the seed salted, not the run's Rng(seed)), so the
 * run's own choices are those of the same seed without --swarm, and `--seed S --swarm` repeats
 * seed S's swarm exactly. Flags the user gave (--kill-targets, --partition, --clock-offset...)
 * are kept: the swarm only draws what was left open.
 */
import { Rng } from '../../ground/rng.js';
import { PARTITION_SHAPES, type PartitionShape } from '../../nemesis/grudges.js';
import { NODE_TARGETS, type NodeTarget } from '../../nemesis/targets.js';
import type { Fault } from '../../nemesis/compose.js';
import { defaultOpTimeoutMs, type TestConfig } from '../options.js';
import type { NetworkShape } from './network.js';
import { SIM_FAULTS } from './options.js';

/** What one swarm seed chose: stored in results.json as `swarm`, printed as one line. */
export interface SwarmChoice {
  nemesis: string[];
  nemesisIntervalMs: number;
  nemesisTogether: boolean;
  killTargets: NodeTarget[] | null;
  partition: PartitionShape[] | null;
  clockOffsetMs: [number, number] | null;
  network: NetworkShape;
}

/** Salt that sets the swarm's stream apart from the run's own Rng(seed). */
const SWARM_SALT = 0x5a4e_7e11;

/** Seed `config.seed`'s swarm: the config the run uses, and what was drawn. */
export function swarmOf(config: TestConfig): { config: TestConfig; choice: SwarmChoice } {
  const r = new Rng((config.seed ^ SWARM_SALT) >>> 0);
  const allowed = config.nemesis.length > 0 ? config.nemesis : SIM_FAULTS;
  const subset = <T>(items: readonly T[]): T[] => {
    const on = items.filter(() => r.chance(0.5));
    return on.length > 0 ? on : [r.pick(items)];
  };
  const nemesis = subset(allowed);
  const has = (f: string) => nemesis.includes(f);
  const nemesisIntervalMs = r.int(5, 50) * 100;
  const nemesisTogether = nemesis.length > 1 && r.chance(0.3);
  const killTargets = config.killTargets ?? (has('kill') || has('lose-unsynced') ? subset(NODE_TARGETS) : null);
  const partition = config.partition ?? (has('partition') ? subset(PARTITION_SHAPES) : null);
  const skew = r.int(1, 100) * 100;
  const clockOffsetMs = config.clockOffsetMs ?? (has('clock') ? (r.chance(0.5) ? ([-skew, skew] as [number, number]) : ([-skew, -Math.round(skew / 2)] as [number, number])) : null);
  // Delays stay well under the core's election timeout: a slow network is a fault, a network
  // slower than any election is a liveness failure the checkers would rightly report.
  const network: NetworkShape = r.chance(0.5)
    ? { delayMs: r.int(1, 10), jitterMs: r.int(0, 40), lossP: r.int(0, 100) / 1000, dupP: r.int(0, 50) / 1000 }
    : { delayMs: 1, jitterMs: 4, lossP: 0.005, dupP: 0.005 };
  const choice: SwarmChoice = { nemesis, nemesisIntervalMs, nemesisTogether, killTargets, partition, clockOffsetMs, network };
  const opTimeoutMs = config.flags?.['op-timeout'] === undefined ? defaultOpTimeoutMs(true, nemesisIntervalMs) : config.opTimeoutMs;
  return {
    choice,
    config: { ...config, nemesis: nemesis as Fault[], nemesisIntervalMs, nemesisTogether, killTargets, partition, clockOffsetMs, opTimeoutMs },
  };
}

/** One line for the CLI and the report: what the seed's swarm switched on, and how hard. */
export function describeSwarm(c: SwarmChoice): string {
  const pct = (p: number) => `${(p * 100).toFixed(1)}%`;
  return [
    `faults ${c.nemesis.join('+')} every ${c.nemesisIntervalMs / 1000} s${c.nemesisTogether ? ' together' : ''}`,
    ...(c.killTargets ? [`kill ${c.killTargets.join('|')}`] : []),
    ...(c.partition ? [`partition ${c.partition.join('|')}`] : []),
    ...(c.clockOffsetMs ? [`clock ${c.clockOffsetMs.join('..')} ms`] : []),
    `network ${c.network.delayMs}+0..${c.network.jitterMs} ms, loss ${pct(c.network.lossP)}, dup ${pct(c.network.dupP)}`,
  ].join('; ');
}
