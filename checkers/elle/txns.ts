/**
 * History -> transactions: pairs each `txn` invocation with its completion and reads its
 * micro-ops (`[["append", k, v], ["r", k, [..]]]`, Jepsen's `[[:append k v] [:r k [..]]]`).
 * Ops with another `f` (and nemesis ops) are not transactions and are left out.
 */
import { stringifyExact } from '../../ground/exact-json.js';
import { isClientOp, type History, type Op } from '../../ground/history.js';
import type { Atom, Mop, Txn } from './types.js';

/** The history cannot be read as transactions (a malformed micro-op, a value written twice). */
export class ElleInputError extends Error {
  override name = 'ElleInputError';
  constructor(
    /** The history index of the op at fault. */
    readonly opIndex: number,
    detail: string,
  ) {
    super(`history op ${opIndex}: ${detail}`);
  }
}

/** Keys and values as Map keys: numbers and strings as they are; anything else (bigints,
 *  exact decimals) by its exact text, marked so it cannot equal a string. */
export function atom(v: unknown): Atom {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return `#${stringifyExact(v)}`;
}

export type MopKinds = 'append' | 'rw';
const ALLOWED: Record<MopKinds, ReadonlySet<string>> = { append: new Set(['append', 'r']), rw: new Set(['w', 'r']) };

function readMops(op: Op, kinds: MopKinds): Mop[] {
  if (!Array.isArray(op.value)) throw new ElleInputError(op.index, `a txn's value must be a list of micro-ops, got ${stringifyExact(op.value ?? null)}`);
  return op.value.map((m: unknown) => {
    if (!Array.isArray(m) || m.length !== 3 || typeof m[0] !== 'string' || !ALLOWED[kinds].has(m[0])) {
      const shapes = kinds === 'append' ? '[append k v] or [r k list]' : '[w k v] or [r k v]';
      throw new ElleInputError(op.index, `micro-op ${stringifyExact(m)} is not ${shapes}`);
    }
    const f = m[0] as Mop['f'];
    let value: unknown = m[2];
    if (f === 'r') {
      if (kinds === 'append') {
        if (value !== null && value !== undefined && !Array.isArray(value)) throw new ElleInputError(op.index, `read ${stringifyExact(m)} must return a list or nil`);
        value = Array.isArray(value) ? value.map(atom) : null;
      } else value = atom(value);
    } else value = atom(value);
    return { f, key: atom(m[1]), value };
  });
}

/** The transactions of a history in invocation order; `fail`/`info`/pending ones included. */
export function historyToTxns(history: History, kinds: MopKinds): Txn[] {
  const txns: Txn[] = [];
  const open = new Map<Op['process'], { invoke: Op; id: number }>();
  for (const op of history) {
    if (!isClientOp(op) || op.f !== 'txn') continue;
    const pending = open.get(op.process);
    if (op.type === 'invoke') {
      if (pending) throw new ElleInputError(op.index, `process ${String(op.process)} invoked twice without completing`);
      const id = txns.length;
      txns.push({ id, process: op.process, type: 'info', invokeIndex: op.index, completeIndex: undefined, mops: readMops(op, kinds) });
      open.set(op.process, { invoke: op, id });
      continue;
    }
    if (!pending) throw new ElleInputError(op.index, `${op.type} of process ${String(op.process)} with no open invocation`);
    open.delete(op.process);
    const txn = txns[pending.id];
    txn.type = op.type === 'ok' ? 'ok' : op.type === 'fail' ? 'fail' : 'info';
    txn.completeIndex = op.index;
    // Only a committed txn's completion tells what its reads returned.
    if (op.type === 'ok' && op.value !== undefined && op.value !== null) {
      const mops = readMops(op, kinds);
      if (mops.length !== txn.mops.length) throw new ElleInputError(op.index, `completion has ${mops.length} micro-ops, its invocation ${txn.mops.length}`);
      txn.mops = mops;
    } else if (op.type !== 'ok') {
      // What an unfinished txn read is unknown.
      txn.mops = txn.mops.map((m) => (m.f === 'r' ? { ...m, value: null } : m));
    }
  }
  // Never completed: what it read is unknown.
  for (const { id } of open.values()) txns[id].mops = txns[id].mops.map((m) => (m.f === 'r' ? { ...m, value: null } : m));
  return txns;
}
