/**
 * The bank checker (Jepsen's `bank`): clients transfer money between accounts (f 'transfer',
 * value {from, to, amount}) and read every balance (f 'read', ok value {account: balance}).
 * Money is neither made nor lost, so every ok read must see the constant `total`; no balance
 * may be negative unless `negativeAllowed`; with `accounts`, a read must show exactly those
 * accounts, each with a number (a null balance means the account vanished).
 * Reports the first bad reads (by history order) and counts of each kind of fault.
 * No ok read at all is 'unknown': there is nothing to judge.
 * Integer balances are summed exactly (as bigints beyond 2^53: ground/exact-json.ts).
 */
import { pairOps, type History } from '../ground/history.js';
import type { CheckResult, Checker } from '../ground/checker.js';

/** What the bank checker holds every read to. */
export interface BankOptions {
  /** The sum of all balances, fixed at setup. */
  total: number | bigint;
  /** The accounts every read must show (any order); unchecked when absent. */
  accounts?: string[];
  negativeAllowed?: boolean;
  /** How many bad reads to list in full (default 10; counts are always exact). */
  maxListed?: number;
}

export type BadReadKind = 'wrong-total' | 'negative' | 'nil-balance' | 'missing-account' | 'unexpected-account' | 'malformed';

export interface BadRead {
  index: number;
  kinds: BadReadKind[];
  total: number | bigint | null;
  balances: unknown;
}

/** Jepsen's bank checker: every read sees the constant total and (unless allowed) no negative balance. */
export function bankChecker(opts: BankOptions): Checker {
  if (typeof opts.total === 'number' && !Number.isFinite(opts.total)) throw new Error(`bank checker: total must be a finite number, got ${String(opts.total)}`);
  if (opts.accounts && new Set(opts.accounts).size !== opts.accounts.length) throw new Error('bank checker: accounts must be distinct');
  return { name: 'bank', check: (history) => checkBank(history, opts) };
}

export function checkBank(history: History, opts: BankOptions): CheckResult {
  const maxListed = opts.maxListed ?? 10;
  const kindCounts: Partial<Record<BadReadKind, number>> = {};
  const firstBad: BadRead[] = [];
  let reads = 0;
  let badReads = 0;
  const transfers = { ok: 0, fail: 0, indeterminate: 0 };
  for (const { invoke, complete } of pairOps(history)) {
    if (invoke.f === 'transfer') {
      if (complete?.type === 'ok') transfers.ok++;
      else if (complete?.type === 'fail') transfers.fail++;
      else transfers.indeterminate++;
    }
    if (invoke.f !== 'read' || complete?.type !== 'ok') continue;
    reads++;
    const bad = judgeRead(complete.value, opts);
    if (bad.kinds.length === 0) continue;
    badReads++;
    for (const k of bad.kinds) kindCounts[k] = (kindCounts[k] ?? 0) + 1;
    if (firstBad.length < maxListed) firstBad.push({ index: complete.index, ...bad });
  }
  if (reads === 0) return { valid: 'unknown', error: 'no ok read of the balances: nothing to judge', transfers };
  return { valid: badReads === 0, reads, badReads, kinds: kindCounts, transfers, firstBadReads: firstBad, expectedTotal: opts.total };
}

function judgeRead(value: unknown, opts: BankOptions): Omit<BadRead, 'index'> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { kinds: ['malformed'], total: null, balances: value };
  const balances = value as Record<string, unknown>;
  const kinds = new Set<BadReadKind>();
  let total: number | bigint | undefined = 0;
  for (const balance of Object.values(balances)) {
    if (balance === null || balance === undefined) kinds.add('nil-balance');
    else if (typeof balance !== 'bigint' && (typeof balance !== 'number' || !Number.isFinite(balance))) kinds.add('malformed');
    else {
      total = total === undefined ? undefined : exactSum(total, balance);
      if (total === undefined) kinds.add('malformed');
      if (balance < 0 && !opts.negativeAllowed) kinds.add('negative');
    }
  }
  if (opts.accounts) {
    if (opts.accounts.some((a) => !(a in balances))) kinds.add('missing-account');
    if (Object.keys(balances).some((a) => !opts.accounts!.includes(a))) kinds.add('unexpected-account');
  }
  if (total === undefined) return { kinds: [...kinds], total: null, balances };
  if (!sameNumber(total, opts.total)) kinds.add('wrong-total');
  return { kinds: [...kinds], total, balances };
}

/** a + b without rounding: integers beyond 2^53 as bigints; undefined when a fraction meets a
 *  bigint (no exact sum: the read is malformed). Fractions alone add as doubles, as always. */
function exactSum(a: number | bigint, b: number | bigint): number | bigint | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum) || !Number.isInteger(a) || !Number.isInteger(b)) return sum;
  }
  if ((typeof a === 'number' && !Number.isInteger(a)) || (typeof b === 'number' && !Number.isInteger(b))) return undefined;
  return BigInt(a) + BigInt(b);
}

/** Exact equality however represented: `==` compares a bigint and a number by value (2n == 2). */
// eslint-disable-next-line eqeqeq
const sameNumber = (a: number | bigint, b: number | bigint): boolean => a == b;
