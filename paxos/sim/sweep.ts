/**
 * Runs the simulator over a range of seeds (the fixed regime, or swarm: options drawn per seed)
 * and collects failing runs, each with its one-line replay command and, for swarm, the
 * options drawn (what the CI tests print when a seed fails).
 */
import type { BugName } from '../core/types.js';
import { replayCommand, simulate, type SimResult } from './sim.js';
import { describeSwarm, swarmOptions } from './swarm.js';

export interface Failure {
  seed: number;
  violations: string[];
  replay: string;
  /** The swarm options of the run (swarm sweeps only). */
  swarm?: string;
}

export interface SweepResult {
  runs: number;
  failures: Failure[];
  steps: number;
  slots: number;
  okOps: number;
  crashes: number;
  partitions: number;
  elections: number;
  /** Swarm sweeps: runs that had crashes, torn crashes, partitions, pauses on. */
  kinds: { crashes: number; torn: number; partitions: number; pauses: number };
  /** Torn crashes and pauses that happened. */
  torn: number;
  pauses: number;
  /** Snapshots taken, restarts from a snapshot file, laggards that installed a peer's snapshot. */
  snapshots: number;
  snapshotRestarts: number;
  snapshotInstalls: number;
}

export function sweep(o: { nodes: number; bug?: BugName | null; from: number; count: number; stopAtFirst?: boolean; swarm?: boolean }): SweepResult {
  const out: SweepResult = { runs: 0, failures: [], steps: 0, slots: 0, okOps: 0, crashes: 0, partitions: 0, elections: 0, kinds: { crashes: 0, torn: 0, partitions: 0, pauses: 0 }, torn: 0, pauses: 0, snapshots: 0, snapshotRestarts: 0, snapshotInstalls: 0 };
  for (let seed = o.from; seed < o.from + o.count; seed++) {
    const swarm = o.swarm ? swarmOptions(seed) : null;
    const r: SimResult = simulate({ seed, nodes: o.nodes, bug: o.bug ?? null, ...swarm });
    if (swarm !== null) {
      out.kinds.crashes += swarm.crashes ? 1 : 0;
      out.kinds.torn += swarm.crashes && swarm.tornCrashP > 0 ? 1 : 0;
      out.kinds.partitions += swarm.partitions ? 1 : 0;
      out.kinds.pauses += swarm.pauseMaxMs > 0 ? 1 : 0;
    }
    out.runs++;
    out.steps += r.steps;
    out.slots += r.slots;
    out.okOps += r.ops.filter((op) => op.result?.type === 'ok').length;
    out.crashes += r.faults.crashes;
    out.partitions += r.faults.partitions;
    out.elections += r.faults.ballots;
    out.torn += r.faults.torn;
    out.pauses += r.faults.pauses;
    out.snapshots += r.faults.snapshots;
    out.snapshotRestarts += r.faults.snapshotRestarts;
    out.snapshotInstalls += r.faults.snapshotInstalls;
    if (r.violations.length > 0) {
      out.failures.push({ seed, violations: r.violations, replay: replayCommand(r.options), ...(swarm ? { swarm: describeSwarm(swarm) } : {}) });
      if (o.stopAtFirst) break;
    }
  }
  return out;
}

/** Human-readable lines for failing seeds. */
export function describeFailures(nodes: number, failures: Failure[]): string {
  return failures
    .slice(0, 5)
    .map((f) => `seed ${f.seed} (${nodes} nodes): ${f.violations[0]}${f.swarm ? `\n  swarm: ${f.swarm}` : ''}\n  replay: ${f.replay}`)
    .join('\n');
}
