/**
 * Runs the simulator over a range of seeds and collects failing runs, each with its one-line
 * replay command (what the CI tests print when a seed fails).
 */
import type { BugName } from '../core/types.js';
import { replayCommand, simulate, type SimResult } from './sim.js';

export interface Failure {
  seed: number;
  violations: string[];
  replay: string;
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
}

export function sweep(o: { nodes: number; bug?: BugName | null; from: number; count: number; stopAtFirst?: boolean }): SweepResult {
  const out: SweepResult = { runs: 0, failures: [], steps: 0, slots: 0, okOps: 0, crashes: 0, partitions: 0, elections: 0 };
  for (let seed = o.from; seed < o.from + o.count; seed++) {
    const r: SimResult = simulate({ seed, nodes: o.nodes, bug: o.bug ?? null });
    out.runs++;
    out.steps += r.steps;
    out.slots += r.slots;
    out.okOps += r.ops.filter((op) => op.result?.type === 'ok').length;
    out.crashes += r.faults.crashes;
    out.partitions += r.faults.partitions;
    out.elections += r.faults.ballots;
    if (r.violations.length > 0) {
      out.failures.push({ seed, violations: r.violations, replay: replayCommand(r.options) });
      if (o.stopAtFirst) break;
    }
  }
  return out;
}

/** Human-readable lines for failing seeds. */
export function describeFailures(nodes: number, failures: Failure[]): string {
  return failures
    .slice(0, 5)
    .map((f) => `seed ${f.seed} (${nodes} nodes): ${f.violations[0]}\n  replay: ${f.replay}`)
    .join('\n');
}
