/**
 * The bank workload: money moves between accounts; the total never changes.
 *
 * Accounts `acct-0..acct-<n-1>` open with equal balances (setup: one txn that checks every
 * account is still absent and writes it, so a retried setup cannot double the money).
 * A transfer is optimistic: read both balances (a txn of 'r' ops), then ONE txn
 *   [['c',a,balA], ['c',b,balB], ['w',a,balA-amt], ['w',b,balB+amt]]
 * which the node applies atomically or aborts whole (409 txn-aborted: a definite fail).
 * A transfer that would overdraw is not sent (fail, insufficient-funds). A read is a txn of 'r'
 * over every account. Op shapes: transfer value {from, to, amount}; read value null -> ok value
 * {account: balance}.
 */
import type { Client, Completion } from '../ground/client.js';
import type { Op } from '../ground/history.js';
import { sleep } from '../ground/time.js';
import { HttpClient, notOk, type NodeHttp } from './http.js';
import type { CheckersOf, Workload, WorkloadOptions } from '../ground/workload.js';

export const BANK = { accounts: 5, opening: 20, maxTransfer: 5 } as const;
export const ACCOUNTS = Array.from({ length: BANK.accounts }, (_, i) => `acct-${i}`);
export const TOTAL = BANK.accounts * BANK.opening;

type TxnOp = [string, string, unknown];

export class BankClient extends HttpClient {
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

function balancesOf(body: any): Record<string, number | null> | null {
  const ops = body?.ops as TxnOp[] | undefined;
  if (!Array.isArray(ops)) return null;
  const out: Record<string, number | null> = {};
  for (const [kind, key, value] of ops) if (kind === 'r') out[key] = value as number | null;
  return out;
}

export function bankWorkload(opts: WorkloadOptions, checkers: CheckersOf): Workload {
  return {
    name: 'bank',
    client: () => new BankClient(opts.opTimeoutMs),
    nextOp(rng) {
      if (rng.chance(0.4)) return { f: 'read', value: null };
      const [from, to] = rng.shuffle(ACCOUNTS);
      return { f: 'transfer', value: { from, to, amount: rng.int(1, BANK.maxTransfer) } };
    },
    recoveryOp: () => ({ f: 'read', value: null }),
    finalOps: () => [{ f: 'read', value: null }],
    setup: (client: Client, signal: AbortSignal) => (client as BankClient).openAccounts(signal),
    checkers,
  };
}
