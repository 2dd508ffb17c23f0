/** The bounded dedup table: the window, the floor, older incarnations, and its use by a leader. */
import { describe, expect, it } from 'vitest';
import { dedupGet, dedupPut, dedupSize, EXPIRED, type Dedup } from './dedup.js';
import { Cluster, deliver, replies, sends } from './testkit.js';

const ok = { type: 'ok' as const };

describe('dedup table', () => {
  it('keeps the last `window` results per origin; older ids expire (never applied again)', () => {
    const t: Dedup = {};
    for (let rid = 1; rid <= 5; rid++) dedupPut(t, `n1:1:${rid}`, ok, 3);
    dedupPut(t, 'n2:1:1', ok, 3);
    expect(dedupSize(t)).toBe(4);
    expect(t.n1.floor).toBe(2);
    expect(dedupGet(t, 'n1:1:2')).toBe(EXPIRED);
    expect(dedupGet(t, 'n1:1:5')).toEqual(ok);
    expect(dedupGet(t, 'n1:1:6')).toBeUndefined(); // new: apply it
    expect(dedupGet(t, 'n2:1:1')).toEqual(ok);
  });

  it('a request applied out of order keeps its result until it is evicted in apply order', () => {
    const t: Dedup = {};
    for (const rid of [2, 3, 1]) dedupPut(t, `n1:1:${rid}`, ok, 2);
    // Evicted 2 (the first applied): the floor is 2, so 1, applied after it, is expired too.
    expect(t.n1.floor).toBe(2);
    expect(dedupGet(t, 'n1:1:1')).toBe(EXPIRED);
    expect(dedupGet(t, 'n1:1:3')).toEqual(ok);
  });

  it('a new incarnation of an origin replaces its table; the old incarnation\'s ids expire', () => {
    const t: Dedup = {};
    dedupPut(t, 'n1:1:7', ok, 8);
    dedupPut(t, 'n1:2:1', ok, 8);
    expect(t.n1).toEqual({ inc: 2, floor: 0, results: { '1': ok }, order: [1] });
    expect(dedupGet(t, 'n1:1:7')).toBe(EXPIRED);
    expect(dedupGet(t, 'n1:1:8')).toBe(EXPIRED);
  });

  it('a leader answers a duplicate forward from the table, or `unknown` once it expired, and never re-applies it', () => {
    const c = new Cluster(['n1', 'n2', 'n3'], null, { maxBatch: 1, dedupWindow: 2 });
    c.elect('n1');
    const ballot = c.get('n1').state.volatile.ballot;
    const forward = (rid: number, value: number) => ({ type: 'forward' as const, ballot, id: `n2:1:${rid}`, command: { op: 'write' as const, key: 'a', value } });
    const n1 = c.get('n1');
    for (let rid = 1; rid <= 3; rid++) {
      c.absorb('n1', deliver(n1, 'n2', forward(rid, rid)));
      c.settle();
    }
    expect(n1.state.volatile.kv['k:a']).toBe(3);
    // rid 3 is in the window: answered ok from the table, nothing proposed.
    const dup = deliver(n1, 'n2', forward(3, 3));
    expect(sends(dup, 'forwardReply')[0].msg).toMatchObject({ result: ok });
    expect(sends(dup, 'accept')).toEqual([]);
    // rid 1 was evicted: unknown, and not proposed again (a = 1 would come back).
    const late = deliver(n1, 'n2', forward(1, 1));
    expect(sends(late, 'forwardReply')[0].msg).toMatchObject({ result: EXPIRED });
    expect(sends(late, 'accept')).toEqual([]);
    expect(replies(late)).toEqual([]);
    expect(n1.state.volatile.kv['k:a']).toBe(3);
  });
});
