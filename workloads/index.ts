/**
 * The workloads by name, each with the checkers that judge it. Every workload gets agreement
 * (the nodes' decided logs and applied states), final-reads (every node reads the same value of
 * every key touched, after recovery), stats (every kind of op succeeded sometimes) and perf
 * (latency and throughput data for the report); then the workload's own safety checker:
 *   register: linearizable, kv model (one register per group of threads at a time, each checked
 *             on its own)
 *   kv:       linearizable, kv model (a cas-register per key, checked per key)
 *   set:      set (lost / unexpected elements against the final read)
 *   bank:     bank (every read sees the constant total, no negative balance)
 * set and bank are not run through the linearizability search: its set/bank models keep the
 * whole state per search node and are meant for small histories; a 60 s run has thousands of
 * adds, and the invariant checkers judge those histories completely and quickly.
 * The checker modules are imported when a history is to be judged, not before a run's first op.
 */
import type { Checker } from '../ground/checker.js';
import type { Op } from '../ground/history.js';
import type { WorkloadName } from '../harness/options.js';
import { ACCOUNTS, bankWorkload, TOTAL } from './bank.js';
import { kvWorkloadOf, registerWorkload } from './kv.js';
import { setKeyOf, setWorkload } from './set.js';
import type { Workload, WorkloadOptions } from '../ground/workload.js';

/** Every checker module a workload uses, loaded on first call (once). */
type CheckerModules = typeof import('../checkers/agreement.js') & typeof import('../checkers/bank.js') & typeof import('../checkers/finalreads.js') & typeof import('../checkers/linearizable/index.js') & typeof import('../checkers/perf.js') & typeof import('../checkers/set.js') & typeof import('../checkers/stats.js');
let checkerModules: Promise<CheckerModules> | undefined;
function loadCheckers(): Promise<CheckerModules> {
  checkerModules ??= Promise.all([
    import('../checkers/agreement.js'),
    import('../checkers/bank.js'),
    import('../checkers/finalreads.js'),
    import('../checkers/linearizable/index.js'),
    import('../checkers/perf.js'),
    import('../checkers/set.js'),
    import('../checkers/stats.js'),
  ]).then((mods) => Object.assign({}, ...mods) as CheckerModules);
  return checkerModules;
}

const common = (m: CheckerModules, commandOf?: (op: Op) => unknown[] | null | undefined): Checker[] => [m.agreementChecker(commandOf ? { commandOf } : {}), m.finalReadsChecker(), m.statsChecker(), m.perfChecker()];

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
    case 'kv': {
      const checkers = async (): Promise<Checker[]> => {
        const m = await loadCheckers();
        return [m.linearizable({ model: 'kv', ...(opts.checkerMemoryMb !== undefined ? { memoryLimitMb: opts.checkerMemoryMb } : {}) }), ...common(m, m.kvCommandOf)];
      };
      return name === 'register' ? registerWorkload(opts, checkers) : kvWorkloadOf(opts, checkers);
    }
    case 'set':
      return setWorkload(opts, async () => {
        const m = await loadCheckers();
        return [m.setChecker(), ...common(m, setCommandOf)];
      });
    case 'bank':
      return bankWorkload(opts, async () => {
        const m = await loadCheckers();
        return [m.bankChecker({ total: TOTAL, accounts: ACCOUNTS }), ...common(m, bankCommandOf)];
      });
  }
}
