/**
 * The linearizability checker: a TypeScript port of Porcupine's algorithm (Wing & Gong / Lowe
 * backtracking with a cache of (linearized set, state), P-compositionality, partitions searched
 * concurrently). This file is the public API; see types.ts for the shapes.
 *
 *   checkOperations(model, ops, { timeoutMs, verbose, memoryLimitMb })  -> CheckOutcome
 *   checkEvents(model, events, opts)                                    -> CheckOutcome
 *   checkOperationsAsync / checkEventsAsync (opts.signal stops them)    -> Promise<CheckOutcome>
 *   getModel('cas-register', { initial: 0 })                            -> Model
 *   linearizable({ model: 'kv' })                                       -> Checker (our history)
 */
export type {
  Model,
  Operation,
  Event,
  CheckOptions,
  CheckVerdict,
  CheckOutcome,
  PartitionResult,
  LinearizationInfo,
  LinearizationStep,
  OperationView,
  UnplacedOp,
} from './types.js';
export type { ModelSpec, ModelOptions } from './models/spec.js';
export { checkOperations, checkEvents, checkOperationsAsync, checkEventsAsync, DEFAULT_MEMORY_LIMIT_MB } from './check.js';
export { getModel, getModelSpec, modelNames } from './models/index.js';
export { historyToOperations, type ConversionCounts, type OperationSource } from './history.js';
export { linearizable, type LinearizableOptions } from './checker.js';
