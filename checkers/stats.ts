/**
 * The stats checker (Jepsen's `stats`): how many ops of each `f` completed ok, failed, or are
 * indeterminate (info, or never completed). Invalid when some `f` that clients invoked never
 * succeeded: a workload whose writes all fail has tested nothing about writes. Nemesis ops
 * are not counted. A history with no client op at all is 'unknown'.
 */
import { pairOps, type History } from '../ground/history.js';
import type { CheckResult, Checker } from '../ground/checker.js';

export interface OpCounts {
  count: number;
  ok: number;
  fail: number;
  info: number;
  /** Invoked, never completed (the test ended first). */
  pending: number;
}

/** Every kind of op succeeded at least once (a run where writes never worked proves little). */
export function statsChecker(): Checker {
  return { name: 'stats', check: (history) => checkStats(history) };
}

export function checkStats(history: History): CheckResult {
  const empty = (): OpCounts => ({ count: 0, ok: 0, fail: 0, info: 0, pending: 0 });
  const total = empty();
  const byF: Record<string, OpCounts> = {};
  for (const { invoke, complete } of pairOps(history)) {
    const c = (byF[invoke.f] ??= empty());
    const kind = complete ? complete.type : 'pending';
    for (const counts of [c, total]) {
      counts.count++;
      counts[kind as keyof OpCounts]++;
    }
  }
  if (total.count === 0) return { valid: 'unknown', error: 'no client operations in the history', total, byF };
  const neverSucceeded = Object.keys(byF).filter((f) => byF[f].ok === 0).sort();
  return {
    valid: neverSucceeded.length === 0,
    total,
    byF,
    ...(neverSucceeded.length > 0 ? { neverSucceeded } : {}),
  };
}
