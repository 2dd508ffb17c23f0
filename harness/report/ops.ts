/**
 * Derived views of a history for the report: invocations paired with completions (tolerant
 * of malformed histories, unlike ground/history.ts pairOps, because a report of a broken run
 * is exactly when a user needs to look) and nemesis fault windows.
 */
import type { Op, OpType } from '../../ground/history.js';

export interface OpPair {
  invoke: Op;
  /** undefined when the test ended (or the harness crashed) before the completion. */
  complete?: Op;
  process: number;
  f: string;
  /** Outcome: the completion's type, or 'info' when there is none (the outcome is unknown). */
  type: Exclude<OpType, 'invoke'>;
  /** Nanoseconds, or undefined with no completion. */
  latency?: number;
}

export interface NemesisWindow {
  /** What the fault is, e.g. "partition" for start-partition .. stop-partition. */
  name: string;
  start: number;
  /** End of the window; the end of the history when the fault was never stopped. */
  end: number;
  open: boolean;
  value?: unknown;
}

export interface NemesisMark {
  time: number;
  f: string;
  value?: unknown;
}

export function pairOps(ops: Op[]): { pairs: OpPair[]; unmatched: number } {
  const open = new Map<number, OpPair>();
  const pairs: OpPair[] = [];
  let unmatched = 0;
  for (const op of ops) {
    if (typeof op.process !== 'number') continue;
    if (op.type === 'invoke') {
      if (open.has(op.process)) unmatched++;
      const pair: OpPair = { invoke: op, process: op.process, f: op.f, type: 'info' };
      open.set(op.process, pair);
      pairs.push(pair);
      continue;
    }
    const pair = open.get(op.process);
    if (!pair) {
      unmatched++;
      continue;
    }
    pair.complete = op;
    pair.type = op.type;
    pair.latency = Math.max(0, op.time - pair.invoke.time);
    open.delete(op.process);
  }
  return { pairs, unmatched };
}

/**
 * Fault windows from nemesis ops: `start-X` opens a window named X, the next `stop-X` closes
 * it (Jepsen's bare `start` / `stop`: a window named "nemesis"). Other nemesis ops (kill,
 * pause, ...) are instantaneous marks. When the nemesis records both an invoke and a completion
 * per fault, only the completions count.
 */
export function nemesisWindows(ops: Op[]): { windows: NemesisWindow[]; marks: NemesisMark[] } {
  const nemesis = ops.filter((op) => op.process === 'nemesis');
  const completed = nemesis.filter((op) => op.type !== 'invoke');
  const events = completed.length > 0 ? completed : nemesis;
  const endOfHistory = ops.length > 0 ? ops[ops.length - 1].time : 0;
  const windows: NemesisWindow[] = [];
  const marks: NemesisMark[] = [];
  const open = new Map<string, NemesisWindow>();
  for (const op of events) {
    // Jepsen's generic `start` / `stop` (one fault kind) count as a window named "nemesis".
    const start = /^start-(.+)$/.exec(op.f) ?? (op.f === 'start' ? [op.f, 'nemesis'] : null);
    const stop = /^stop-(.+)$/.exec(op.f) ?? (op.f === 'stop' ? [op.f, 'nemesis'] : null);
    if (start) {
      if (open.has(start[1])) continue; // already open: a repeated start extends nothing
      const window: NemesisWindow = { name: start[1], start: op.time, end: endOfHistory, open: true, value: op.value };
      open.set(start[1], window);
      windows.push(window);
    } else if (stop && open.has(stop[1])) {
      const window = open.get(stop[1])!;
      window.end = op.time;
      window.open = false;
      open.delete(stop[1]);
    } else {
      marks.push({ time: op.time, f: op.f, value: op.value });
    }
  }
  return { windows, marks };
}

/** Distinct `f`s of client ops, most frequent first (stable colours and shapes per run). */
export function functionsOf(pairs: OpPair[]): string[] {
  const counts = new Map<string, number>();
  for (const p of pairs) counts.set(p.f, (counts.get(p.f) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([f]) => f);
}
