/**
 * The replicated state machine: a key-value map with read, write, cas and atomic txn.
 * Deterministic and pure apart from mutating the map it is given; every node applies the
 * decided log through this in slot order, so every node computes the same results.
 */
import type { Command, Key, Result, TxnOp, Value } from './types.js';
import { jsonEqual } from './canonical.js';

/**
 * The map's storage. Keys are stored with a 'k:' prefix so that a client key such as
 * `__proto__` is an ordinary own property of a plain object.
 */
export type KvMap = Record<string, Value>;

export function kvGet(kv: KvMap, key: Key): Value {
  const v = kv['k:' + key];
  return v === undefined ? null : v;
}

function kvSet(kv: KvMap, key: Key, value: Value): void {
  kv['k:' + key] = value;
}

/** Applies one command, mutating `kv`, and returns what the client is told. */
export function applyCommand(kv: KvMap, command: Command): Result {
  switch (command.op) {
    case 'read':
      return { type: 'ok', value: kvGet(kv, command.key) };
    case 'write':
      kvSet(kv, command.key, command.value);
      return { type: 'ok' };
    case 'cas': {
      const current = kvGet(kv, command.key);
      if (!jsonEqual(current, command.from)) return { type: 'fail', error: 'cas-mismatch', value: current };
      kvSet(kv, command.key, command.to);
      return { type: 'ok' };
    }
    case 'txn':
      return applyTxn(kv, command.ops);
  }
}

/** All micro-ops or none: they run on an overlay that is committed only if every check holds. */
function applyTxn(kv: KvMap, ops: TxnOp[]): Result {
  const overlay = new Map<Key, Value>();
  const read = (k: Key): Value => (overlay.has(k) ? (overlay.get(k) as Value) : kvGet(kv, k));
  const out: TxnOp[] = [];
  let aborted = false;
  for (const [f, k, v] of ops) {
    if (f === 'r') out.push(['r', k, read(k)]);
    else if (f === 'w') {
      overlay.set(k, v);
      out.push(['w', k, v]);
    } else {
      out.push(['c', k, v]);
      if (!jsonEqual(read(k), v)) aborted = true;
    }
  }
  if (aborted) return { type: 'fail', error: 'txn-aborted', ops: out } as Result;
  for (const [k, v] of overlay) kvSet(kv, k, v);
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
        if (!Array.isArray(op) || op.length !== 3 || !['r', 'w', 'c'].includes(op[0]) || !isKey(op[1]))
          return 'each txn op must be [r|w|c, key, value]';
        if (op[0] !== 'r' && op[2] === undefined) return 'txn w/c ops need a value';
      }
      return null;
    }
    default:
      return `unknown op ${JSON.stringify(c.op)}`;
  }
}
