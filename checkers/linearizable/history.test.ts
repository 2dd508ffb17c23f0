/**
 * Our history -> checker operations (fail dropped, info and never-completed ops open-ended), and
 * the `linearizable` Checker on our histories: valid, invalid with anomalies for the report,
 * unknown on a timeout or a history that does not fit the model.
 */
import { describe, expect, it } from 'vitest';
import type { History, Op } from '../../ground/history.js';
import { UsageError } from '../../ground/runtime.js';
import { checkAll } from '../../ground/checker.js';
import { linearizable } from './checker.js';
import { historyToOperations } from './history.js';
import { getModelSpec } from './models/index.js';

/** Builds a history from [process, type, f, value, key?] rows; time = 10 * index. */
function history(rows: Array<[number | 'nemesis', Op['type'], string, unknown, string?]>): History {
  return rows.map(([process, type, f, value, key], index) => ({ index, time: 10 * index, process, type, f, value, ...(key !== undefined ? { key } : {}) }));
}

describe('historyToOperations', () => {
  it('drops fail, keeps ok with its times, gives info and pending ops an open-ended return', () => {
    const h = history([
      [0, 'invoke', 'write', 1],
      [1, 'invoke', 'cas', [5, 6]],
      ['nemesis', 'info', 'start-partition', { n1: ['n2'] }],
      [0, 'ok', 'write', 1],
      [1, 'fail', 'cas', [5, 6]],
      [2, 'invoke', 'write', 2],
      [2, 'info', 'write', 2],
      [3, 'invoke', 'read', null],
    ]);
    const { ops, counts } = historyToOperations(h, getModelSpec('cas-register'));
    expect(counts).toEqual({ ok: 1, fail: 1, info: 1, pending: 1 });
    expect(ops).toEqual([
      { clientId: 0, input: { f: 'write', key: undefined, value: 1 }, output: { unknown: false }, call: 0, return: 30, meta: { process: 0, invoke: 0, complete: 3 } },
      { clientId: 2, input: { f: 'write', key: undefined, value: 2 }, output: { unknown: true }, call: 50, return: Infinity, meta: { process: 2, invoke: 5, complete: 6 } },
      { clientId: 3, input: { f: 'read', key: undefined }, output: { unknown: true }, call: 70, return: Infinity, meta: { process: 3, invoke: 7 } },
    ]);
  });

  it('rejects a completion before its invocation, naming the op', () => {
    const h: History = [
      { index: 0, time: 50, process: 0, type: 'invoke', f: 'write', value: 1 },
      { index: 1, time: 40, process: 0, type: 'ok', f: 'write', value: 1 },
    ];
    expect(() => historyToOperations(h, getModelSpec('cas-register'))).toThrow(/history op 1: completes at time 40, before its invocation/);
  });
});

describe('linearizable checker', () => {
  it('valid: a crashed write explains a later read', async () => {
    const h = history([
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [1, 'invoke', 'write', 2],
      [1, 'info', 'write', 2],
      [2, 'invoke', 'read', null],
      [2, 'ok', 'read', 2],
    ]);
    const result = (await linearizable({ model: 'cas-register' }).check(h, {})) as Record<string, unknown>;
    expect(result).toMatchObject({ valid: true, model: 'cas-register', counts: { ok: 2, fail: 0, info: 1, pending: 0 }, operations: 3, partitions: 1 });
    expect(result.anomalies).toBeUndefined();
  });

  it('invalid: a failed write cannot explain a read; anomalies name the key and the op', async () => {
    const h = history([
      [0, 'invoke', 'write', 1, 'k'],
      [0, 'ok', 'write', 1, 'k'],
      [1, 'invoke', 'write', 2, 'k'],
      [1, 'fail', 'write', 2, 'k'],
      [2, 'invoke', 'read', null, 'k'],
      [2, 'ok', 'read', 2, 'k'],
      [3, 'invoke', 'read', null, 'other'],
      [3, 'ok', 'read', null, 'other'],
    ]);
    const { valid, results } = await checkAll([linearizable({ model: 'kv' })], h, {});
    expect(valid).toBe(false);
    const r = results.linearizable as any;
    expect(r.message).toMatch(/key "k"/);
    expect(r.anomalies).toHaveLength(1);
    expect(r.anomalies[0].key).toBe('k');
    const blocking = r.anomalies[0].operations[r.anomalies[0].blocking];
    expect(blocking).toMatchObject({ description: 'read("k") -> 2', meta: { process: 2, invoke: 4, complete: 5 } });
  });

  it('unknown: history that does not fit the model, or out of time', async () => {
    const wrong = history([
      [0, 'invoke', 'transfer', { from: 'a', to: 'b', amount: 1 }],
      [0, 'ok', 'transfer', null],
    ]);
    const r = (await linearizable({ model: 'register' }).check(wrong, {})) as Record<string, unknown>;
    expect(r.valid).toBe('unknown');
    expect(r.error).toMatch(/does not fit the register model: .*f "transfer"/);

    // 12 concurrent writes of distinct values, then reads that cannot be explained: a big search.
    const rows: Array<[number, Op['type'], string, unknown]> = [];
    for (let p = 0; p < 14; p++) rows.push([p, 'invoke', 'write', p]);
    for (let p = 0; p < 14; p++) rows.push([p, 'ok', 'write', p]);
    for (let p = 0; p < 14; p++) rows.push([100 + p, 'invoke', 'read', null]);
    for (let p = 0; p < 14; p++) rows.push([100 + p, 'ok', 'read', p]);
    const slow = (await linearizable({ model: 'register', timeoutMs: 1 }).check(history(rows), {})) as Record<string, unknown>;
    expect(slow.valid).toBe('unknown');
    expect(slow.message).toMatch(/timed out/);
  });

  it('checkAll stops at an aborted signal: the running search gives up, no later checker starts, the composite is unknown', async () => {
    const rows: Array<[number, Op['type'], string, unknown]> = [];
    for (let p = 0; p < 16; p++) rows.push([p, 'invoke', 'write', p]);
    for (let p = 0; p < 16; p++) rows.push([p, 'ok', 'write', p]);
    for (let p = 0; p < 16; p++) rows.push([100 + p, 'invoke', 'read', null]);
    for (let p = 0; p < 16; p++) rows.push([100 + p, 'ok', 'read', p]);
    let laterRan = false;
    const later = { name: 'later', check: () => ((laterRan = true), { valid: true as const }) };
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const started = performance.now();
    const { valid, results } = await checkAll([linearizable({ model: 'register' }), later], history(rows), { signal: ac.signal });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(valid).toBe('unknown');
    expect(results.linearizable).toMatchObject({ valid: 'unknown', message: expect.stringMatching(/^cancelled; /) });
    expect(laterRan).toBe(false);
    expect(Object.keys(results)).toEqual(['linearizable']);
  });

  it('refuses an unknown model or bad options at construction', () => {
    expect(() => linearizable({ model: 'paxos' })).toThrow(UsageError);
    expect(() => linearizable({ model: 'bank' })).toThrow(/balances/);
    expect(() => linearizable({ model: 'kv', timeoutMs: -5 })).toThrow(/timeoutMs must be a positive number/);
  });
});
