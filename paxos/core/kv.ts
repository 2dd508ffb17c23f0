/**
 * The replicated state machine: a key-value map with read, write, cas and atomic txn (whose
 * micro-ops read, write, check, and append to lists).
 * Deterministic and pure apart from mutating the map (and its digest) it is given; every node
 * applies the decided log through this in slot order, so every node computes the same results.
 */
import type { Command, Key, Result, TxnOp, Value } from './types.js';
import { canonicalJson, jsonEqual } from '../../ground/canonical.js';

/**
 * The map's storage. Keys are stored with a 'k:' prefix so that a client key such as
 * `__proto__` is an ordinary own property of a plain object.
 */
export type KvMap = Record<string, Value>;

export function kvGet(kv: KvMap, key: Key): Value {
  const v = kv['k:' + key];
  return v === undefined ? null : v;
}

/**
 * An incremental digest of a KvMap: the sums (mod 2^32, two independent lanes) of a hash of
 * every (key, value) pair, so a write updates it in O(1) (subtract the old pair, add the new)
 * and two maps with the same contents have the same digest whatever the order of writes.
 * A null value counts as absent (a read cannot tell them apart).
 */
export type KvDigest = [number, number];

export const emptyDigest = (): KvDigest => [0, 0];

/** Murmur3's 32-bit finaliser: FNV-1a alone barely mixes its last characters. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two 32-bit FNV-1a-style lanes (different offsets and multipliers) over the pair's UTF-16 units. */
function pairHash(key: Key, value: Value): KvDigest {
  const text = key + '\u0000' + (typeof value === 'object' ? canonicalJson(value) : JSON.stringify(value));
  let a = 0x811c9dc5;
  let b = 0x2c9277b5;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [fmix32(a), fmix32(b)];
}

function digestAdd(d: KvDigest, key: Key, value: Value | undefined, sign: 1 | -1): void {
  if (value === undefined || value === null) return;
  const [a, b] = pairHash(key, value);
  d[0] = (d[0] + sign * a) >>> 0;
  d[1] = (d[1] + sign * b) >>> 0;
}

/** The digest as 16 hex digits. */
export function digestHex(d: KvDigest): string {
  return d[0].toString(16).padStart(8, '0') + d[1].toString(16).padStart(8, '0');
}

/** The digest of a whole map, computed from scratch (what the incremental one must equal). */
export function kvDigestOf(kv: KvMap): KvDigest {
  const d = emptyDigest();
  for (const [k, v] of Object.entries(kv)) digestAdd(d, k.slice(2), v, 1);
  return d;
}

/** The map as the client sees it: key -> value, absent (null) keys left out. */
export function kvContents(kv: KvMap): Record<Key, Value> {
  const out: Record<Key, Value> = {};
  for (const [k, v] of Object.entries(kv)) if (v !== null) out[k.slice(2)] = v;
  return out;
}

function kvSet(kv: KvMap, key: Key, value: Value, digest: KvDigest | undefined): void {
  if (digest) {
    digestAdd(digest, key, kv['k:' + key], -1);
    digestAdd(digest, key, value, 1);
  }
  kv['k:' + key] = value;
}

/**
 * What a txn's 'r' micro-ops read of a key its own earlier micro-ops did not write: the current
 * state (kvGet), unless a planted bug substitutes an older one (learner.ts, stale-txn-read).
 */
export type TxnReader = (key: Key) => Value;

/**
 * Applies one command, mutating `kv` (and `digest`, when given, to match), and returns what the
 * client is told. `txnReads` serves a txn's reads (see TxnReader); absent: the current state.
 */
export function applyCommand(kv: KvMap, command: Command, digest?: KvDigest, txnReads?: TxnReader): Result {
  switch (command.op) {
    case 'read':
      return { type: 'ok', value: kvGet(kv, command.key) };
    case 'write':
      kvSet(kv, command.key, command.value, digest);
      return { type: 'ok' };
    case 'cas': {
      const current = kvGet(kv, command.key);
      if (!jsonEqual(current, command.from)) return { type: 'fail', error: 'cas-mismatch', value: current };
      kvSet(kv, command.key, command.to, digest);
      return { type: 'ok' };
    }
    case 'txn':
      return applyTxn(kv, command.ops, digest, txnReads ?? ((k) => kvGet(kv, k)));
  }
}

/** Whether a command can change the state (a read, or a txn of reads only, cannot). */
export function changesState(command: Command): boolean {
  if (command.op === 'read') return false;
  return command.op !== 'txn' || command.ops.some(([f]) => f !== 'r');
}

/** The keys a command may write (what it would change if applied). */
export function keysWritten(command: Command): Key[] {
  if (command.op === 'write' || command.op === 'cas') return [command.key];
  if (command.op === 'txn') return command.ops.filter(([f]) => f === 'w' || f === 'append').map(([, k]) => k);
  return [];
}

/**
 * All micro-ops or none: they run on an overlay that is committed only if every check holds.
 * Checks and appends see the current state; reads see `reads` (the current state but under a
 * planted bug), always with the txn's own earlier writes on top.
 */
function applyTxn(kv: KvMap, ops: TxnOp[], digest: KvDigest | undefined, reads: TxnReader): Result {
  const overlay = new Map<Key, Value>();
  const current = (k: Key): Value => (overlay.has(k) ? (overlay.get(k) as Value) : kvGet(kv, k));
  const out: TxnOp[] = [];
  let error: 'txn-aborted' | 'not-a-list' | null = null;
  for (const [f, k, v] of ops) {
    if (f === 'r') out.push(['r', k, overlay.has(k) ? (overlay.get(k) as Value) : reads(k)]);
    else if (f === 'w') {
      overlay.set(k, v);
      out.push(['w', k, v]);
    } else if (f === 'append') {
      const list = current(k) ?? [];
      out.push(['append', k, v]);
      // A new array every time: stored lists are shared (snapshots, answers), never mutated.
      if (Array.isArray(list)) overlay.set(k, [...list, v]);
      else error ??= 'not-a-list';
    } else {
      out.push(['c', k, v]);
      if (!jsonEqual(current(k), v)) error ??= 'txn-aborted';
    }
  }
  if (error !== null) return { type: 'fail', error, ops: out } as Result;
  for (const [k, v] of overlay) kvSet(kv, k, v, digest);
  return { type: 'ok', ops: out };
}

/** Why `command` is not a well-formed Command, or null if it is (for drivers' input checks). */
export function commandError(command: unknown): string | null {
  if (command === null || typeof command !== 'object') return 'command must be an object';
  const c = command as Record<string, unknown>;
  const isKey = (k: unknown) => typeof k === 'string' && k.length > 0;
  switch (c.op) {
    case 'read':
      return isKey(c.key) ? null : 'read needs a non-empty string key';
    case 'write':
      return !isKey(c.key) ? 'write needs a non-empty string key' : c.value === undefined ? 'write needs a value' : null;
    case 'cas':
      if (!isKey(c.key)) return 'cas needs a non-empty string key';
      return c.from === undefined || c.to === undefined ? 'cas needs from and to' : null;
    case 'txn': {
      if (!Array.isArray(c.ops) || c.ops.length === 0) return 'txn needs a non-empty ops array';
      for (const op of c.ops) {
        if (!Array.isArray(op) || op.length !== 3 || !['r', 'w', 'c', 'append'].includes(op[0]) || !isKey(op[1]))
          return 'each txn op must be [r|w|c|append, key, value]';
        if (op[0] !== 'r' && op[2] === undefined) return 'txn w/c/append ops need a value';
      }
      return null;
    }
    default:
      return `unknown op ${JSON.stringify(c.op)}`;
  }
}
