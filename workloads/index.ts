/**
 * The workloads by name, each with the checkers that judge it. Every workload gets agreement
 * (the nodes' decided logs), stats (every kind of op succeeded sometimes) and perf (latency and
 * throughput data for the report); then the workload's own safety checker:
 *   register: linearizable, kv model (one register at a time, each checked on its own)
 *   kv:       linearizable, kv model (a cas-register per key, checked per key)
 *   set:      set (lost / unexpected elements against the final read)
 *   bank:     bank (every read sees the constant total, no negative balance)
 * set and bank are not run through the linearizability search: its set/bank models keep the
 * whole state per search node and are meant for small histories; a 60 s run has thousands of
 * adds, and the invariant checkers judge those histories completely and quickly.
 */
import { agreementChecker, kvCommandOf } from '../checkers/agreement.js';
import { bankChecker } from '../checkers/bank.js';
import type { Checker } from '../checkers/checker.js';
import { linearizable } from '../checkers/linearizable/index.js';
import { perfChecker } from '../checkers/perf.js';
import { setChecker } from '../checkers/set.js';
import { statsChecker } from '../checkers/stats.js';
import type { Op } from '../harness/history.js';
import type { WorkloadName } from '../harness/options.js';
import { ACCOUNTS, bankWorkload, TOTAL } from './bank.js';
import { kvWorkloadOf, registerWorkload } from './kv.js';
import { setKeyOf, setWorkload } from './set.js';
import type { Workload, WorkloadOptions } from './workload.js';

const common = (commandOf?: (op: Op) => unknown[] | null | undefined): Checker[] => [agreementChecker(commandOf ? { commandOf } : {}), statsChecker(), perfChecker()];

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

export function createWorkload(name: WorkloadName, opts: WorkloadOptions): Workload {
  switch (name) {
    case 'register':
      return registerWorkload(opts, () => [linearizable({ model: 'kv' }), ...common(kvCommandOf)]);
    case 'kv':
      return kvWorkloadOf(opts, () => [linearizable({ model: 'kv' }), ...common(kvCommandOf)]);
    case 'set':
      return setWorkload(opts, () => [setChecker(), ...common(setCommandOf)]);
    case 'bank':
      return bankWorkload(opts, () => [bankChecker({ total: TOTAL, accounts: ACCOUNTS }), ...common(bankCommandOf)]);
  }
}
