/** The KV state machine and command validation. */
import { describe, expect, it } from 'vitest';
import { applyCommand, changesState, commandError, digestHex, emptyDigest, kvDigestOf, kvGet, type KvMap } from './kv.js';
import { canonicalJson, digestOf, fnv1a64, jsonEqual } from '../../ground/canonical.js';
import { Rng } from '../../ground/rng.js';

describe('kv state machine', () => {
  it('reads absent keys as null, writes, and compares-and-sets', () => {
    const kv: KvMap = {};
    expect(applyCommand(kv, { op: 'read', key: 'x' })).toEqual({ type: 'ok', value: null });
    expect(applyCommand(kv, { op: 'write', key: 'x', value: 1 })).toEqual({ type: 'ok' });
    expect(applyCommand(kv, { op: 'cas', key: 'x', from: 2, to: 3 })).toEqual({ type: 'fail', error: 'cas-mismatch', value: 1 });
    expect(kvGet(kv, 'x')).toBe(1);
    expect(applyCommand(kv, { op: 'cas', key: 'x', from: 1, to: 3 })).toEqual({ type: 'ok' });
    expect(applyCommand(kv, { op: 'read', key: 'x' })).toEqual({ type: 'ok', value: 3 });
  });

  it('applies a txn atomically: all micro-ops or, if a check fails, none', () => {
    const kv: KvMap = {};
    applyCommand(kv, { op: 'write', key: 'a', value: 10 });
    const ok = applyCommand(kv, { op: 'txn', ops: [['c', 'a', 10], ['w', 'a', 5], ['w', 'b', 5], ['r', 'a', null]] });
    expect(ok).toEqual({ type: 'ok', ops: [['c', 'a', 10], ['w', 'a', 5], ['w', 'b', 5], ['r', 'a', 5]] });
    const aborted = applyCommand(kv, { op: 'txn', ops: [['w', 'a', 0], ['c', 'b', 99], ['r', 'b', null]] });
    expect(aborted).toMatchObject({ type: 'fail', error: 'txn-aborted' });
    expect(kvGet(kv, 'a')).toBe(5);
    expect(kvGet(kv, 'b')).toBe(5);
  });

  it('appends to lists: an absent key starts as [], reads return the list, the txn sees its own appends', () => {
    const kv: KvMap = {};
    const d = emptyDigest();
    expect(applyCommand(kv, { op: 'txn', ops: [['r', 'l', null], ['append', 'l', 1], ['r', 'l', null]] }, d)).toEqual({
      type: 'ok',
      ops: [['r', 'l', null], ['append', 'l', 1], ['r', 'l', [1]]],
    });
    const before = kvGet(kv, 'l');
    expect(applyCommand(kv, { op: 'txn', ops: [['append', 'l', 2], ['append', 'm', 7], ['append', 'l', 3]] }, d)).toMatchObject({ type: 'ok' });
    expect(kvGet(kv, 'l')).toEqual([1, 2, 3]);
    expect(kvGet(kv, 'm')).toEqual([7]);
    expect(before).toEqual([1]); // stored lists are never mutated: snapshots and answers share them
    expect(applyCommand(kv, { op: 'read', key: 'l' })).toEqual({ type: 'ok', value: [1, 2, 3] });
    expect(digestHex(d)).toBe(digestHex(kvDigestOf(kv)));
  });

  it('an append to a key holding a register aborts the whole txn (not-a-list), changing nothing', () => {
    const kv: KvMap = {};
    applyCommand(kv, { op: 'write', key: 'x', value: 5 });
    const r = applyCommand(kv, { op: 'txn', ops: [['append', 'l', 1], ['append', 'x', 2]] });
    expect(r).toMatchObject({ type: 'fail', error: 'not-a-list' });
    expect(kvGet(kv, 'l')).toBeNull();
    expect(kvGet(kv, 'x')).toBe(5);
  });

  it("a txn's reads come from the TxnReader given (a planted bug's), its own writes and its checks from the state", () => {
    const kv: KvMap = {};
    applyCommand(kv, { op: 'write', key: 'a', value: 2 });
    applyCommand(kv, { op: 'txn', ops: [['append', 'l', 1]] });
    const old = (k: string) => (k === 'a' ? 1 : null);
    expect(applyCommand(kv, { op: 'txn', ops: [['r', 'a', null], ['c', 'a', 2], ['append', 'l', 2], ['r', 'l', null]] }, undefined, old)).toEqual({
      type: 'ok',
      ops: [['r', 'a', 1], ['c', 'a', 2], ['append', 'l', 2], ['r', 'l', [1, 2]]],
    });
    expect(kvGet(kv, 'l')).toEqual([1, 2]);
  });

  it('treats keys like __proto__ as ordinary keys', () => {
    const kv: KvMap = {};
    applyCommand(kv, { op: 'write', key: '__proto__', value: 7 });
    expect(kvGet(kv, '__proto__')).toBe(7);
    expect(Object.getPrototypeOf(kv)).toBe(Object.prototype);
  });

  it('validates commands with one clear reason', () => {
    expect(commandError({ op: 'read', key: 'a' })).toBeNull();
    expect(commandError({ op: 'txn', ops: [['r', 'a', null], ['w', 'b', 1]] })).toBeNull();
    expect(commandError({ op: 'read' })).toMatch(/key/);
    expect(commandError({ op: 'write', key: 'a' })).toMatch(/value/);
    expect(commandError({ op: 'cas', key: 'a', from: 1 })).toMatch(/from and to/);
    expect(commandError({ op: 'txn', ops: [] })).toMatch(/non-empty/);
    expect(commandError({ op: 'txn', ops: [['x', 'a', 1]]})).toMatch(/r\|w\|c\|append/);
    expect(commandError({ op: 'txn', ops: [['append', 'a', 1]] })).toBeNull();
    expect(commandError({ op: 'txn', ops: [['append', 'a']] })).toMatch(/\[r\|w\|c\|append, key, value\]/);
    expect(commandError({ op: 'txn', ops: [['append', 'a', undefined]] })).toMatch(/need a value/);
    expect(commandError({ op: 'delete', key: 'a' })).toMatch(/unknown op/);
    expect(commandError(null)).toMatch(/object/);
  });
});

describe('canonical JSON and digests', () => {
  it('does not depend on key insertion order', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe('{"a":[{"x":1,"y":2}],"b":1}');
    expect(digestOf({ a: 1, b: 2 })).toBe(digestOf({ b: 2, a: 1 }));
    expect(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(jsonEqual(1, '1')).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });

  it('is FNV-1a 64 (published test vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('equals FNV-1a 64 computed with BigInt on random strings (multi-byte characters too)', () => {
    const reference = (text: string) => {
      let h = 0xcbf29ce484222325n;
      for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & ((1n << 64n) - 1n);
      return h.toString(16).padStart(16, '0');
    };
    const rng = new Rng(7);
    const alphabet = ['a', 'Z', '0', '{', '"', 'é', '€', '𝄞', '\u0000', ' '];
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: rng.int(0, 200) }, () => alphabet[rng.int(0, alphabet.length - 1)]).join('');
      expect(fnv1a64(text)).toBe(reference(text));
    }
  });
});

describe('kv digest', () => {
  it('the incremental digest equals the digest computed from scratch after writes, cas and txns', () => {
    const kv: KvMap = {};
    const d = emptyDigest();
    applyCommand(kv, { op: 'write', key: 'a', value: 1 }, d);
    applyCommand(kv, { op: 'write', key: 'b', value: { x: [1, 2] } }, d);
    applyCommand(kv, { op: 'cas', key: 'a', from: 1, to: 2 }, d);
    applyCommand(kv, { op: 'cas', key: 'a', from: 7, to: 9 }, d); // mismatch: no change
    applyCommand(kv, { op: 'txn', ops: [['c', 'a', 2], ['w', 'c', 'three'], ['w', 'a', 3]] }, d);
    applyCommand(kv, { op: 'txn', ops: [['c', 'a', 0], ['w', 'z', 1]] }, d); // aborted: no change
    expect(digestHex(d)).toBe(digestHex(kvDigestOf(kv)));
    expect(digestHex(d)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('depends on the contents only: order of writes does not matter, every value does, null is absent', () => {
    const build = (writes: Array<[string, number | null]>) => {
      const kv: KvMap = {};
      const d = emptyDigest();
      for (const [key, value] of writes) applyCommand(kv, { op: 'write', key, value }, d);
      return digestHex(d);
    };
    expect(build([['a', 1], ['b', 2]])).toBe(build([['b', 2], ['a', 1]]));
    expect(build([['a', 1], ['b', 2]])).not.toBe(build([['a', 1], ['b', 3]]));
    expect(build([['a', 1], ['b', 2]])).not.toBe(build([['a', 2], ['b', 1]])); // same values, other keys
    expect(build([['a', 1], ['b', null]])).toBe(build([['a', 1]]));
    expect(build([])).toBe('0000000000000000');
  });

  it('changesState: reads and read-only txns do not; writes, cas and txns that write do', () => {
    expect(changesState({ op: 'read', key: 'a' })).toBe(false);
    expect(changesState({ op: 'txn', ops: [['r', 'a', null]] })).toBe(false);
    expect(changesState({ op: 'write', key: 'a', value: 1 })).toBe(true);
    expect(changesState({ op: 'cas', key: 'a', from: 1, to: 2 })).toBe(true);
    expect(changesState({ op: 'txn', ops: [['r', 'a', null], ['w', 'a', 1]] })).toBe(true);
    expect(changesState({ op: 'txn', ops: [['r', 'a', null], ['append', 'l', 1]] })).toBe(true);
  });
});
