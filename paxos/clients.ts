/**
 * The Paxos store's clients for the built-in workloads: each maps a workload's ops (see the op
 * shapes in workloads/kv.ts, set.ts, bank.ts, txn.ts) onto the store's HTTP API (paxos/http.ts)
 * and what came back onto ok / fail / info (http-client.ts).
 */
import type { BankClient as BankClientContract, Completion, MicroOp, Op } from '../index.js';
import { ACCOUNTS, BANK, microOps, setKeyOf, sleep } from '../index.js';
import { HttpClient, notOk, type NodeHttp } from './http-client.js';
import { MAX_TXN_OPS } from './http.js';

const keyOf = setKeyOf;
type TxnOp = [string, string, unknown];

export class KvClient extends HttpClient {
  protected isRead(op: Op): boolean {
    return op.f === 'read';
  }

  protected async run(op: Op, http: NodeHttp): Promise<Completion> {
    if (op.key === undefined) throw new Error(`kv client: op ${op.f} without a key`);
    const path = `/kv/${encodeURIComponent(op.key)}`;
    switch (op.f) {
      case 'read': {
        const out = await http.call('GET', path);
        if (out.kind !== 'ok') return notOk(out);
        if (!out.body || !('value' in out.body)) return { type: 'fail', error: 'malformed-read-response' };
        return { type: 'ok', value: out.body.value };
      }
      case 'write': {
        const out = await http.call('PUT', path, { value: op.value });
        return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
      }
      case 'cas': {
        const [from, to] = op.value as [number, number];
        const out = await http.call('POST', `${path}/cas`, { from, to });
        return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
      }
      default:
        throw new Error(`kv client: unknown op ${op.f}`);
    }
  }
}

export class SetClient extends HttpClient {
  /** `attempted()` = how many elements were handed out so far (shared by all threads). */
  constructor(
    timeoutMs: number,
    private readonly attempted: () => number,
  ) {
    super(timeoutMs);
  }

  protected isRead(op: Op): boolean {
    return op.f === 'read';
  }

  protected async run(op: Op, http: NodeHttp): Promise<Completion> {
    if (op.f === 'add') {
      const n = op.value as number;
      const out = await http.call('PUT', `/kv/${keyOf(n)}`, { value: n });
      return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
    }
    if (op.f === 'read') {
      const n = this.attempted();
      if (n === 0) return { type: 'ok', value: [] };
      const present: number[] = [];
      for (let lo = 0; lo < n; lo += MAX_TXN_OPS) {
        const ops = Array.from({ length: Math.min(MAX_TXN_OPS, n - lo) }, (_, i) => ['r', keyOf(lo + i), null]);
        const out = await http.call('POST', '/txn', { ops });
        if (out.kind !== 'ok') return notOk(out);
        const got = out.body?.ops as Array<[string, string, unknown]> | undefined;
        if (!Array.isArray(got) || got.length !== ops.length) return { type: 'fail', error: 'malformed-txn-response' };
        for (const [, , v] of got) if (v !== null && v !== undefined) present.push(v as number);
      }
      return { type: 'ok', value: present.sort((a, b) => a - b) };
    }
    throw new Error(`set client: unknown op ${op.f}`);
  }
}

export class BankClient extends HttpClient implements BankClientContract {
  protected isRead(op: Op): boolean {
    return op.f === 'read';
  }

  protected async run(op: Op, http: NodeHttp): Promise<Completion> {
    if (op.f === 'read') {
      const out = await http.call('POST', '/txn', { ops: ACCOUNTS.map((a) => ['r', a, null]) });
      if (out.kind !== 'ok') return notOk(out);
      const balances = balancesOf(out.body);
      return balances ? { type: 'ok', value: balances } : { type: 'fail', error: 'malformed-txn-response' };
    }
    if (op.f === 'transfer') {
      const { from, to, amount } = op.value as { from: string; to: string; amount: number };
      const seen = await http.call('POST', '/txn', { ops: [['r', from, null], ['r', to, null]] });
      // The first txn only reads: whatever happened to it, nothing changed. A definite fail.
      if (seen.kind !== 'ok') return { type: 'fail', error: `read-before-transfer: ${seen.error}` };
      const balances = balancesOf(seen.body);
      if (!balances || typeof balances[from] !== 'number' || typeof balances[to] !== 'number') {
        return { type: 'fail', error: 'accounts-not-open' };
      }
      const a = balances[from];
      const b = balances[to];
      if (a < amount) return { type: 'fail', error: 'insufficient-funds' };
      const out = await http.call('POST', '/txn', {
        ops: [['c', from, a], ['c', to, b], ['w', from, a - amount], ['w', to, b + amount]],
      });
      return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
    }
    throw new Error(`bank client: unknown op ${op.f}`);
  }

  /** Opens every account once; retried until it applies, the accounts exist, or `signal` aborts. */
  async openAccounts(signal: AbortSignal): Promise<void> {
    if (!this.http) throw new Error('bank setup: client not open');
    const ops = [...ACCOUNTS.map((a) => ['c', a, null]), ...ACCOUNTS.map((a) => ['w', a, BANK.opening])];
    let last = '';
    while (!signal.aborted) {
      const out = await this.http.call('POST', '/txn', { ops });
      if (out.kind === 'ok') return;
      // Aborted = some account already holds money: an earlier attempt of ours applied (atomically).
      if (out.kind === 'fail' && out.error === 'txn-aborted') return;
      last = out.error;
      await sleep(200, signal);
    }
    throw new Error(`bank setup: could not open the accounts (${last || 'aborted'})`);
  }
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
 * connection: notOk); info when unknown. A txn of reads only that ends indeterminate is a fail
 * (HttpClient: it changed nothing).
 */
export class TxnClient extends HttpClient {
  constructor(
    timeoutMs: number,
    private readonly kind: 'append' | 'wr',
  ) {
    super(timeoutMs);
  }

  protected isRead(op: Op): boolean {
    return microOps(op).every(([f]) => f === 'r');
  }

  protected async run(op: Op, http: NodeHttp): Promise<Completion> {
    const mops = microOps(op);
    const out = await http.call('POST', '/txn', { ops: txnCommandOf(mops).ops });
    if (out.kind !== 'ok') return notOk(out);
    const completed = this.completed(mops, out.body?.ops);
    // A 2xx we cannot read: the txn was applied, what it read is unknown.
    return completed ? { type: 'ok', value: completed } : { type: 'info', error: 'malformed-txn-response' };
  }

  /** The micro-ops with the store's answers for the reads, or null if the answer does not match them. */
  private completed(mops: readonly MicroOp[], got: unknown): MicroOp[] | null {
    if (!Array.isArray(got) || got.length !== mops.length) return null;
    const out: MicroOp[] = [];
    for (const [i, [f, k, v]] of mops.entries()) {
      const answer = got[i] as unknown;
      if (!Array.isArray(answer) || answer[0] !== f || answer[1] !== txnKeyOf(k)) return null;
      if (f !== 'r') out.push([f, k, v]);
      else if (this.kind === 'wr') out.push([f, k, answer[2] ?? null]);
      else if (answer[2] === null || Array.isArray(answer[2])) out.push([f, k, answer[2] ?? []]);
      else return null;
    }
    return out;
  }
}

function balancesOf(body: any): Record<string, number | null> | null {
  const ops = body?.ops as TxnOp[] | undefined;
  if (!Array.isArray(ops)) return null;
  const out: Record<string, number | null> = {};
  for (const [kind, key, value] of ops) if (kind === 'r') out[key] = value as number | null;
  return out;
}

