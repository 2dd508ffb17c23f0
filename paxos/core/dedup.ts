/**
 * The state machine's dedup table, bounded: each command id (`origin:incarnation:requestId`) is
 * applied at most once, and its result kept to answer a duplicate (a forward delivered twice).
 *
 * Bound. Per origin node only its latest incarnation is kept (a restarted node's older
 * incarnation has no client left to answer), and of it the results of the last `window`
 * commands applied; the highest request id evicted becomes the `floor`. A command at or below
 * the floor, or of an older incarnation, is EXPIRED: it is never applied (again) and is answered
 * `unknown` ('dedup-expired'), so a retry older than the window cannot execute twice; the cost
 * is that such a late first copy is not applied either (its client timed out long before: an
 * origin issues `window` newer requests first). Everything here is a function of the applied
 * log, so every replica holds the same table, and it travels in snapshots.
 */
import type { CmdId } from './messages.js';
import type { Result } from './types.js';

/** Results kept per origin when Config.dedupWindow is not given. */
export const DEFAULT_DEDUP_WINDOW = 1024;

export interface OriginTable {
  inc: number;
  /** Request ids at or below are expired. */
  floor: number;
  /** requestId -> result. */
  results: Record<string, Result>;
  /** Request ids in the order applied (eviction order). */
  order: number[];
}

/** origin node -> its latest incarnation's table. Plain JSON (snapshots carry it). */
export type Dedup = Record<string, OriginTable>;

export const EXPIRED: Result = { type: 'unknown', error: 'dedup-expired' };

/** An id not of the form origin:inc:rid (hand-written in unit tests) is an origin of its own. */
function parse(id: CmdId): { origin: string; inc: number; rid: number } {
  const m = /^(.*):(\d+):(\d+)$/.exec(id);
  return m === null ? { origin: id, inc: 0, rid: 1 } : { origin: m[1], inc: Number(m[2]), rid: Number(m[3]) };
}

/** The result of `id` if applied, EXPIRED if it may have been (never apply it), else undefined. */
export function dedupGet(dedup: Dedup, id: CmdId): Result | undefined {
  const { origin, inc, rid } = parse(id);
  const t = dedup[origin];
  if (t === undefined || inc > t.inc) return undefined;
  if (inc < t.inc || rid <= t.floor) return EXPIRED;
  return t.results[rid];
}

/** Records that `id` (not applied before: dedupGet was undefined) was applied with `result`. */
export function dedupPut(dedup: Dedup, id: CmdId, result: Result, window: number): void {
  const { origin, inc, rid } = parse(id);
  let t = dedup[origin];
  if (t === undefined || inc > t.inc) dedup[origin] = t = { inc, floor: 0, results: {}, order: [] };
  t.results[rid] = result;
  t.order.push(rid);
  while (t.order.length > window) {
    const old = t.order.shift()!;
    delete t.results[old];
    if (old > t.floor) t.floor = old;
  }
}

/** How many results the table holds (for tests and stats). */
export function dedupSize(dedup: Dedup): number {
  let n = 0;
  for (const t of Object.values(dedup)) n += t.order.length;
  return n;
}
