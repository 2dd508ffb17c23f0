/**
 * Building transactional histories by hand, for tests: `inv(p, mops)` / `ok(p, mops)` /
 * `fail` / `info` events, or `txn(p, mops)` for an invocation completed at once.
 * Invocations carry reads as nil, as Jepsen's do.
 */
import type { History, Op, OpType } from '../../ground/history.js';

export type Event = { process: number; type: OpType; mops: unknown[] };

const unread = (mops: unknown[]) => mops.map((m) => (Array.isArray(m) && m[0] === 'r' ? [m[0], m[1], null] : m));

export const inv = (process: number, mops: unknown[]): Event => ({ process, type: 'invoke', mops: unread(mops) });
export const ok = (process: number, mops: unknown[]): Event => ({ process, type: 'ok', mops });
export const fail = (process: number, mops: unknown[]): Event => ({ process, type: 'fail', mops: unread(mops) });
export const info = (process: number, mops: unknown[]): Event => ({ process, type: 'info', mops: unread(mops) });
/** An invocation and its completion, nothing in between. */
export const txn = (process: number, mops: unknown[], type: 'ok' | 'fail' | 'info' = 'ok'): Event[] => [inv(process, mops), type === 'ok' ? ok(process, mops) : { process, type, mops: unread(mops) }];

export function history(...events: Array<Event | Event[]>): History {
  return events.flat().map((e, index): Op => ({ index, time: index, process: e.process, type: e.type, f: 'txn', value: e.mops }));
}
