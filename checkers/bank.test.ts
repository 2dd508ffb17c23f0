/** The bank checker on small hand-written histories: constant totals accepted; wrong totals, negatives, missing accounts rejected. */
import { describe, expect, it } from 'vitest';
import type { History, OpType, Process } from '../ground/history.js';
import { bankChecker, checkBank } from './bank.js';

const build = (events: Array<[Process, OpType, string, unknown?]>): History =>
  events.map(([process, type, f, value], index) => ({ index, time: index, process, type, f, ...(value !== undefined ? { value } : {}) }));
const read = (p: number, balances: unknown): Array<[Process, OpType, string, unknown?]> => [
  [p, 'invoke', 'read', null],
  [p, 'ok', 'read', balances],
];
const transfer = (p: number, outcome: OpType): Array<[Process, OpType, string, unknown?]> => [
  [p, 'invoke', 'transfer', { from: 'a', to: 'b', amount: 5 }],
  [p, outcome, 'transfer', { from: 'a', to: 'b', amount: 5 }],
];
const opts = { total: 20, accounts: ['a', 'b'] };

describe('bank checker', () => {
  it('accepts reads that all see the total', async () => {
    const h = build([...read(0, { a: 10, b: 10 }), ...transfer(1, 'ok'), ...transfer(2, 'info'), ...read(0, { a: 5, b: 15 })]);
    const r = await bankChecker(opts).check(h, {});
    expect(r).toMatchObject({ valid: true, reads: 2, badReads: 0, transfers: { ok: 1, fail: 0, indeterminate: 1 } });
  });

  it('rejects a read with the wrong total and lists it', () => {
    const r = checkBank(build([...read(0, { a: 10, b: 10 }), ...read(1, { a: 5, b: 10 })]), opts);
    expect(r.valid).toBe(false);
    expect(r.firstBadReads).toEqual([{ index: 3, kinds: ['wrong-total'], total: 15, balances: { a: 5, b: 10 } }]);
  });

  it('rejects a negative balance unless allowed', () => {
    const h = build(read(0, { a: -5, b: 25 }));
    expect(checkBank(h, opts)).toMatchObject({ valid: false, kinds: { negative: 1 } });
    expect(checkBank(h, { ...opts, negativeAllowed: true }).valid).toBe(true);
  });

  it('rejects missing, unexpected and nil accounts', () => {
    expect(checkBank(build(read(0, { a: 20 })), opts)).toMatchObject({ valid: false, kinds: { 'missing-account': 1 } });
    expect(checkBank(build(read(0, { a: 10, b: 10, c: 0 })), opts)).toMatchObject({ valid: false, kinds: { 'unexpected-account': 1 } });
    expect(checkBank(build(read(0, { a: 20, b: null })), opts)).toMatchObject({ valid: false, kinds: { 'nil-balance': 1 } });
    expect(checkBank(build(read(0, [10, 10])), opts)).toMatchObject({ valid: false, kinds: { malformed: 1 } });
  });

  it('caps the listed bad reads but counts them all', () => {
    const h = build(Array.from({ length: 30 }, () => read(0, { a: 1, b: 1 })).flat());
    const r = checkBank(h, opts);
    expect(r.badReads).toBe(30);
    expect(r.firstBadReads).toHaveLength(10);
  });

  it('is unknown with no ok read, and refuses a bad total option', () => {
    expect(checkBank(build(transfer(0, 'ok')), opts).valid).toBe('unknown');
    expect(() => bankChecker({ total: Number.NaN })).toThrow(/total/);
  });
});
