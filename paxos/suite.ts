/**
 * The Paxos store as a jepsen-ts test, written against the public API only (../index.ts): its
 * Db (db.ts), its HTTP clients for the built-in workloads (clients.ts), the agreement of the
 * replicas' decided logs and applied states (the store exposes both), and its planted bugs.
 * `jepsen-ts test` runs it by default (`--db paxos`).
 */
import type { Checker, Op, TestDefinition } from '../index.js';
import { ACCOUNTS, agreementChecker, builtinWorkloads, setKeyOf } from '../index.js';
import { PLANTED_BUGS } from './bugs.js';
import { BankClient, KvClient, SetClient } from './clients.js';
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

/** The agreement checker of a workload, with how its ops map to the store's commands. */
function agreement(workload: string): Checker[] {
  const commandOf = workload === 'set' ? setCommandOf : workload === 'bank' ? bankCommandOf : undefined;
  return [agreementChecker(commandOf ? { commandOf } : {})];
}

export const paxosTest: TestDefinition = {
  name: 'paxos',
  db: paxosDb,
  workloads: builtinWorkloads({
    kv: (opts) => new KvClient(opts.opTimeoutMs),
    set: (opts, attempted) => new SetClient(opts.opTimeoutMs, attempted),
    bank: (opts) => new BankClient(opts.opTimeoutMs),
  }),
  checkers: agreement,
  bugs: PLANTED_BUGS,
};

export default paxosTest;
