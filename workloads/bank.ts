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
import type { Client } from '../ground/client.js';
import type { CheckersOf, Workload, WorkloadOptions } from '../ground/workload.js';

/** The bank workload's shape: accounts, each one's opening balance, the largest transfer. */
export const BANK = { accounts: 5, opening: 20, maxTransfer: 5 } as const;
/** The bank's account keys, acct-0..acct-4. */
export const ACCOUNTS = Array.from({ length: BANK.accounts }, (_, i) => `acct-${i}`);
/** The bank's constant total (every read must sum to it). */
export const TOTAL = BANK.accounts * BANK.opening;

/** A bank client: the workload's ops, plus opening the accounts before the main phase. */
export interface BankClient extends Client {
  /**
   * Opens ACCOUNTS with BANK.opening each, exactly once however often it is retried (e.g. one
   * txn that writes them only if all are absent); resolves once they exist, rejects when `signal`
   * aborts first.
   */
  openAccounts(signal: AbortSignal): Promise<void>;
}

/** What a suite gives the bank workload: its client and checkers. */
export interface BankParts {
  client: () => BankClient;
  checkers: CheckersOf;
}

export function bankWorkload(_opts: WorkloadOptions, { client, checkers }: BankParts): Workload {
  return {
    name: 'bank',
    client,
    nextOp(rng) {
      if (rng.chance(0.4)) return { f: 'read', value: null };
      const [from, to] = rng.shuffle(ACCOUNTS);
      return { f: 'transfer', value: { from, to, amount: rng.int(1, BANK.maxTransfer) } };
    },
    recoveryOp: () => ({ f: 'read', value: null }),
    finalOps: () => [{ f: 'read', value: null }],
    setup: (c: Client, signal: AbortSignal) => (c as BankClient).openAccounts(signal),
    checkers,
  };
}
