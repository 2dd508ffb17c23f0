/**
 * The built-in workloads, for any system that gives them a client: each with the checkers that
 * judge it. Every workload gets final-reads (every node reads the same value of every key
 * touched, after recovery), stats (every kind of op succeeded sometimes) and perf (latency and
 * throughput data for the report); then the workload's own safety checker (a suite adds its
 * own, e.g. the agreement of decided logs, through TestDefinition.checkers):
 *   register: linearizable, kv model (one register per group of threads at a time, each checked
 *             on its own)
 *   kv:       linearizable, kv model (a cas-register per key, checked per key)
 *   set:      set (lost / unexpected elements against the final read)
 *   bank:     bank (every read sees the constant total, no negative balance)
 *   append:   elle-append (the Elle-style checker on list-append txns, strict-serializable)
 *   wr:       elle-wr (the same on read-write register txns, strict-serializable)
 * set and bank are not run through the linearizability search: its set/bank models keep the
 * whole state per search node and are meant for small histories; a 60 s run has thousands of
 * adds, and the invariant checkers judge those histories completely and quickly.
 * The checker modules are imported when a history is to be judged, not before a run's first op.
 */
import type { Checker } from '../ground/checker.js';
import type { Client } from '../ground/client.js';
import type { WorkloadFactory } from '../ground/test.js';
import type { WorkloadOptions } from '../ground/workload.js';
import { ACCOUNTS, bankWorkload, TOTAL, type BankClient } from './bank.js';
import { kvWorkloadOf, registerWorkload } from './kv.js';
import { setWorkload } from './set.js';
import { appendWorkload, wrWorkload } from './txn.js';

/** The names of the built-in workloads. */
export const WORKLOADS = ['register', 'kv', 'set', 'bank', 'append', 'wr'] as const;
/** The name of a built-in workload. */
export type WorkloadName = (typeof WORKLOADS)[number];

/** Every checker module a workload uses, loaded on first call (once). */
type CheckerModules = typeof import('../checkers/bank.js') & typeof import('../checkers/elle/index.js') & typeof import('../checkers/finalreads.js') & typeof import('../checkers/linearizable/index.js') & typeof import('../checkers/perf.js') & typeof import('../checkers/set.js') & typeof import('../checkers/stats.js');
let checkerModules: Promise<CheckerModules> | undefined;
function loadCheckers(): Promise<CheckerModules> {
  checkerModules ??= Promise.all([
    import('../checkers/bank.js'),
    import('../checkers/elle/index.js'),
    import('../checkers/finalreads.js'),
    import('../checkers/linearizable/index.js'),
    import('../checkers/perf.js'),
    import('../checkers/set.js'),
    import('../checkers/stats.js'),
  ]).then((mods) => Object.assign({}, ...mods) as CheckerModules);
  return checkerModules;
}

const common = (m: CheckerModules): Checker[] => [m.finalReadsChecker(), m.statsChecker(), m.perfChecker()];

/**
 * A system's clients for the built-in workloads (each made once per client thread, with the
 * run's options): `kv` serves register and kv (ops read / write / cas of one key), `set` (add,
 * read of set-0..set-<attempted-1>), `bank` (transfer, read; opens the accounts), `append` and
 * `wr` (txns of micro-ops). See the op shapes in workloads/kv.ts, set.ts, bank.ts and txn.ts. A workload whose client is missing is not offered.
 */
export interface BuiltinClients {
  /** The client of register and kv (read / write / cas of one key). */
  kv?: (opts: WorkloadOptions) => Client;
  /** The client of set (add; read of set-0..set-<attempted-1>). */
  set?: (opts: WorkloadOptions, attempted: () => number) => Client;
  /** The client of bank (transfer, read; opens the accounts). */
  bank?: (opts: WorkloadOptions) => BankClient;
  /** The client of append: `txn` ops of `["append", k, v]` / `["r", k, null]` micro-ops (workloads/txn.ts). */
  append?: (opts: WorkloadOptions) => Client;
  /** The client of wr: `txn` ops of `["w", k, v]` / `["r", k, null]` micro-ops (workloads/txn.ts). */
  wr?: (opts: WorkloadOptions) => Client;
}

/** The built-in workloads a system with `clients` can run, by name (a TestDefinition's `workloads`). */
export function builtinWorkloads(clients: BuiltinClients): Partial<Record<WorkloadName, WorkloadFactory>> {
  const out: Partial<Record<WorkloadName, WorkloadFactory>> = {};
  const kvClient = clients.kv;
  if (kvClient) {
    const checkers = (opts: WorkloadOptions) => async (): Promise<Checker[]> => {
      const m = await loadCheckers();
      return [m.linearizable({ model: 'kv', ...(opts.checkerMemoryMb !== undefined ? { memoryLimitMb: opts.checkerMemoryMb } : {}) }), ...common(m)];
    };
    out.register = (opts) => registerWorkload(opts, { client: () => kvClient(opts), checkers: checkers(opts) });
    out.kv = (opts) => kvWorkloadOf(opts, { client: () => kvClient(opts), checkers: checkers(opts) });
  }
  const setClient = clients.set;
  if (setClient) {
    out.set = (opts) =>
      setWorkload(opts, {
        client: (attempted) => setClient(opts, attempted),
        checkers: async () => {
          const m = await loadCheckers();
          return [m.setChecker(), ...common(m)];
        },
      });
  }
  const bankClient = clients.bank;
  if (bankClient) {
    out.bank = (opts) =>
      bankWorkload(opts, {
        client: () => bankClient(opts),
        checkers: async () => {
          const m = await loadCheckers();
          return [m.bankChecker({ total: TOTAL, accounts: ACCOUNTS }), ...common(m)];
        },
      });
  }
  const appendClient = clients.append;
  if (appendClient) {
    out.append = (opts) =>
      appendWorkload(opts, {
        client: () => appendClient(opts),
        checkers: async () => {
          const m = await loadCheckers();
          return [m.elleChecker('list-append', TXN_MODELS), ...common(m)];
        },
      });
  }
  const wrClient = clients.wr;
  if (wrClient) {
    out.wr = (opts) =>
      wrWorkload(opts, {
        client: () => wrClient(opts),
        checkers: async () => {
          const m = await loadCheckers();
          return [m.elleChecker('rw-register', TXN_MODELS), ...common(m)];
        },
      });
  }
  return out;
}

/** What the transactional workloads are judged against: what a store of txns through one consensus log (etcd) promises. */
const TXN_MODELS = ['strict-serializable'] as const;
