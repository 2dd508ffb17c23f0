/**
 * What the Paxos store's clients say to a node for each workload op, and what they make of the
 * answers, as pure coroutines over the HTTP API (paxos/http.ts): an op's exchange yields its
 * requests one at a time, is resumed with each one's outcome (http-client.ts: ok / fail / info),
 * and returns the op's completion. The real clients (clients.ts) run them over HTTP; the
 * simulator (harness/sim/client.ts) runs the same ones against paxos/core, so a simulated op
 * sends what the real client sends and completes as the real client would.
 * Op shapes: workloads/kv.ts, set.ts, bank.ts, txn.ts.
 */
import type { Completion, MicroOp, OpSpec } from '../index.js';
import { ACCOUNTS, BANK, microOps, setKeyOf } from '../index.js';
import { notOk, type ApiRequest, type Exchange, type HttpOutcome } from './http-client.js';
import { MAX_TXN_OPS } from './http.js';

/** A `/txn` micro-op as sent and answered: [f, store key, value]. */
type TxnOp = [string, string, unknown];

/** How a workload's client runs an op, and whether the op only reads (then an indeterminate outcome is a fail: it changed nothing). */
export interface OpProtocol {
  exchange(op: OpSpec): Exchange;
  isRead(op: OpSpec): boolean;
}

const isPlainRead = (op: OpSpec): boolean => op.f === 'read';

/** register and kv: read GET, write PUT, cas POST, of one key. */
export const kvProtocol: OpProtocol = {
  isRead: isPlainRead,
  *exchange(op) {
    if (op.key === undefined) throw new Error(`kv client: op ${op.f} without a key`);
    const path = `/kv/${encodeURIComponent(op.key)}`;
    switch (op.f) {
      case 'read': {
        const out = yield { method: 'GET', path };
        if (out.kind !== 'ok') return notOk(out);
        if (!out.body || !('value' in out.body)) return { type: 'fail', error: 'malformed-read-response' };
        return { type: 'ok', value: out.body.value };
      }
      case 'write': {
        const out = yield { method: 'PUT', path, body: { value: op.value } };
        return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
      }
      case 'cas': {
        const [from, to] = op.value as [number, number];
        const out = yield { method: 'POST', path: `${path}/cas`, body: { from, to } };
        return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
      }
      default:
        throw new Error(`kv client: unknown op ${op.f}`);
    }
  },
};

/** set: an add writes its own key; a read reads set-0..set-<attempted()-1> in txns of at most MAX_TXN_OPS reads. */
export function setProtocol(attempted: () => number): OpProtocol {
  return {
    isRead: isPlainRead,
    *exchange(op) {
      if (op.f === 'add') {
        const n = op.value as number;
        const out = yield { method: 'PUT', path: `/kv/${setKeyOf(n)}`, body: { value: n } };
        return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
      }
      if (op.f === 'read') {
        const n = attempted();
        if (n === 0) return { type: 'ok', value: [] };
        const present: number[] = [];
        for (let lo = 0; lo < n; lo += MAX_TXN_OPS) {
          const ops = Array.from({ length: Math.min(MAX_TXN_OPS, n - lo) }, (_, i) => ['r', setKeyOf(lo + i), null]);
          const out = yield { method: 'POST', path: '/txn', body: { ops } };
          if (out.kind !== 'ok') return notOk(out);
          const got = out.body?.ops as Array<[string, string, unknown]> | undefined;
          if (!Array.isArray(got) || got.length !== ops.length) return { type: 'fail', error: 'malformed-txn-response' };
          for (const [, , v] of got) if (v !== null && v !== undefined) present.push(v as number);
        }
        return { type: 'ok', value: present.sort((a, b) => a - b) };
      }
      throw new Error(`set client: unknown op ${op.f}`);
    },
  };
}

/** bank: a read is one txn of reads; a transfer reads both balances, then sends one check-and-write txn (workloads/bank.ts). */
export const bankProtocol: OpProtocol = {
  isRead: isPlainRead,
  *exchange(op) {
    if (op.f === 'read') {
      const out = yield { method: 'POST', path: '/txn', body: { ops: ACCOUNTS.map((a) => ['r', a, null]) } };
      if (out.kind !== 'ok') return notOk(out);
      const balances = balancesOf(out.body);
      return balances ? { type: 'ok', value: balances } : { type: 'fail', error: 'malformed-txn-response' };
    }
    if (op.f === 'transfer') {
      const { from, to, amount } = op.value as { from: string; to: string; amount: number };
      const seen = yield { method: 'POST', path: '/txn', body: { ops: [['r', from, null], ['r', to, null]] } };
      // The first txn only reads: whatever happened to it, nothing changed. A definite fail.
      if (seen.kind !== 'ok') return { type: 'fail', error: `read-before-transfer: ${seen.error}` };
      const balances = balancesOf(seen.body);
      if (!balances || typeof balances[from] !== 'number' || typeof balances[to] !== 'number') {
        return { type: 'fail', error: 'accounts-not-open' };
      }
      const a = balances[from];
      const b = balances[to];
      if (a < amount) return { type: 'fail', error: 'insufficient-funds' };
      const out = yield {
        method: 'POST',
        path: '/txn',
        body: { ops: [['c', from, a], ['c', to, b], ['w', from, a - amount], ['w', to, b + amount]] },
      };
      return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
    }
    throw new Error(`bank client: unknown op ${op.f}`);
  },
};

/** The bank's setup txn: every account still absent, then each written with its opening balance. */
export const OPEN_ACCOUNTS: ApiRequest = { method: 'POST', path: '/txn', body: { ops: [...ACCOUNTS.map((a) => ['c', a, null]), ...ACCOUNTS.map((a) => ['w', a, BANK.opening])] } };
/** How long the bank's setup waits before sending OPEN_ACCOUNTS again. */
export const OPEN_RETRY_MS = 200;

/** Whether OPEN_ACCOUNTS's outcome means the accounts are open. */
export function accountsOpen(out: HttpOutcome): boolean {
  // Aborted = some account already holds money: an earlier attempt of ours applied (atomically).
  return out.kind === 'ok' || (out.kind === 'fail' && out.error === 'txn-aborted');
}

function balancesOf(body: any): Record<string, number | null> | null {
  const ops = body?.ops as TxnOp[] | undefined;
  if (!Array.isArray(ops)) return null;
  const out: Record<string, number | null> = {};
  for (const [kind, key, value] of ops) if (kind === 'r') out[key] = value as number | null;
  return out;
}

/** The store key of the transactional workloads' micro-op key `k` (apart from every other workload's keys). */
export const txnKeyOf = (k: number): string => `elle-${k}`;

/** The one `/txn` body, hence the one Paxos command, that runs a txn op's micro-ops. */
export function txnCommandOf(mops: readonly MicroOp[]): { op: 'txn'; ops: TxnOp[] } {
  return { op: 'txn', ops: mops.map(([f, k, v]): TxnOp => [f, txnKeyOf(k), f === 'r' ? null : v]) };
}

/**
 * append and wr: each txn op is ONE `/txn` (the store applies it atomically in one log slot), so
 * ok carries the micro-ops with the reads filled in (append: the list, [] when absent; wr: the
 * value or null). fail only when certainly not applied (409, 400, a definite 503, a refused
 * connection: notOk); info when unknown. A txn of reads only is a read.
 */
export function txnProtocol(kind: 'append' | 'wr'): OpProtocol {
  return {
    isRead: (op) => microOps(op).every(([f]) => f === 'r'),
    *exchange(op) {
      const mops = microOps(op);
      const out = yield { method: 'POST', path: '/txn', body: { ops: txnCommandOf(mops).ops } };
      if (out.kind !== 'ok') return notOk(out);
      const completed = completedTxn(kind, mops, out.body?.ops);
      // A 2xx we cannot read: the txn was applied, what it read is unknown.
      return completed ? { type: 'ok', value: completed } : { type: 'info', error: 'malformed-txn-response' };
    },
  };
}

/** The micro-ops with the store's answers for the reads, or null if the answer does not match them. */
function completedTxn(kind: 'append' | 'wr', mops: readonly MicroOp[], got: unknown): MicroOp[] | null {
  if (!Array.isArray(got) || got.length !== mops.length) return null;
  const out: MicroOp[] = [];
  for (const [i, [f, k, v]] of mops.entries()) {
    const answer = got[i] as unknown;
    if (!Array.isArray(answer) || answer[0] !== f || answer[1] !== txnKeyOf(k)) return null;
    if (f !== 'r') out.push([f, k, v]);
    else if (kind === 'wr') out.push([f, k, answer[2] ?? null]);
    else if (answer[2] === null || Array.isArray(answer[2])) out.push([f, k, answer[2] ?? []]);
    else return null;
  }
  return out;
}
