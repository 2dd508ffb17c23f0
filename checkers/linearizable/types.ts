/**
 * The vocabulary of the linearizability checker (our TypeScript port of Porcupine's algorithm):
 * models, operations and events, check options, and the result shapes (including the verbose
 * `LinearizationInfo` the HTML report draws).
 */

/**
 * A sequential specification. `step` must be pure: it never mutates `state`, it returns
 * `[legal, nextState]`. States are compared through `hash` (preferred) or `equal`.
 */
export interface Model<S = unknown, I = unknown, O = unknown> {
  name: string;
  init(): S;
  step(state: S, input: I, output: O): readonly [ok: boolean, next: S];
  /**
   * A canonical key of a state: two states are equal if and only if their keys are equal
   * (`===`). The cache relies on this being exact, so it must be injective (e.g. a canonical
   * JSON string, or the state itself when it is a number or a string).
   */
  hash?(state: S): string | number;
  /** State equality, used only when `hash` is absent (slower: states are compared one by one). */
  equal?(a: S, b: S): boolean;
  /**
   * P-compositionality: the key of the sub-history an input belongs to (e.g. the key of a kv
   * store). The history is linearizable iff every sub-history is. Used for both operations and
   * events unless `partition` / `partitionEvents` are given.
   */
  partitionKey?(input: I): string;
  /** Porcupine's form: split a history of operations into independent sub-histories. */
  partition?(ops: Operation<I, O>[]): Operation<I, O>[][];
  /** Porcupine's form for events. Each sub-history must keep its calls and returns together. */
  partitionEvents?(events: Event<I, O>[]): Event<I, O>[][];
  /**
   * True when the op never changes the state, in any state where it is legal (a read, a cas
   * that reported failure, any op whose output pins it to "no effect"). Optional, exact
   * verdicts either way; it lets the search prune (see search.ts). Must be conservative: an op
   * that may change the state (e.g. a crashed cas) is NOT read-only.
   */
  readOnly?(input: I, output: O): boolean;
  /**
   * A cheap proof that a partition is not linearizable, or undefined: e.g. a read that misses a
   * write which finished before the read began, with no overwrite possible in between. It must
   * be sound (never refute a linearizable partition; the checker asserts this whenever it also
   * searches a refuted partition). Refuted partitions are illegal at once, with the reason in
   * the outcome, however hard their search would be. Returns a one-line reason.
   */
  refute?(ops: readonly TimedOp<I, O>[]): string | undefined;
  /** Human-readable operation, e.g. `cas(1, 2) -> ok`. */
  describeOperation?(input: I, output: O): string;
  /** Human-readable state. */
  describeState?(state: S): string;
  /**
   * Approximate bytes retained by one distinct state (for the memory ceiling). Default: derived
   * from the state's hash (string length) or a small constant.
   */
  sizeOf?(state: S): number;
  /** Bytes the model instance itself retains during a check (e.g. an intern table of states). */
  retainedBytes?(): number;
}

/** An operation of one partition with its place in that partition's real-time order: `call`
 *  and `return` are distinct positions 0..2n-1 (ties broken, calls first). */
export interface TimedOp<I = unknown, O = unknown> {
  input: I;
  output: O;
  call: number;
  return: number;
}

/**
 * One operation with its real-time interval [call, return] (closed: operations whose intervals
 * touch are concurrent). A crashed operation (outcome unknown) has `return: Infinity` and an
 * output that the model accepts in any state.
 */
export interface Operation<I = unknown, O = unknown> {
  clientId: number | string;
  input: I;
  call: number;
  output: O;
  return: number;
  /** Carried through to verbose output (e.g. the index of the op in the source history). */
  meta?: unknown;
}

/** Porcupine's event form: calls and returns in real-time order, matched by `id`. */
export interface Event<I = unknown, O = unknown> {
  clientId?: number | string;
  kind: 'call' | 'return';
  /** The input for a call, the output for a return. */
  value: I | O;
  id: number;
  meta?: unknown;
}

export interface CheckOptions {
  /** Give up with 'unknown' after this long (whole check, all partitions). Default: no limit. */
  timeoutMs?: number;
  /** Also compute `LinearizationInfo` per partition (costs some time; obeys the timeout too). */
  verbose?: boolean;
  /**
   * Give up with 'unknown' when the search caches are estimated to exceed this. Default 1024
   * (or half of V8's heap limit when that is smaller).
   */
  memoryLimitMb?: number;
  /**
   * Stop with 'unknown' once aborted (checked about every 50 ms of search). Only the Async check
   * functions let the event loop run meanwhile, so only they can see it abort mid-search.
   */
  signal?: AbortSignal;
}

export type CheckVerdict = 'ok' | 'illegal' | 'unknown';

export interface PartitionResult {
  /** Index of the partition, in the order the partition function produced them. */
  index: number;
  /** The partition key when the model partitions by key. */
  key?: string;
  /** 'unknown' when the search was stopped (timeout, memory, or another partition was illegal). */
  result: CheckVerdict;
  operations: number;
  /** Search steps (model calls) spent on this partition. */
  steps: number;
  /** Entries in this partition's (linearized-set, state) cache when the search ended. */
  cacheEntries: number;
  /** Why the model refuted this partition without a search (see `Model.refute`). */
  refutation?: string;
  /** Only with `verbose`. */
  info?: LinearizationInfo;
}

export interface CheckOutcome {
  result: CheckVerdict;
  partitions?: PartitionResult[];
  /** Why the result is 'unknown' (timeout, memory ceiling), or what was illegal. */
  message?: string;
  /** Wall-clock milliseconds the search took. */
  elapsedMs: number;
  /** Estimated peak bytes of the search caches (sum over partitions). */
  peakCacheBytes: number;
}

/** One operation as the report draws it. */
export interface OperationView {
  /** Index in the partition's operation list (what `prefix` / `unplaced` refer to). */
  id: number;
  clientId: number | string;
  /** Position in real time: call and return order among this partition's events (0-based). */
  callIndex: number;
  returnIndex: number;
  /** Original timestamps when the input was operations (not events); Infinity = never returned. */
  call?: number;
  return?: number;
  description: string;
  meta?: unknown;
}

/** One step of a linearization: the op placed and the model states around it. */
export interface LinearizationStep {
  op: number;
  stateBefore: string;
  stateAfter: string;
}

/** Why an operation that was a candidate to go next could not be placed. */
export interface UnplacedOp {
  op: number;
  /** The model state at the end of the longest prefix. */
  stateBefore: string;
  /** The model rejected the op in that state (false) or accepted it (true, but then a later
   *  operation could not be placed, or the resulting state was already explored). */
  modelAccepts: boolean;
  stateAfter?: string;
}

/**
 * Verbose result of one partition, in a JSON-safe shape (Infinity is written as null by
 * JSON.stringify: use `returnIndex` for drawing).
 * - ok: `prefix` is a complete linearization, `unplaced` is empty.
 * - illegal: `prefix` is the longest linearizable prefix the search found; `unplaced` are the
 *   operations that could have gone next after it (their call precedes the first pending
 *   return); `blocking` is the operation whose return the linearization could not get past.
 * - unknown: the longest prefix found so far.
 */
export interface LinearizationInfo {
  result: CheckVerdict;
  /** The model's proof of illegality, when it refuted the partition (see `Model.refute`). */
  refutation?: string;
  key?: string;
  initialState: string;
  operations: OperationView[];
  prefix: LinearizationStep[];
  unplaced: UnplacedOp[];
  blocking?: number;
}
