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

/** Throws unless the op's value is a list of micro-ops of the workload's kinds. */
function checkShapes(op: Op, kinds: MopKinds): unknown[] {
  if (!Array.isArray(op.value)) throw new ElleInputError(op.index, `a txn's value must be a list of micro-ops, got ${stringifyExact(op.value ?? null)}`);
  for (const m of op.value as unknown[]) {
    if (!Array.isArray(m) || m.length !== 3 || typeof m[0] !== 'string' || !ALLOWED[kinds].has(m[0])) {
      const shapes = kinds === 'append' ? '[append k v] or [r k list]' : '[w k v] or [r k v]';
      throw new ElleInputError(op.index, `micro-op ${stringifyExact(m)} is not ${shapes}`);
    }
    if (kinds === 'append' && m[0] === 'r' && m[2] !== null && m[2] !== undefined && !Array.isArray(m[2])) throw new ElleInputError(op.index, `read ${stringifyExact(m)} must return a list or nil`);
  }
  return op.value;
}

/** A read list as atoms; the list itself when it holds only numbers and strings (the usual case). */
function atoms(list: unknown[]): Atom[] {
  for (const x of list) if (typeof x !== 'number' && typeof x !== 'string') return list.map(atom);
  return list as Atom[];
}

function readMops(op: Op, kinds: MopKinds): Mop[] {
  return checkShapes(op, kinds).map((m: unknown) => {
    const [f, k, v] = m as [Mop['f'], unknown, unknown];
    if (f !== 'r') return { f, key: atom(k), value: atom(v) };
    if (kinds === 'rw') return { f, key: atom(k), value: atom(v) };
    return { f, key: atom(k), value: Array.isArray(v) ? atoms(v) : null };
  });
}

/** The transactions of a history in invocation order; `fail`/`info`/pending ones included. */
export function historyToTxns(history: History, kinds: MopKinds): Txn[] {
  const txns: Txn[] = [];
  // Micro-ops are read once per txn, from the op that tells the most: an ok completion's value
  // has the reads filled in; otherwise the invocation's (what it read is unknown).
  const invokes: Op[] = [];
  const open = new Map<Op['process'], number>();
  const unread = (mops: Mop[]) => mops.map((m) => (m.f === 'r' ? { f: m.f, key: m.key, value: null } : m));
  for (const op of history) {
    if (op.f !== 'txn' || !isClientOp(op)) continue;
    const pending = open.get(op.process);
    if (op.type === 'invoke') {
      if (pending !== undefined) throw new ElleInputError(op.index, `process ${String(op.process)} invoked twice without completing`);
      checkShapes(op, kinds); // a bad micro-op is named where it first appears
      const id = txns.length;
      txns.push({ id, process: op.process, type: 'info', invokeIndex: op.index, completeIndex: undefined, mops: [] });
      invokes.push(op);
      open.set(op.process, id);
      continue;
    }
    if (pending === undefined) throw new ElleInputError(op.index, `${op.type} of process ${String(op.process)} with no open invocation`);
    open.delete(op.process);
    const txn = txns[pending];
    const invoke = invokes[pending];
    txn.type = op.type === 'ok' ? 'ok' : op.type === 'fail' ? 'fail' : 'info';
    txn.completeIndex = op.index;
    if (op.type === 'ok' && op.value !== undefined && op.value !== null) {
      // A committed read of nil is a read of nothing: the empty list / the initial nil.
      txn.mops = kinds === 'append' ? readMops(op, kinds).map((m) => (m.f === 'r' && m.value === null ? { f: m.f, key: m.key, value: [] } : m)) : readMops(op, kinds);
      if (!Array.isArray(invoke.value) || txn.mops.length !== invoke.value.length) throw new ElleInputError(op.index, `completion has ${txn.mops.length} micro-ops, its invocation ${Array.isArray(invoke.value) ? invoke.value.length : 0}`);
    } else txn.mops = op.type === 'ok' ? readMops(invoke, kinds) : unread(readMops(invoke, kinds));
  }
  // Never completed: what it read is unknown.
  for (const id of open.values()) txns[id].mops = unread(readMops(invokes[id], kinds));
  return txns;
}
