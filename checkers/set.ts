/**
 * The set checker (Jepsen's `set`): clients add unique elements (f 'add', value = element) and
 * finally read the whole set (f 'read', ok value = [elements]). Judged against the LAST ok read:
 * - lost: acknowledged adds (ok) that completed before that read began, missing from it;
 * - unexpected: elements read that were never attempted, or whose every add FAILED (definite);
 * - recovered: indeterminate adds (info, or never completed) that are present;
 * - duplicated: elements the read returned more than once (reported; a set read should not).
 * Invalid iff lost or unexpected is non-empty; no ok read at all is 'unknown'.
 * Elements are compared by canonical JSON, so 3 and "3" are different elements; numbers are
 * compared exactly (ground/exact-json.ts: 9007199254740993 is not 9007199254740992).
 */
import { pairOps, type History, type Op } from '../ground/history.js';
import type { CheckResult, Checker } from '../ground/checker.js';
import { canonicalKey } from './linearizable/models/util.js';

/** Element lists in results are cut to this many (the counts are always exact). */
const MAX_LISTED = 200;

type AddOutcome = 'ok' | 'fail' | 'indeterminate';

/** Jepsen's set checker: no acknowledged add is missing from the final read, nothing unexpected is in it. */
export function setChecker(): Checker {
  return { name: 'set', check: (history) => checkSet(history) };
}

export function checkSet(history: History): CheckResult {
  const pairs = pairOps(history);
  const finalRead = lastOkRead(pairs);
  if (!finalRead) return { valid: 'unknown', error: 'no ok read of the set: nothing to judge the adds against' };
  if (!Array.isArray(finalRead.complete.value)) {
    return { valid: 'unknown', error: `the final read (index ${finalRead.complete.index}) has a non-array value` };
  }

  // Per element: the best outcome over its add attempts (ok > indeterminate > fail), and
  // whether some ok add completed before the final read was invoked.
  const adds = new Map<string, { element: unknown; outcome: AddOutcome; okBeforeRead: boolean }>();
  const rank: Record<AddOutcome, number> = { fail: 0, indeterminate: 1, ok: 2 };
  for (const { invoke, complete } of pairs) {
    if (invoke.f !== 'add') continue;
    const outcome: AddOutcome = complete?.type === 'ok' ? 'ok' : complete?.type === 'fail' ? 'fail' : 'indeterminate';
    const id = canonicalKey(invoke.value);
    const seen = adds.get(id) ?? { element: invoke.value, outcome, okBeforeRead: false };
    if (rank[outcome] > rank[seen.outcome]) seen.outcome = outcome;
    if (outcome === 'ok' && complete!.index < finalRead.invoke.index) seen.okBeforeRead = true;
    adds.set(id, seen);
  }

  const read = new Map<string, unknown>();
  const duplicated: unknown[] = [];
  for (const element of finalRead.complete.value) {
    const id = canonicalKey(element);
    if (read.has(id)) duplicated.push(element);
    read.set(id, element);
  }

  const lost: unknown[] = [];
  const recovered: unknown[] = [];
  const unexpected: unknown[] = [];
  let acknowledged = 0;
  let failed = 0;
  let indeterminate = 0;
  for (const [id, add] of adds) {
    if (add.outcome === 'ok') acknowledged++;
    else if (add.outcome === 'fail') failed++;
    else indeterminate++;
    if (add.okBeforeRead && !read.has(id)) lost.push(add.element);
    if (add.outcome === 'indeterminate' && read.has(id)) recovered.push(add.element);
  }
  for (const [id, element] of read) {
    const add = adds.get(id);
    if (!add || add.outcome === 'fail') unexpected.push(element);
  }

  return {
    valid: lost.length === 0 && unexpected.length === 0,
    finalReadIndex: finalRead.complete.index,
    counts: {
      attempted: adds.size,
      acknowledged,
      failed,
      indeterminate,
      read: read.size,
      lost: lost.length,
      unexpected: unexpected.length,
      recovered: recovered.length,
      duplicated: duplicated.length,
    },
    lost: listed(lost),
    unexpected: listed(unexpected),
    recovered: listed(recovered),
    duplicated: listed(duplicated),
  };
}

function lastOkRead(pairs: ReturnType<typeof pairOps>): { invoke: Op; complete: Op } | undefined {
  let best: { invoke: Op; complete: Op } | undefined;
  for (const { invoke, complete } of pairs) {
    if (invoke.f === 'read' && complete?.type === 'ok' && (!best || complete.index > best.complete.index)) best = { invoke, complete };
  }
  return best;
}

/** Sorted (numbers numerically, then the rest by JSON) and cut to MAX_LISTED. */
function listed(elements: unknown[]): unknown[] {
  const sorted = [...elements].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : canonicalKey(a) < canonicalKey(b) ? -1 : canonicalKey(a) > canonicalKey(b) ? 1 : 0,
  );
  return sorted.slice(0, MAX_LISTED);
}
