/** The stats checker: counts per f, and invalid when some f never succeeded. */
import { describe, expect, it } from 'vitest';
import type { History, OpType, Process } from '../ground/history.js';
import { checkStats } from './stats.js';

const build = (events: Array<[Process, OpType, string]>): History => events.map(([process, type, f], index) => ({ index, time: index, process, type, f }));

describe('stats checker', () => {
  it('counts outcomes per f and accepts when every f succeeded at least once', () => {
    const r = checkStats(
      build([
        [0, 'invoke', 'read'], [0, 'ok', 'read'],
        [1, 'invoke', 'write'], [1, 'fail', 'write'],
        [2, 'invoke', 'write'], [2, 'ok', 'write'],
        ['nemesis', 'info', 'start-kill'],
        [3, 'invoke', 'write'], [3, 'info', 'write'],
        [4, 'invoke', 'read'],
      ]),
    );
    expect(r.valid).toBe(true);
    expect(r.byF).toEqual({ read: { count: 2, ok: 1, fail: 0, info: 0, pending: 1 }, write: { count: 3, ok: 1, fail: 1, info: 1, pending: 0 } });
    expect(r.total).toEqual({ count: 5, ok: 2, fail: 1, info: 1, pending: 1 });
  });

  it('rejects a history in which some f never succeeded', () => {
    const r = checkStats(build([[0, 'invoke', 'read'], [0, 'ok', 'read'], [1, 'invoke', 'cas'], [1, 'fail', 'cas'], [2, 'invoke', 'cas'], [2, 'info', 'cas']]));
    expect(r.valid).toBe(false);
    expect(r.neverSucceeded).toEqual(['cas']);
  });

  it('is unknown for a history with no client op', () => {
    expect(checkStats(build([['nemesis', 'info', 'start-partition']])).valid).toBe('unknown');
  });
});
