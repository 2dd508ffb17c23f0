/**
 * The Paxos store as a jepsen-ts test, written against the public API only (../index.ts): its
 * Db (db.ts), its HTTP clients for the built-in workloads (clients.ts; append and wr run each
 * txn as one `/txn`), the agreement of the replicas' decided logs and applied states (the store
 * exposes both), and its planted bugs.
 * `jepsen-ts test` runs it by default (`--db paxos`).
 */
import type { Checker, Op, TestDefinition } from '../index.js';
import { ACCOUNTS, agreementChecker, builtinWorkloads, microOps, setKeyOf } from '../index.js';
import { PLANTED_BUGS } from './bugs.js';
import { BankClient, KvClient, SetClient, TxnClient } from './clients.js';
import { txnCommandOf } from './exchanges.js';
import { paxosDb } from './db.js';

/**
 * The Paxos commands a set op may have proposed. A read's txns are built at run time (they
 * depend on how many elements were handed out) but only read: null, so the agreement checker
 * excuses unmatched read-only commands and still judges every decided write strictly.
 */
export function setCommandOf(op: Op): unknown[] | null | undefined {
  if (op.f === 'add') return [{ op: 'write', key: setKeyOf(op.value as number), value: op.value }];
  if (op.f === 'read') return null;
  return undefined;
}

/** The Paxos commands a bank op may have proposed (transfers depend on what they read: unknown). */
function bankCommandOf(op: Op): unknown[] | undefined {
  return op.f === 'read' ? [{ op: 'txn', ops: ACCOUNTS.map((a) => ['r', a, null]) }] : undefined;
}

/** The Paxos command of an append or wr txn op: exactly the one `/txn` its client sends. */
export function txnOpCommandOf(op: Op): unknown[] | undefined {
  return op.f === 'txn' ? [txnCommandOf(microOps(op))] : undefined;
}

const COMMAND_OF: Partial<Record<string, (op: Op) => unknown[] | null | undefined>> = { set: setCommandOf, bank: bankCommandOf, append: txnOpCommandOf, wr: txnOpCommandOf };

/** The agreement checker of a workload, with how its ops map to the store's commands. */
function agreement(workload: string): Checker[] {
  const commandOf = COMMAND_OF[workload];
  return [agreementChecker(commandOf ? { commandOf } : {})];
}

export const paxosTest: TestDefinition = {
  name: 'paxos',
  db: paxosDb,
  workloads: builtinWorkloads({
    kv: (opts) => new KvClient(opts.opTimeoutMs),
    set: (opts, attempted) => new SetClient(opts.opTimeoutMs, attempted),
    bank: (opts) => new BankClient(opts.opTimeoutMs),
    append: (opts) => new TxnClient(opts.opTimeoutMs, 'append'),
    wr: (opts) => new TxnClient(opts.opTimeoutMs, 'wr'),
  }),
  checkers: agreement,
  bugs: PLANTED_BUGS,
};

export default paxosTest;
