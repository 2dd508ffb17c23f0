/**
 * The bank model (our bank workload, small histories): accounts with integer balances, atomic
 * transfers, and reads of every account. The state is the whole balance table.
 *
 * Options: `balances` (required: {account: opening balance}), `allowNegative` (default false:
 * a transfer that would overdraw is illegal when it reports ok, and has no effect when crashed).
 * Our history ops: f=transfer (value: {from, to, amount}); f=read (ok value: {account: balance}
 * for every account). A crashed transfer takes effect iff it can; a crashed read accepts anything.
 */
import { stringifyExact } from '../../../ground/exact-json.js';
import { UsageError } from '../../../ground/runtime.js';
import type { Model } from '../types.js';
import type { ModelOptions, ModelSpec } from './spec.js';
import { describeValue, historyError } from './util.js';

export type BankInput = { f: 'transfer'; from: string; to: string; amount: number } | { f: 'read' };
export interface BankOutput {
  /** read: balances read. */
  balances?: Readonly<Record<string, number>>;
  unknown?: boolean;
}
/** Balances in the fixed account order of the options. */
export type BankState = readonly number[];

function createBankModel(options: ModelOptions = {}): Model<BankState, BankInput, BankOutput> {
  const opening = options.balances;
  if (opening === null || typeof opening !== 'object' || Array.isArray(opening)) {
    throw new UsageError('the bank model needs options.balances: {account: opening balance}');
  }
  const accounts = Object.keys(opening).sort();
  const initial = accounts.map((a) => (opening as Record<string, unknown>)[a]);
  if (accounts.length === 0 || !initial.every((b) => Number.isInteger(b))) throw new UsageError('bank options.balances must map at least one account to an integer');
  const allowNegative = options.allowNegative === true;
  const index = new Map(accounts.map((a, i) => [a, i]));
  const REJECT = [false, initial as BankState] as const;
  const show = (s: BankState) => `{${accounts.map((a, i) => `${a}: ${s[i]}`).join(', ')}}`;
  return {
    name: 'bank',
    init: () => initial as number[],
    step(state, input, output) {
      if (input.f === 'read') {
        if (output.unknown) return [true, state];
        const read = output.balances ?? {};
        const legal = Object.keys(read).length === accounts.length && accounts.every((a, i) => read[a] === state[i]);
        return legal ? [true, state] : REJECT;
      }
      const from = index.get(input.from);
      const to = index.get(input.to);
      if (from === undefined || to === undefined) return REJECT;
      if (!allowNegative && state[from] < input.amount) return output.unknown ? [true, state] : REJECT;
      const next = state.slice();
      next[from] -= input.amount;
      next[to] += input.amount;
      return [true, next];
    },
    hash: (s) => s.join(','),
    readOnly: (input) => input.f === 'read',
    describeOperation(input, output) {
      if (input.f === 'transfer') return `transfer(${input.from} -> ${input.to}, ${input.amount})${output.unknown ? ' -> ?' : ''}`;
      return `read() -> ${output.unknown ? '?' : stringifyExact(output.balances)}`;
    },
    describeState: show,
    sizeOf: (s) => 32 + 8 * s.length,
  };
}

export const bankModelSpec: ModelSpec<BankState, BankInput, BankOutput> = {
  name: 'bank',
  description:
    'Bank accounts with atomic transfers (small histories). Needs options.balances {account: opening balance}; options.allowNegative. Ops: f=transfer (value: {from, to, amount}), f=read (ok value: {account: balance} for all accounts).',
  create: createBankModel,
  fromHistory(invoke, completion) {
    if (invoke.f === 'transfer') {
      const v = invoke.value as { from?: unknown; to?: unknown; amount?: unknown } | undefined;
      if (!v || typeof v !== 'object' || !Number.isInteger(v.amount) || (typeof v.from !== 'string' && typeof v.from !== 'number') || (typeof v.to !== 'string' && typeof v.to !== 'number')) {
        throw historyError(invoke, `a transfer's value must be {from, to, amount}, got ${describeValue(v)}`);
      }
      return { input: { f: 'transfer', from: String(v.from), to: String(v.to), amount: v.amount as number }, output: { unknown: completion === undefined } };
    }
    if (invoke.f === 'read') {
      if (completion === undefined) return { input: { f: 'read' }, output: { unknown: true } };
      const v = completion.value;
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw historyError(completion, `a bank read must return {account: balance}, got ${describeValue(v)}`);
      return { input: { f: 'read' }, output: { balances: v as Record<string, number> } };
    }
    throw historyError(invoke, `f "${invoke.f}" is not an operation of the bank model (transfer, read)`);
  },
};
