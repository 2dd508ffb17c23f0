/**
 * The Elle-style checker on rw-register histories built by hand: each anomaly class detected
 * with its cycle, clean histories with nothing to say, and only certain version orders inferred.
 */
import { describe, expect, it } from 'vitest';
import { checkElle } from './index.js';
import type { ConsistencyModel } from './models.js';
import { history, inv, ok, txn } from './testing.js';

const check = (h: ReturnType<typeof history>, ...models: ConsistencyModel[]) => checkElle(h, 'rw-register', models.length ? { models } : {});
const shape = (r: ReturnType<typeof check>, name: string) => r.anomalies[name][0].cycle!.map((s) => [s.from, s.type, s.to]);

describe('elle rw-register', () => {
  it('clean: a chain of read-then-write txns and reads of each version', () => {
    const r = check(history(txn(0, [['r', 'x', null]]), txn(0, [['w', 'x', 1]]), txn(1, [['r', 'x', 1], ['w', 'x', 2]]), txn(2, [['r', 'x', 2], ['r', 'y', null]])));
    expect(r).toMatchObject({ valid: true, anomalyTypes: [] });
  });

  it('unknown version orders are not guessed: two blind writes read in either order are fine', () => {
    // Without a read-then-write, nothing orders 1 and 2: no ww edge, no cycle.
    const r = check(history(txn(0, [['w', 'x', 1]]), txn(1, [['w', 'x', 2]]), txn(2, [['r', 'x', 2]]), txn(3, [['r', 'x', 1]])), 'serializable');
    expect(r).toMatchObject({ valid: true, anomalyTypes: [] });
  });

  it('G0: write-follows-read orders both keys in opposite directions', () => {
    const a = [['w', 'x', 1], ['r', 'y', 1], ['w', 'y', 2]];
    const b = [['r', 'x', 1], ['w', 'x', 2], ['w', 'y', 1]];
    const r = check(history(inv(0, a), inv(1, b), ok(0, a), ok(1, b)), 'read-uncommitted');
    expect(r.forbidden).toEqual(['G0']);
    expect(shape(r, 'G0')).toEqual(expect.arrayContaining([[0, 'ww', 1], [1, 'ww', 0]]));
    expect(r.anomalies.G0[0].cycle!.map((s) => s.why)).toEqual(expect.arrayContaining(['T1 read [r x 1], written by T0, then wrote key x again']));
  });

  it('G1a, G1b, G1c', () => {
    expect(check(history(txn(0, [['w', 'x', 1]], 'fail'), txn(1, [['r', 'x', 1]])), 'read-committed').forbidden).toEqual(['G1a']);
    const g1b = check(history(inv(0, [['w', 'x', 1], ['w', 'x', 2]]), txn(1, [['r', 'x', 1]]), ok(0, [['w', 'x', 1], ['w', 'x', 2]])), 'read-committed');
    expect(g1b.forbidden).toEqual(['G1b']);
    expect(g1b.anomalies.G1b[0].message).toBe('T1 read [r x 1], which T0 overwrote within the same txn');
    const a = [['w', 'x', 1], ['r', 'y', 1]];
    const b = [['w', 'y', 1], ['r', 'x', 1]];
    const g1c = check(history(inv(0, a), inv(1, b), ok(0, a), ok(1, b)), 'read-committed');
    expect(g1c.forbidden).toEqual(['G1c']);
    expect(shape(g1c, 'G1c')).toEqual(expect.arrayContaining([[0, 'wr', 1], [1, 'wr', 0]]));
  });

  it('G-single: read skew against the initial nil', () => {
    const r = check(history(inv(0, [['r', 'x', null], ['r', 'y', 1]]), txn(1, [['w', 'x', 1], ['w', 'y', 1]]), ok(0, [['r', 'x', null], ['r', 'y', 1]])), 'snapshot-isolation');
    expect(r.forbidden).toEqual(['G-single']);
    const cycle = r.anomalies['G-single'][0].cycle!;
    expect(cycle.find((s) => s.type === 'rw')).toMatchObject({ from: 0, to: 1, why: 'T0 read [r x nil] (the initial state), before T1 wrote key x' });
    expect(cycle.find((s) => s.type === 'wr')).toMatchObject({ from: 1, to: 0, why: 'T0 read [r y 1], written by T1' });
  });

  it('G2-item: write skew, allowed by snapshot isolation only', () => {
    const a = [['r', 'x', null], ['w', 'y', 1]];
    const b = [['r', 'y', null], ['w', 'x', 1]];
    const h = history(inv(0, a), inv(1, b), ok(0, a), ok(1, b));
    expect(check(h, 'snapshot-isolation')).toMatchObject({ valid: true, anomalyTypes: ['G2-item'] });
    expect(check(h, 'repeatable-read').forbidden).toEqual(['G2-item']);
    expect(shape(check(h, 'serializable'), 'G2-item')).toEqual(expect.arrayContaining([[0, 'rw', 1], [1, 'rw', 0]]));
  });

  it('G-single-realtime: a stale nil read after an acknowledged write', () => {
    const h = history(txn(0, [['w', 'x', 1]]), txn(1, [['r', 'x', null]]));
    expect(check(h, 'serializable').valid).toBe(true);
    expect(shape(check(h), 'G-single-realtime')).toEqual(expect.arrayContaining([[0, 'rt', 1], [1, 'rw', 0]]));
  });

  it('internal and garbage-read', () => {
    const r = check(history(txn(1, [['w', 'x', 2]]), txn(0, [['w', 'x', 1], ['r', 'x', 2]])), 'read-uncommitted');
    expect(r.forbidden).toEqual(['internal']);
    expect(r.anomalies.internal[0].message).toBe('T1 read [r x 2] but its own earlier write of the key implies 1');
    expect(check(history(txn(0, [['r', 'x', 7]])), 'read-uncommitted').forbidden).toEqual(['garbage-read']);
  });

  it('an indeterminate write is in the graph only once read', () => {
    // T0 (info) wrote x 1 and y 1; T1 read y 1 and x nil: read skew only if T0 happened, and it did.
    const w = [['w', 'x', 1], ['w', 'y', 1]];
    expect(check(history(txn(0, w, 'info'), txn(1, [['r', 'x', null], ['r', 'y', 1]])), 'serializable').forbidden).toEqual(['G-single']);
    // Not read: no edges to it, whatever was read.
    expect(check(history(txn(0, w, 'info'), txn(1, [['r', 'x', null], ['r', 'y', null]]))).valid).toBe(true);
  });

  it('rejects values written twice to a key and nil writes', () => {
    expect(() => check(history(txn(0, [['w', 'x', 1]]), txn(1, [['w', 'x', 1]])))).toThrow(/rw-register needs unique values per key/);
    expect(() => check(history(txn(0, [['w', 'x', null]])))).toThrow(/nil is the initial state/);
  });
});
