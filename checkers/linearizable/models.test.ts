/**
 * The models' step functions (legal and illegal steps, crashed-op outputs, read-only flags),
 * their history adapters, and the registry.
 */
import { describe, expect, it } from 'vitest';
import type { Op } from '../../ground/history.js';
import { UsageError } from '../../ground/runtime.js';
import { etcdModel, type EtcdOutput } from './models/etcd.js';
import { getModel, getModelSpec, modelNames } from './models/index.js';
import { createPorcupineKvModel } from './models/porcupine-kv.js';
import type { Model } from './types.js';

const out = (o: Partial<EtcdOutput>): EtcdOutput => ({ ok: false, exists: false, value: 0, unknown: false, ...o });
const op = (o: Partial<Op>): Op => ({ index: 0, time: 0, process: 0, type: 'invoke', f: 'read', ...o });
/** Runs ops in order; returns the final state or the index of the first illegal op. */
function run<S, I, O>(model: Model<S, I, O>, steps: Array<[I, O]>): { ok: true; state: S } | { ok: false; at: number } {
  let state = model.init();
  for (let i = 0; i < steps.length; i++) {
    const [legal, next] = model.step(state, steps[i][0], steps[i][1]);
    if (!legal) return { ok: false, at: i };
    state = next;
  }
  return { ok: true, state };
}

describe('etcd model', () => {
  it('reads nil initially, then what was written; cas swaps only on a match', () => {
    expect(run(etcdModel, [[{ op: 'read' }, out({ exists: false })], [{ op: 'write', value: 3 }, out({})], [{ op: 'read' }, out({ exists: true, value: 3 })], [{ op: 'cas', from: 3, to: 4 }, out({ ok: true })], [{ op: 'cas', from: 3, to: 1 }, out({ ok: false })]])).toEqual({ ok: true, state: 4 });
  });
  it('rejects a stale read, a read of a value when absent, a cas that lies', () => {
    expect(run(etcdModel, [[{ op: 'write', value: 1 }, out({})], [{ op: 'read' }, out({ exists: true, value: 2 })]])).toEqual({ ok: false, at: 1 });
    expect(run(etcdModel, [[{ op: 'read' }, out({ exists: true, value: 0 })]])).toEqual({ ok: false, at: 0 });
    expect(run(etcdModel, [[{ op: 'write', value: 1 }, out({})], [{ op: 'cas', from: 1, to: 2 }, out({ ok: false })]])).toEqual({ ok: false, at: 1 });
    expect(run(etcdModel, [[{ op: 'cas', from: 1, to: 2 }, out({ ok: true })]])).toEqual({ ok: false, at: 0 });
  });
  it('an unknown cas is legal anywhere and takes effect iff it matches; unknown reads accept anything', () => {
    expect(run(etcdModel, [[{ op: 'write', value: 1 }, out({})], [{ op: 'cas', from: 1, to: 2 }, out({ unknown: true })]])).toEqual({ ok: true, state: 2 });
    expect(run(etcdModel, [[{ op: 'cas', from: 1, to: 2 }, out({ unknown: true })]])).toEqual({ ok: true, state: null });
    expect(run(etcdModel, [[{ op: 'read' }, out({ unknown: true, exists: true, value: 9 })]])).toEqual({ ok: true, state: null });
  });
  it('read-only: reads and failed cas, not writes or unknown cas', () => {
    expect(etcdModel.readOnly!({ op: 'read' }, out({}))).toBe(true);
    expect(etcdModel.readOnly!({ op: 'cas', from: 1, to: 2 }, out({ ok: false }))).toBe(true);
    expect(etcdModel.readOnly!({ op: 'cas', from: 1, to: 2 }, out({ unknown: true }))).toBe(false);
    expect(etcdModel.readOnly!({ op: 'write', value: 1 }, out({}))).toBe(false);
  });
});

describe('porcupine-kv model', () => {
  it('put, append, get; partitions by key', () => {
    const put = { op: 'put' as const, key: 'k', value: 'a' };
    const app = { op: 'append' as const, key: 'k', value: 'b' };
    const get = (v: string): [any, any] => [{ op: 'get', key: 'k', value: '' }, { value: v }];
    const m = createPorcupineKvModel();
    const end = run<number, any, any>(m, [get(''), [put, { value: '' }], [app, { value: '' }], get('ab'), [{ ...app, value: '' }, { value: '' }], get('ab'), [app, { value: '' }], get('abb')]);
    expect(end.ok && m.describeState!(end.state)).toBe('"abb"');
    expect(run<number, any, any>(m, [[put, { value: '' }], get('')])).toEqual({ ok: false, at: 1 });
    expect(m.partitionKey!(put)).toBe('k');
    // Equal strings reached by different paths are the same state (exact interning).
    const viaPut = run<number, any, any>(m, [[{ ...put, value: 'ab' }, { value: '' }]]);
    const viaAppends = run<number, any, any>(m, [[put, { value: '' }], [app, { value: '' }]]);
    expect(viaPut.ok && viaAppends.ok && viaPut.state === viaAppends.state).toBe(true);
  });
});

describe('register, cas-register, kv (our workloads)', () => {
  const cas = getModelSpec('cas-register');
  const convert = (invoke: Op, complete?: Op) => cas.fromHistory(invoke, complete);
  it('adapts our ops: read value, write v, cas [from, to]; crashed ops get an unknown output', () => {
    expect(convert(op({ f: 'read' }), op({ type: 'ok', f: 'read', value: 3 }))).toEqual({ input: { f: 'read', key: undefined }, output: { value: 3 } });
    expect(convert(op({ f: 'read' }), op({ type: 'ok', f: 'read', value: null }))).toEqual({ input: { f: 'read', key: undefined }, output: { value: null } });
    expect(convert(op({ f: 'cas', value: [1, 2] }), undefined)).toEqual({ input: { f: 'cas', key: undefined, from: 1, to: 2 }, output: { unknown: true } });
    expect(() => convert(op({ f: 'cas', value: 5 }), undefined)).toThrow(/history op 0 .*\[from, to\]/);
    expect(() => convert(op({ f: 'txn', value: [] }), undefined)).toThrow(/not an operation of the cas-register model/);
    expect(() => getModelSpec('register').fromHistory(op({ f: 'cas', value: [1, 2] }), undefined)).toThrow(/register model \(read, write\)/);
  });
  it('steps: absent = null, optional initial value, cas, JSON values compared by content', () => {
    const m = getModel('cas-register');
    const w = (value: unknown) => [{ f: 'write', value }, {}] as [any, any];
    const r = (value: unknown) => [{ f: 'read' }, { value }] as [any, any];
    const c = (from: unknown, to: unknown, unknown = false) => [{ f: 'cas', from, to }, { unknown }] as [any, any];
    expect(run(m, [r(null), w({ a: 1, b: [2] }), r({ b: [2], a: 1 }), c({ a: 1, b: [2] }, 5), r(5)])).toEqual({ ok: true, state: 5 });
    expect(run(m, [w(1), c(2, 3)])).toEqual({ ok: false, at: 1 });
    expect(run(m, [w(1), c(2, 3, true), r(1)])).toEqual({ ok: true, state: 1 });
    expect(run(m, [w(1), r('1')])).toEqual({ ok: false, at: 1 });
    expect(run(getModel('cas-register', { initial: 0 }), [r(0), c(0, 1)])).toEqual({ ok: true, state: 1 });
    expect(run(m, [[{ f: 'read' }, { unknown: true }]])).toEqual({ ok: true, state: null });
  });
  it('kv partitions by key and needs one', () => {
    const kv = getModelSpec('kv');
    const { input } = kv.fromHistory(op({ f: 'write', key: 'k1', value: 1 }), op({ type: 'ok', f: 'write' }));
    expect(kv.create().partitionKey!(input)).toBe('k1');
    expect(() => kv.fromHistory(op({ f: 'read' }), undefined)).toThrow(/needs a string key/);
  });
});

describe('set model', () => {
  const spec = getModelSpec('set');
  const m = spec.create();
  const add = (v: unknown) => Object.values(spec.fromHistory(op({ f: 'add', value: v }), op({ type: 'ok', f: 'add' }))) as [any, any];
  const read = (v: unknown[]) => Object.values(spec.fromHistory(op({ f: 'read' }), op({ type: 'ok', f: 'read', value: v }))) as [any, any];
  it('a read returns exactly the elements added (any order, duplicates ignored)', () => {
    expect(run(m, [read([]), add(2), add(1), read([1, 2]), read([2, 1, 1])]).ok).toBe(true);
    expect(run(m, [add(1), read([])])).toEqual({ ok: false, at: 1 });
    expect(run(m, [add(1), read([1, 3])])).toEqual({ ok: false, at: 1 });
    expect(run(m, [add(1), read(['1'])])).toEqual({ ok: false, at: 1 });
  });
});

describe('bank model', () => {
  const spec = getModelSpec('bank');
  const m = spec.create({ balances: { a: 10, b: 0 } });
  const t = (from: string, to: string, amount: number, crashed = false) =>
    Object.values(spec.fromHistory(op({ f: 'transfer', value: { from, to, amount } }), crashed ? undefined : op({ type: 'ok', f: 'transfer' }))) as [any, any];
  const read = (v: Record<string, number>) => Object.values(spec.fromHistory(op({ f: 'read' }), op({ type: 'ok', f: 'read', value: v }))) as [any, any];
  it('transfers move money; reads must see every balance; no overdraft', () => {
    expect(run(m, [read({ a: 10, b: 0 }), t('a', 'b', 4), read({ a: 6, b: 4 })]).ok).toBe(true);
    expect(run(m, [t('a', 'b', 4), read({ a: 10, b: 0 })])).toEqual({ ok: false, at: 1 });
    expect(run(m, [t('a', 'b', 4), read({ a: 6 })])).toEqual({ ok: false, at: 1 });
    expect(run(m, [t('b', 'a', 1)])).toEqual({ ok: false, at: 0 });
    expect(run(m, [t('b', 'a', 1, true), read({ a: 10, b: 0 })]).ok).toBe(true);
    expect(run(spec.create({ balances: { a: 10, b: 0 }, allowNegative: true }), [t('b', 'a', 1), read({ a: 11, b: -1 })]).ok).toBe(true);
  });
  it('needs opening balances', () => {
    expect(() => spec.create({})).toThrow(UsageError);
    expect(() => spec.create({ balances: { a: 1.5 } })).toThrow(/integer/);
  });
});

describe('registry', () => {
  it('has every model of the brief, and an unknown name is a UsageError listing them', () => {
    expect([...modelNames].sort()).toEqual(['bank', 'cas-register', 'etcd', 'kv', 'porcupine-kv', 'register', 'set']);
    expect(() => getModel('nope')).toThrow(UsageError);
    expect(() => getModel('nope')).toThrow(/known: register, cas-register/);
  });
});
