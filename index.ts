/**
 * jepsen-ts, the public API: what a test is written in. A test is a plain value (TestDefinition:
 * a Db, workloads, optional checkers) run by `jepsen-ts test --test ./my-test.ts`; the built-in
 * suites (paxos/, the etcd suite) are written against this module only.
 */
export type { Checker, CheckContext, CheckResult, DecidedEntry, ReplicaState, StateReplay, Validity } from './ground/checker.js';
export type { Client, Completion } from './ground/client.js';
export type { Db, DockerImageFile, DockerImageSpec, NodeAddresses } from './ground/db.js';
export type { History, Op, OpType, Process } from './ground/history.js';
export type { Nemesis, NemesisContext, Schedule, ScheduleContext } from './ground/nemesis.js';
export type { Consumer, Cursor, Emit, GenEnv, GenOp, Generator, Outcome, SimulateOptions, TimedOp } from './ground/generator.js';
/** Jepsen's generator combinators (`gen.phases`, `gen.mix`, `gen.stagger`, ...): see ground/generator.ts. */
export * as gen from './ground/generator.js';
export type { ClusterSpec, Grudge, LinkShape, NodeEndpoint, NodeName, Runtime, RuntimeNeeds, SlowDisk } from './ground/runtime.js';
export type { TestDefinition, TestModuleExport, WorkloadFactory } from './ground/test.js';
export type { SimContext, SimNode, SimSystem } from './ground/sim.js';
export { simOnlyDb } from './ground/sim.js';
export type { CheckersOf, OpSpec, Workload, WorkloadOptions } from './ground/workload.js';
export { Rng } from './ground/rng.js';
export { UsageError } from './ground/runtime.js';
export { sleep, withDeadline, deadline, wallTimers, type Deadline, type Timers } from './ground/time.js';
export { parseExactJson, inexactReason, stringifyExact } from './ground/exact-json.js';
export { builtinWorkloads, WORKLOADS, type BuiltinClients, type WorkloadName } from './workloads/index.js';
export { ACCOUNTS, BANK, TOTAL, type BankClient } from './workloads/bank.js';
export { setKeyOf } from './workloads/set.js';
export { microOps, type MicroOp, type TxnParts } from './workloads/txn.js';
export { runTest, type RunTestOptions, type RunVerdict, type TestVerdict } from './harness/api.js';
export { checkAll } from './ground/checker.js';
export { linearizable, linearizableModels, agreementChecker, setChecker, bankChecker, finalReadsChecker, statsChecker, perfChecker, elleChecker } from './checkers/lazy.js';
export { MODELS as CONSISTENCY_MODELS } from './checkers/elle/models.js';
export type { ConsistencyModel, ElleWorkload, ElleResult, TxnView, Anomaly, Step } from './checkers/elle/index.js';
export type { TxnType } from './checkers/elle/types.js';
export type { LinearizableOptions, ModelOptions } from './checkers/linearizable/index.js';
export type { AgreementOptions } from './checkers/agreement.js';
export type { BankOptions } from './checkers/bank.js';
export type { PerfOptions } from './checkers/perf.js';
