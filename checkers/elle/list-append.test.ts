/**
 * The Elle-style checker on list-append histories built by hand: one history per anomaly class,
 * each detected under its name with the expected cycle, and clean histories with nothing to say.
 */
import { describe, expect, it } from 'vitest';
import { checkElle, type ElleResult } from './index.js';
import type { ConsistencyModel } from './models.js';
import { fail, history, info, inv, ok, txn } from './testing.js';

const check = (h: ReturnType<typeof history>, ...models: ConsistencyModel[]) => checkElle(h, 'list-append', models.length ? { models } : {});
/** The cycle of the first anomaly of that name, as "T0 -rw-> T1 -wr-> T0". */
const cycleOf = (r: ElleResult, name: string) => r.anomalies[name]?.[0]?.message;

describe('elle list-append: clean histories', () => {
  it('a serial history: valid under strict-serializable, nothing reported', () => {
    const r = check(history(txn(0, [['append', 'x', 1]]), txn(1, [['r', 'x', [1]], ['append', 'x', 2], ['append', 'y', 1]]), txn(0, [['r', 'x', [1, 2]], ['r', 'y', [1]]])));
    expect(r).toMatchObject({ valid: true, anomalyTypes: [], counts: { txns: 3, ok: 3 } });
    expect(r.counts.edges).toBeGreaterThan(0);
  });

  it('concurrent txns that serialize in some order: valid', () => {
    // T1 reads x before T0's append lands; T0 is ordered after T1.
    const r = check(history(inv(0, [['append', 'x', 1]]), inv(1, [['r', 'x', []]]), ok(1, [['r', 'x', []]]), ok(0, [['append', 'x', 1]]), txn(2, [['r', 'x', [1]]])));
    expect(r).toMatchObject({ valid: true, anomalyTypes: [] });
  });

  it('an indeterminate append: may be read or never seen, both fine; a failed one never read is fine', () => {
    expect(check(history(txn(0, [['append', 'x', 1]], 'info'), txn(1, [['r', 'x', [1]]]))).valid).toBe(true);
    expect(check(history(txn(0, [['append', 'x', 1]], 'info'), txn(1, [['r', 'x', []]]))).valid).toBe(true);
    expect(check(history(txn(0, [['append', 'x', 1]], 'fail'), txn(1, [['r', 'x', []]]))).valid).toBe(true);
  });
});

describe('elle list-append: every anomaly class', () => {
  it('G0: two txns append to x and y in opposite orders', () => {
    const r = check(
      history(inv(0, [['append', 'x', 1], ['append', 'y', 1]]), inv(1, [['append', 'x', 2], ['append', 'y', 2]]), ok(0, [['append', 'x', 1], ['append', 'y', 1]]), ok(1, [['append', 'x', 2], ['append', 'y', 2]]), txn(2, [['r', 'x', [1, 2]], ['r', 'y', [2, 1]]])),
      'read-uncommitted',
    );
    expect(r).toMatchObject({ valid: false, forbidden: ['G0'] });
    const cycle = r.anomalies.G0[0].cycle!;
    expect(cycle.map((s) => [s.from, s.type, s.to])).toEqual(expect.arrayContaining([[0, 'ww', 1], [1, 'ww', 0]]));
    expect(cycle).toHaveLength(2);
    expect(cycle.map((s) => s.why)).toEqual(expect.arrayContaining(['T0 appended 1 to key x, T1 appended 2 after it', 'T1 appended 2 to key y, T0 appended 1 after it']));
  });

  it('G1a: a failed append read', () => {
    const r = check(history(txn(0, [['append', 'x', 1]], 'fail'), txn(1, [['r', 'x', [1]]])), 'read-committed');
    expect(r).toMatchObject({ valid: false, forbidden: ['G1a'] });
    expect(r.anomalies.G1a[0]).toMatchObject({ txns: [0, 1], message: 'T1 read 1 in key x, appended by T0, which failed' });
    // Allowed by read-uncommitted: reported, not invalidating.
    expect(check(history(txn(0, [['append', 'x', 1]], 'fail'), txn(1, [['r', 'x', [1]]])), 'read-uncommitted')).toMatchObject({ valid: true, anomalyTypes: ['G1a'] });
  });

  it('G1b: a read ending in an intermediate append', () => {
    const r = check(history(inv(0, [['append', 'x', 1], ['append', 'x', 2]]), txn(1, [['r', 'x', [1]]]), ok(0, [['append', 'x', 1], ['append', 'x', 2]])), 'read-committed');
    expect(r.forbidden).toContain('G1b');
    expect(r.anomalies.G1b[0].txns).toEqual([0, 1]);
  });

  it('G1c: each txn reads the other one\'s append', () => {
    const r = check(history(inv(0, [['append', 'x', 1], ['r', 'y', [1]]]), inv(1, [['append', 'y', 1], ['r', 'x', [1]]]), ok(0, [['append', 'x', 1], ['r', 'y', [1]]]), ok(1, [['append', 'y', 1], ['r', 'x', [1]]])), 'read-committed');
    expect(r).toMatchObject({ valid: false, forbidden: ['G1c'] });
    expect(cycleOf(r, 'G1c')).toMatch(/^T(0 -wr-> T1 -wr-> T0|1 -wr-> T0 -wr-> T1)$/);
  });

  it('G-single: read skew (sees one append of a txn, misses the other)', () => {
    const h = history(inv(0, [['r', 'x', []], ['r', 'y', [1]]]), txn(1, [['append', 'x', 1], ['append', 'y', 1]]), ok(0, [['r', 'x', []], ['r', 'y', [1]]]));
    const r = check(h, 'snapshot-isolation');
    expect(r).toMatchObject({ valid: false, forbidden: ['G-single'] });
    const cycle = r.anomalies['G-single'][0].cycle!;
    expect(cycle.map((s) => s.type).sort()).toEqual(['rw', 'wr']);
    expect(cycle.find((s) => s.type === 'rw')).toMatchObject({ from: 0, to: 1, why: "T0 read [r x []], missing T1's append of 1" });
    expect(cycle.find((s) => s.type === 'wr')).toMatchObject({ from: 1, to: 0, why: "T0 read [r y [1]], observing T1's append of 1" });
    expect(r.txns[1].mops).toBe('[[append x 1] [append y 1]]');
  });

  it('G2-item: write skew; allowed by snapshot isolation, not by serializable', () => {
    const h = history(inv(0, [['r', 'x', []], ['append', 'y', 1]]), inv(1, [['r', 'y', []], ['append', 'x', 1]]), ok(0, [['r', 'x', []], ['append', 'y', 1]]), ok(1, [['r', 'y', []], ['append', 'x', 1]]));
    expect(check(h, 'snapshot-isolation')).toMatchObject({ valid: true, anomalyTypes: ['G2-item'] });
    const r = check(h, 'serializable');
    expect(r).toMatchObject({ valid: false, forbidden: ['G2-item'] });
    expect(cycleOf(r, 'G2-item')).toMatch(/^T(0 -rw-> T1 -rw-> T0|1 -rw-> T0 -rw-> T1)$/);
  });

  it('G-nonadjacent: two rw edges never in a row; snapshot isolation forbids it (unlike write skew)', () => {
    // T0 -rw-> T1 -wr-> T2 -rw-> T3 -wr-> T0 (the "long fork" shape).
    const t0 = [['r', 'a', []], ['r', 'd', [1]]];
    const t1 = [['append', 'a', 1], ['append', 'b', 1]];
    const t2 = [['r', 'b', [1]], ['r', 'c', []]];
    const t3 = [['append', 'c', 1], ['append', 'd', 1]];
    const h = history(inv(0, t0), inv(1, t1), inv(2, t2), inv(3, t3), ok(1, t1), ok(3, t3), ok(0, t0), ok(2, t2));
    const r = check(h, 'snapshot-isolation');
    expect(r).toMatchObject({ valid: false, forbidden: ['G-nonadjacent'], anomalyTypes: ['G-nonadjacent', 'G2-item'] });
    const cycle = r.anomalies['G-nonadjacent'][0].cycle!;
    expect(cycle.map((s) => s.type).join(' ')).toMatch(/^(rw wr rw wr|wr rw wr rw)$/);
    expect(new Set(cycle.map((s) => s.from))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('internal: a txn does not see its own append', () => {
    const r = check(history(txn(0, [['append', 'x', 1], ['r', 'x', []]])), 'read-uncommitted');
    expect(r).toMatchObject({ valid: false, forbidden: ['internal'] });
    expect(r.anomalies.internal[0].message).toBe('T0 read [r x []] but its own earlier ops imply a list ending in [1]');
    // A second read that differs from the first, with nothing appended in between.
    expect(check(history(txn(1, [['append', 'x', 5]]), txn(0, [['r', 'x', []], ['r', 'x', [5]]]))).forbidden).toContain('internal');
  });

  it('duplicate-elements, incompatible-order, garbage-read', () => {
    expect(check(history(txn(0, [['append', 'x', 1]]), txn(1, [['r', 'x', [1, 1]]]))).forbidden).toEqual(['duplicate-elements']);
    const r = check(history(txn(0, [['append', 'x', 1]]), txn(1, [['append', 'x', 2]]), txn(2, [['r', 'x', [1]]]), txn(3, [['r', 'x', [2]]])), 'read-uncommitted');
    expect(r.forbidden).toContain('incompatible-order');
    expect(r.anomalies['incompatible-order'][0].message).toMatch(/key x: T\d read \[\d\] and T\d read \[\d\]: neither is a prefix of the other/);
    expect(check(history(txn(0, [['r', 'x', [9]]])), 'read-uncommitted').forbidden).toEqual(['garbage-read']);
  });

  it('lost-append: acknowledged, then a later append is read and it is not (strict only)', () => {
    const h = history(txn(0, [['append', 'x', 1]]), txn(1, [['append', 'x', 2]]), txn(2, [['r', 'x', [2]]]));
    // Reported, but serializable allows it (T0 may come last).
    expect(check(h, 'serializable')).toMatchObject({ valid: true, forbidden: [], anomalyTypes: ['lost-append'] });
    const r = check(h, 'strict-serializable');
    expect(r.valid).toBe(false);
    // T2's read, after T0's ack, misses 1 too: also a stale read.
    expect(r.forbidden).toEqual(['G-single-realtime', 'G0-realtime', 'lost-append']);
    expect(r.anomalies['lost-append'][0].txns).toEqual([0, 1, 2]);
    expect(r.anomalies['G0-realtime'][0].cycle!.map((s) => [s.from, s.type, s.to])).toEqual(expect.arrayContaining([[0, 'rt', 1], [1, 'ww', 0]]));
  });

  it('G-single-realtime: a stale read after an acknowledged append', () => {
    const h = history(txn(0, [['append', 'x', 1]]), txn(1, [['r', 'x', []]]));
    expect(check(h, 'serializable').valid).toBe(true);
    const r = check(h, 'strict-serializable');
    expect(r.forbidden).toEqual(['G-single-realtime']);
    expect(r.anomalies['G-single-realtime'][0].cycle!.map((s) => [s.from, s.type, s.to])).toEqual(expect.arrayContaining([[0, 'rt', 1], [1, 'rw', 0]]));
  });

  it('G-single-process: the same stale read within one process, strong session serializable', () => {
    const h = history(txn(0, [['append', 'x', 1]]), txn(0, [['r', 'x', []]]));
    const r = check(h, 'strong-session-serializable');
    expect(r.forbidden).toEqual(['G-single-process']);
    expect(r.anomalies['G-single-process'][0].cycle!.map((s) => s.type).sort()).toEqual(['process', 'rw']);
    // Another process: no session order, fine.
    expect(check(history(txn(0, [['append', 'x', 1]]), txn(1, [['r', 'x', []]])), 'strong-session-serializable').valid).toBe(true);
  });

  it('an indeterminate txn seen to have happened joins cycles', () => {
    // T0 (info) appended x 1 and y 1; T1 saw y's but not x's: read skew.
    const h = history(inv(0, [['append', 'x', 1], ['append', 'y', 1]]), info(0, [['append', 'x', 1], ['append', 'y', 1]]), txn(1, [['r', 'x', []], ['r', 'y', [1]]]));
    expect(check(h, 'serializable').forbidden).toEqual(['G-single']);
    // Never seen: its appends may not have happened; nothing is inferred.
    expect(check(history(txn(0, [['append', 'x', 1], ['append', 'y', 1]], 'info'), txn(1, [['r', 'x', []], ['r', 'y', []]]))).valid).toBe(true);
    // An unfinished txn at the end of the history counts as indeterminate.
    expect(check(history(inv(0, [['append', 'x', 1]]), txn(1, [['r', 'x', [1]]]))).valid).toBe(true);
  });

  it('a committed read of nil is a read of the empty list (Jepsen writes [:r k nil] for a missing key)', () => {
    const h = history(inv(0, [['r', 'x', null], ['r', 'y', [1]]]), txn(1, [['append', 'x', 1], ['append', 'y', 1]]), ok(0, [['r', 'x', null], ['r', 'y', [1]]]));
    expect(check(h, 'serializable').forbidden).toEqual(['G-single']);
  });

  it('a failed txn is not in the graph and its element read is G1a only', () => {
    const r = check(history(txn(0, [['append', 'x', 1]], 'fail'), txn(1, [['r', 'x', [1]]])));
    expect(r.anomalyTypes).toEqual(['G1a']);
    void fail;
  });
});

describe('elle list-append: input', () => {
  it('rejects a value appended twice to a key and malformed micro-ops', () => {
    expect(() => check(history(txn(0, [['append', 'x', 1]]), txn(1, [['append', 'x', 1]])))).toThrow(/history op 2: \[append x 1\]: 1 was appended to key x before/);
    expect(() => check(history(txn(0, [['w', 'x', 1]])))).toThrow(/is not \[append k v\] or \[r k list\]/);
    expect(() => check(history(txn(0, [['r', 'x', 3]])))).toThrow(/must return a list or nil/);
  });
});
