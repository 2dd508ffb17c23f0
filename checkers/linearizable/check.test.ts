/**
 * The search itself: verbose output on a hand-written illegal history, crashed ops, partitions,
 * timeout and memory ceiling -> unknown, the c50-bad early exit, input validation, and a
 * differential test against a brute-force checker on random small histories (which also proves
 * the read-only pruning changes no verdict).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../ground/rng.js';
import { checkEvents, checkOperations } from './check.js';
import { checkPorcupineCase, loadPorcupineCases, parsePorcupineCase } from './conformance.js';
import { getModel } from './models/index.js';
import type { Model, Operation } from './types.js';

const casRegister = getModel('cas-register');
const W = (v: number, call: number, ret: number, clientId = 0): Operation => ({ clientId, input: { f: 'write', value: v }, output: {}, call, return: ret });
const R = (v: number | null, call: number, ret: number, clientId = 1): Operation => ({ clientId, input: { f: 'read' }, output: { value: v }, call, return: ret });
const CAS = (from: number, to: number, call: number, ret: number, clientId = 2, unknown = false): Operation => ({
  clientId,
  input: { f: 'cas', from, to },
  output: { unknown },
  call,
  return: ret,
});

describe('checkOperations', () => {
  it('accepts a linearizable history and returns the linearization with states', () => {
    // The read of 1 overlaps the write of 2: it linearizes before it.
    const outcome = checkOperations(casRegister, [W(1, 0, 10), W(2, 20, 40), R(1, 30, 50)], { verbose: true });
    expect(outcome.result).toBe('ok');
    const info = outcome.partitions![0].info!;
    expect(info.prefix.map((s) => s.op)).toEqual([0, 2, 1]);
    expect(info.prefix.map((s) => s.stateAfter)).toEqual(['1', '1', '2']);
    expect(info.unplaced).toEqual([]);
  });

  it('rejects a stale read and names the op that could not be placed', () => {
    const outcome = checkOperations(casRegister, [W(1, 0, 10), W(2, 20, 30), R(1, 40, 50)], { verbose: true });
    expect(outcome.result).toBe('illegal');
    const info = outcome.partitions![0].info!;
    expect(info.result).toBe('illegal');
    expect(info.initialState).toBe('nil');
    expect(info.prefix).toEqual([
      { op: 0, stateBefore: 'nil', stateAfter: '1' },
      { op: 1, stateBefore: '1', stateAfter: '2' },
    ]);
    expect(info.unplaced).toEqual([{ op: 2, stateBefore: '2', modelAccepts: false }]);
    expect(info.blocking).toBe(2);
    expect(info.operations[2]).toMatchObject({ id: 2, clientId: 1, call: 40, return: 50, description: 'read() -> 1' });
    expect(JSON.parse(JSON.stringify(info))).toEqual(info);
  });

  it('a crashed op (return Infinity, unknown output) may take effect late or never', () => {
    // The crashed write(2) explains the read of 2; the crashed cas never needs to happen.
    const crashedWrite: Operation = { clientId: 3, input: { f: 'write', value: 2 }, output: { unknown: true }, call: 5, return: Infinity };
    expect(checkOperations(casRegister, [W(1, 0, 10), crashedWrite, R(2, 40, 50), CAS(7, 8, 1, Infinity, 2, true), R(2, 60, 70)]).result).toBe('ok');
    // ... but not before its call.
    const late: Operation = { ...crashedWrite, call: 60 };
    expect(checkOperations(casRegister, [W(1, 0, 10), late, R(2, 40, 50)]).result).toBe('illegal');
  });

  it('partitions by key: one illegal key makes the history illegal, and is named', () => {
    const kv = getModel('kv');
    const op = (key: string, f: string, v: number | null, call: number, ret: number): Operation => ({
      clientId: 0,
      input: f === 'write' ? { f, key, value: v } : { f, key },
      output: f === 'read' ? { value: v } : {},
      call,
      return: ret,
    });
    const outcome = checkOperations(kv, [op('a', 'write', 1, 0, 1), op('b', 'write', 1, 2, 3), op('a', 'read', 1, 4, 5), op('b', 'read', null, 6, 7)]);
    expect(outcome.result).toBe('illegal');
    expect(outcome.message).toMatch(/key "b"/);
    expect(outcome.partitions!.find((p) => p.key === 'b')!.result).toBe('illegal');
  });

  it('validates its input with one clear error', () => {
    expect(() => checkOperations(casRegister, [W(1, 10, 5)])).toThrow(/operation 0: returns \(5\) before its call \(10\)/);
    expect(() => checkOperations(casRegister, [W(1, NaN, 5)])).toThrow(/operation 0: call must be a finite number/);
    expect(() => checkOperations(casRegister, [], { timeoutMs: 0 })).toThrow(RangeError);
    expect(() => checkOperations(casRegister, [], { memoryLimitMb: -1 })).toThrow(RangeError);
    expect(() => checkEvents(casRegister, [{ kind: 'call', id: 1, value: { f: 'read' } }])).toThrow(/id 1 has no return/);
    expect(() => checkEvents(casRegister, [{ kind: 'return', id: 1, value: {} }])).toThrow(/before \(or without\) its call/);
    const badHash = { ...casRegister, hash: () => undefined as unknown as string };
    expect(() => checkOperations(badHash, [W(1, 0, 10)])).toThrow(/hash must return a string or a number, got undefined/);
  });

  it('many small partitions stay small: 2,000 keys', () => {
    const kv = getModel('kv');
    const ops: Operation[] = [];
    for (let k = 0; k < 2000; k++) {
      const key = `k${k}`;
      ops.push({ clientId: 0, input: { f: 'write', key, value: k }, output: {}, call: 4 * k, return: 4 * k + 1 });
      ops.push({ clientId: 1, input: { f: 'read', key }, output: { value: k }, call: 4 * k + 2, return: 4 * k + 3 });
    }
    const outcome = checkOperations(kv, ops);
    expect(outcome.result).toBe('ok');
    expect(outcome.partitions).toHaveLength(2000);
    expect(outcome.peakCacheBytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('models with only `equal` (no hash) and Porcupine-style partition functions work', () => {
    // A counter whose state is an object: compared with `equal`, never hashed.
    const counter: Model<{ n: number }, { f: 'inc' | 'read' }, { value?: number }> = {
      name: 'counter',
      init: () => ({ n: 0 }),
      step: (s, i, o) => (i.f === 'inc' ? [true, { n: s.n + 1 }] : [o.value === s.n, s]),
      equal: (a, b) => a.n === b.n,
    };
    const inc = (call: number, ret: number): Operation<any, any> => ({ clientId: 0, input: { f: 'inc' }, output: {}, call, return: ret });
    const read = (v: number, call: number, ret: number): Operation<any, any> => ({ clientId: 1, input: { f: 'read' }, output: { value: v }, call, return: ret });
    expect(checkOperations(counter, [inc(0, 10), inc(1, 11), read(1, 5, 20), read(2, 21, 22)]).result).toBe('ok');
    expect(checkOperations(counter, [inc(0, 10), inc(1, 11), read(1, 12, 20)]).result).toBe('illegal');
    // Porcupine's form of partitioning: every op alone (each inc/read judged separately).
    const split = { ...counter, partition: (ops: Operation<any, any>[]) => ops.map((o) => [o]) };
    const outcome = checkOperations(split, [inc(0, 10), read(1, 12, 20), read(0, 30, 40)]);
    expect(outcome.partitions).toHaveLength(3);
    expect(outcome.result).toBe('illegal');
    const splitEvents = { ...counter, partitionEvents: (events: any[]) => [events] };
    expect(checkEvents(splitEvents, [{ kind: 'call', id: 0, value: { f: 'inc' } }, { kind: 'call', id: 1, value: { f: 'read' } }, { kind: 'return', id: 0, value: {} }, { kind: 'return', id: 1, value: { value: 1 } }]).result).toBe('ok');
  });

  it('an empty history is linearizable', () => {
    expect(checkOperations(casRegister, []).result).toBe('ok');
    expect(checkEvents(casRegister, []).result).toBe('ok');
  });
});

describe('budgets', () => {
  const cases = loadPorcupineCases();
  // etcd_002 is linearizable and needs about a million search steps: far more than fits in 1 ms.
  const hard = cases.find((c) => c.file.endsWith('etcd_002.log'))!;
  const hardEvents = parsePorcupineCase(hard);

  it('a timeout gives unknown with a message, verbose too (with the prefix found so far)', () => {
    const outcome = checkPorcupineCase(hard, hardEvents, { timeoutMs: 1, verbose: true });
    expect(outcome.result).toBe('unknown');
    expect(outcome.message).toMatch(/timed out after 1 ms/);
    expect(outcome.partitions![0].result).toBe('unknown');
    expect(outcome.partitions![0].info!.result).toBe('unknown');
    expect(outcome.elapsedMs).toBeLessThan(5000);
  });

  it('the memory ceiling gives unknown with a message, not a crash', () => {
    const outcome = checkPorcupineCase(hard, hardEvents, { memoryLimitMb: 0.25 });
    expect(outcome.result).toBe('unknown');
    expect(outcome.message).toMatch(/memory ceiling reached: .* \(limit 0\.3 MB\)/);
    expect(outcome.peakCacheBytes).toBeGreaterThan(0.25 * 1024 * 1024);
  });

  it('kv c50-bad, by search alone: key "3" is found illegal while keys that would not finish are left unknown', () => {
    const bad = cases.find((c) => c.file.endsWith('c50-bad.txt'))!;
    const { refute: _unused, ...searchOnly } = getModel('porcupine-kv');
    // The timeout only turns a regression (checking keys one by one) into a failed assertion.
    const outcome = checkEvents(searchOnly, parsePorcupineCase(bad), { timeoutMs: 30_000 });
    expect(outcome.result).toBe('illegal');
    const byKey = Object.fromEntries(outcome.partitions!.map((p) => [p.key, p.result]));
    expect(byKey['3']).toBe('illegal');
    for (const key of ['0', '5', '7', '9']) expect(byKey[key]).toBe('unknown');
    // Interleaving is fair: nobody ran far ahead of key 3's few thousand steps.
    const steps3 = outcome.partitions!.find((p) => p.key === '3')!.steps;
    for (const p of outcome.partitions!) expect(p.steps).toBeLessThanOrEqual(steps3 + 20_000);
  });

  it('kv c50-bad with the model\'s refutation: illegal without a search, each refuted key with its reason', () => {
    const bad = cases.find((c) => c.file.endsWith('c50-bad.txt'))!;
    const outcome = checkPorcupineCase(bad, parsePorcupineCase(bad));
    expect(outcome.result).toBe('illegal');
    expect(outcome.message).toMatch(/^partition 0 \(key "0"\) is not linearizable: get\("0"\) -> ".*" misses append\("0", "x 10 16 y"\), which returned before the read was called, and nothing could come between them to overwrite it$/);
    const refuted = outcome.partitions!.filter((p) => p.refutation !== undefined);
    // Among them the keys the search cannot finish (0, 5, 7, 9) and key "3", which it can.
    expect(refuted.map((p) => p.key).sort()).toEqual(['0', '1', '2', '3', '4', '5', '7', '8', '9']);
    for (const p of outcome.partitions!) expect([p.result, p.steps]).toEqual([p.refutation ? 'illegal' : 'unknown', 0]);
  });

  it('an illegal partition found in a few steps waits for one short first slice of each hard one', () => {
    const kv = getModel('kv');
    const ops: Operation[] = [];
    // Ten hard keys: 10 concurrent writes, then a read of a value never written (illegal too, but
    // only after trying thousands of orders of the writes).
    for (let k = 0; k < 10; k++) {
      for (let v = 0; v < 10; v++) ops.push({ clientId: v, input: { f: 'write', key: `hard${k}`, value: v }, output: {}, call: 0, return: 100 });
      ops.push({ clientId: 10, input: { f: 'read', key: `hard${k}` }, output: { value: 99 }, call: 200, return: 210 });
    }
    // Searched last: a read of a value never written, illegal at its first step.
    ops.push({ clientId: 11, input: { f: 'read', key: 'easy' }, output: { value: 5 }, call: 0, return: 1 });
    const outcome = checkOperations(kv, ops, { verbose: true });
    expect(outcome.result).toBe('illegal');
    expect(outcome.message).toMatch(/key "easy"/);
    const hard = outcome.partitions!.filter((p) => p.key !== 'easy');
    expect(hard.map((p) => [p.result, p.steps])).toEqual(hard.map(() => ['unknown', 64]));
    // The verbose detail names the read.
    const info = outcome.partitions!.find((p) => p.key === 'easy')!.info!;
    expect(info).toMatchObject({ result: 'illegal', prefix: [], unplaced: [{ op: 0, modelAccepts: false }], blocking: 0 });
    // Every partition has its info; unfinished ones show where their search stood.
    for (const p of hard) expect(p.info!.result).toBe('unknown');
  });
});

/** Brute force: some order of all ops respects real time and the model. */
function bruteForce(model: Model, ops: Operation[]): boolean {
  const n = ops.length;
  const placed = new Array<boolean>(n).fill(false);
  const go = (state: unknown, count: number): boolean => {
    if (count === n) return true;
    for (let i = 0; i < n; i++) {
      if (placed[i]) continue;
      // i can go next only if no unplaced op returned before i was called.
      if (ops.some((o, j) => !placed[j] && j !== i && o.return < ops[i].call)) continue;
      const [ok, next] = model.step(state, ops[i].input, ops[i].output);
      if (!ok) continue;
      placed[i] = true;
      const found = go(next, count + 1);
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return go(model.init(), 0);
}

describe('differential: search vs brute force on random small histories', () => {
  it('agrees on 400 random cas-register histories (with crashed ops), with and without read-only pruning and refutation', () => {
    const rng = new Rng(20261126);
    const { readOnly: _unused, refute: _unused2, ...rest } = casRegister;
    const noPruning: Model = rest;
    let illegal = 0;
    let refuted = 0;
    for (let h = 0; h < 400; h++) {
      const ops: Operation[] = [];
      const count = rng.int(1, 7);
      for (let i = 0; i < count; i++) {
        const call = rng.int(0, 20);
        const crashed = rng.chance(0.15);
        const ret = crashed ? Infinity : call + rng.int(0, 8);
        const roll = rng.float();
        const v = () => rng.int(0, 2);
        if (roll < 0.4) ops.push({ clientId: i, input: { f: 'read' }, output: crashed ? { unknown: true } : { value: rng.chance(0.2) ? null : v() }, call, return: ret });
        else if (roll < 0.75) ops.push({ clientId: i, input: { f: 'write', value: v() }, output: { unknown: crashed }, call, return: ret });
        else ops.push({ clientId: i, input: { f: 'cas', from: v(), to: v() }, output: { unknown: crashed }, call, return: ret });
      }
      const expected = bruteForce(casRegister, ops) ? 'ok' : 'illegal';
      if (expected === 'illegal') illegal++;
      const outcome = checkOperations(casRegister, ops);
      expect(outcome.result, JSON.stringify(ops)).toBe(expected);
      if (outcome.partitions![0].refutation !== undefined) refuted++;
      expect(checkOperations(noPruning, ops).result, JSON.stringify(ops)).toBe(expected);
      // Verbose mode: same verdict, a replayable prefix (buildInfo replays it through the model).
      const verbose = checkOperations(casRegister, ops, { verbose: true });
      expect(verbose.result, JSON.stringify(ops)).toBe(expected);
      const info = verbose.partitions![0].info!;
      expect(info.result).toBe(expected);
      if (expected === 'ok') expect(info.prefix).toHaveLength(ops.length);
      else expect(info.unplaced.length + info.prefix.length).toBeGreaterThan(0);
    }
    // Both sides are exercised, and the refutation proves some (not all) illegal ones.
    expect(illegal).toBeGreaterThan(40);
    expect(illegal).toBeLessThan(360);
    expect(refuted).toBeGreaterThan(10);
    expect(refuted).toBeLessThan(illegal);
  });
});

describe("porcupine-kv's refutation (Model.refute)", () => {
  const kv = getModel('porcupine-kv');
  const { refute: _unused, ...searchOnly } = kv;
  const get = (v: string, call: number, ret: number): Operation => ({ clientId: 0, input: { op: 'get', key: 'k', value: '' }, output: { value: v }, call, return: ret });
  const write = (op: 'put' | 'append', v: string, call: number, ret: number): Operation => ({ clientId: 1, input: { op, key: 'k', value: v }, output: { value: '' }, call, return: ret });

  it('agrees with brute force on 600 random histories (with crashed ops), and proves some illegal ones without a search', () => {
    const rng = new Rng(20261127);
    let refuted = 0;
    let illegal = 0;
    for (let h = 0; h < 600; h++) {
      const ops: Operation[] = [];
      for (let i = 0, count = rng.int(1, 7); i < count; i++) {
        const call = rng.int(0, 20);
        const crashed = rng.chance(0.1);
        const ret = crashed ? Infinity : call + rng.int(0, 8);
        const roll = rng.float();
        const text = ['a', 'b', 'ab'][rng.int(0, 2)];
        const op = roll < 0.4 ? get(['', 'a', 'b', 'ab', 'ba', 'aab'][rng.int(0, 5)], call, ret) : write(roll < 0.55 ? 'put' : 'append', text, call, ret);
        ops.push(crashed ? { ...op, output: { value: '', unknown: true } } : op);
      }
      // Fresh models: the string table lives as long as the model instance.
      const expected = bruteForce(getModel('porcupine-kv'), ops) ? 'ok' : 'illegal';
      if (expected === 'illegal') illegal++;
      const outcome = checkOperations(getModel('porcupine-kv'), ops);
      expect(outcome.result, JSON.stringify(ops)).toBe(expected);
      const { refute: _r, ...plain } = getModel('porcupine-kv');
      expect(checkOperations(plain, ops).result, JSON.stringify(ops)).toBe(expected);
      if (outcome.partitions!.some((p) => p.refutation !== undefined)) refuted++;
    }
    expect(illegal).toBeGreaterThan(100);
    expect(refuted).toBeGreaterThan(20);
    expect(refuted).toBeLessThan(illegal);
  });

  it('never refutes a partition of the corpus\'s linearizable kv histories; the search confirms refuted ones where it can finish', () => {
    for (const c of loadPorcupineCases().filter((x) => x.format === 'kv')) {
      const outcome = checkPorcupineCase(c, parsePorcupineCase(c));
      const refutedKeys = outcome.partitions!.filter((p) => p.refutation !== undefined).map((p) => p.key);
      if (c.expected === 'ok') expect(refutedKeys, c.file).toEqual([]);
      else expect(refutedKeys.length, c.file).toBeGreaterThan(0);
    }
    const c10 = loadPorcupineCases().find((x) => x.file.endsWith('c10-bad.txt'))!;
    const events = parsePorcupineCase(c10);
    const refuted = checkPorcupineCase(c10, events).partitions!.filter((p) => p.refutation !== undefined);
    const keyOf = new Map<number, string>();
    let confirmed = 0;
    for (const { key } of refuted) {
      const sub = events.filter((e) => (e.kind === 'call' ? keyOf.set(e.id, (e.value as { key: string }).key).get(e.id) : keyOf.get(e.id)) === key);
      const verdict = checkEvents(searchOnly, sub, { timeoutMs: 2000 }).result;
      expect(verdict, `c10-bad key ${key}`).not.toBe('ok');
      if (verdict === 'illegal') confirmed++;
    }
    expect(confirmed).toBeGreaterThan(0);
  });

  it('verbose: the refuted partition carries the reason and the prefix its search found', () => {
    // append(x) returns before the get starts, which does not see it.
    const ops = [write('append', 'x', 0, 10), get('', 20, 30), write('append', 'y', 40, 50), get('y', 60, 70)];
    const outcome = checkOperations(kv, ops, { verbose: true });
    expect(outcome.result).toBe('illegal');
    const info = outcome.partitions![0].info!;
    expect(info.refutation).toBe('get("k") -> "" misses append("k", "x"), which returned before the read was called, and nothing could come between them to overwrite it');
    expect(info).toMatchObject({ result: 'illegal', prefix: [{ op: 0, stateBefore: '""', stateAfter: '"x"' }], unplaced: [{ op: 1, modelAccepts: false }], blocking: 1 });
    // A put that may come between them defeats the proof (and the search finds the order).
    const overwritten = [write('append', 'x', 0, 10), write('put', '', 5, 25), get('', 20, 30)];
    expect(checkOperations(kv, overwritten).result).toBe('ok');
  });

  it('a refutation the search contradicts is an internal error, not a verdict', () => {
    const bogus = { ...kv, refute: () => 'every history is wrong' };
    expect(() => checkOperations(bogus, [write('put', 'a', 0, 1), get('a', 2, 3)], { verbose: true })).toThrow(/refuted partition 0, which is linearizable/);
  });
});
