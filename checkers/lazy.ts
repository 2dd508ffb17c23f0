/**
 * The checkers of the public entry (index.ts), each loading its module only when it first
 * judges a history: a test module (and the built-in suites) builds its checkers before the run,
 * and the checker modules (the linearizability search, its models, lossless-json) cost a few
 * hundred ms of start-up that the user would wait for before the first op.
 */
import type { CheckContext, Checker, CheckResult } from '../ground/checker.js';
import type { History } from '../ground/history.js';
import type { AgreementOptions } from './agreement.js';
import type { BankOptions } from './bank.js';
import type { LinearizableOptions } from './linearizable/checker.js';
import type { PerfOptions } from './perf.js';
import type { ConsistencyModel, ElleWorkload } from './elle/index.js';

/** A checker named `name` whose real one is built by `load` on its first check. */
function lazy(name: string, load: () => Promise<Checker>): Checker {
  let real: Promise<Checker> | undefined;
  return { name, check: async (history: History, ctx: CheckContext): Promise<CheckResult> => (await (real ??= load())).check(history, ctx) };
}

/** The history is linearizable under a model (`model`: register, cas-register, kv, etcd, porcupine-kv, set, bank), checked per key where the model allows. */
export function linearizable(opts: LinearizableOptions): Checker {
  return lazy('linearizable', async () => (await import('./linearizable/checker.js')).linearizable(opts));
}

/** Replicas agree: every decided slot has one value on every node, each is a command some client proposed, and acknowledged writes are decided; plus the applied states (Db.stateDigests) against a replay. */
export function agreementChecker(opts: AgreementOptions = {}): Checker {
  return lazy('agreement', async () => (await import('./agreement.js')).agreementChecker(opts));
}

/** Jepsen's set checker: no acknowledged add is missing from the final read, nothing unexpected is in it. */
export function setChecker(): Checker {
  return lazy('set', async () => (await import('./set.js')).setChecker());
}

/** Jepsen's bank checker: every read sees the constant total and (unless allowed) no negative balance. */
export function bankChecker(opts: BankOptions): Checker {
  return lazy('bank', async () => (await import('./bank.js')).bankChecker(opts));
}

/** After recovery every node read the same value of every key (a disagreement names key and node -> value). */
export function finalReadsChecker(): Checker {
  return lazy('final-reads', async () => (await import('./finalreads.js')).finalReadsChecker());
}

/** Every kind of op succeeded at least once (a run where writes never worked proves little). */
export function statsChecker(): Checker {
  return lazy('stats', async () => (await import('./stats.js')).statsChecker());
}

/**
 * Elle-style transactional checker (`elle-append` for list-append, `elle-wr` for rw-register
 * txns, ops `f: 'txn'`): cycles of ww/wr/rw (and rt/process) dependencies and direct anomalies,
 * invalid when one is forbidden by `models` (default strict-serializable). README: "The
 * transactional checker".
 */
export function elleChecker(workload: ElleWorkload, models?: readonly ConsistencyModel[]): Checker {
  return lazy(workload === 'list-append' ? 'elle-append' : 'elle-wr', async () => (await import('./elle/index.js')).elleChecker(workload, models));
}

/** Latency and throughput data for the report; always valid. */
export function perfChecker(opts: PerfOptions = {}): Checker {
  return lazy('perf', async () => (await import('./perf.js')).perfChecker(opts));
}

/** The names of the linearizability models `linearizable({ model })` accepts. */
export async function linearizableModels(): Promise<readonly string[]> {
  return (await import('./linearizable/models/index.js')).modelNames;
}
