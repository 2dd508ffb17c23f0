/**
 * What every checker is: a function from a history (plus context) to a verdict.
 * Verdicts compose as in Jepsen: false beats 'unknown' beats true.
 */
import { isClientOp, type History } from './history.js';

export type Validity = true | false | 'unknown';

export interface CheckResult {
  valid: Validity;
  /** Anything the report or the user needs to see: counterexamples, counts, messages. */
  [detail: string]: unknown;
}

export interface CheckContext {
  /** The run directory, when checking a stored run (node logs, decided logs live under it). */
  runDir?: string;
  /** Decided logs per node (slot -> command digest), for the agreement checker. */
  decidedLogs?: Record<string, DecidedEntry[]>;
  /** Give up with 'unknown' after this long. */
  timeoutMs?: number;
  /** Stop checking (a long check gives up with 'unknown') once aborted: the user interrupted. */
  signal?: AbortSignal;
  /** Each node's applied state (Db.stateDigests); absent when the db offers none. */
  replicaStates?: Record<string, ReplicaState>;
  /** The db's state machine replaying a decided log (Db.replay): what a replica's state should be. */
  replay?: StateReplay;
  /** The system under test, for messages ("not offered by db <name>"). */
  dbName?: string;
}

/**
 * A replica's applied state machine, as a db reports it (e.g. etcd's HashKV at a revision):
 * digests of the state after applying log indexes (at least the recent ones; the same function
 * of the state on every replica), and, when the db can, the whole state at one index
 * (key -> value) so a divergence can be traced to a key.
 */
export interface ReplicaState {
  digests: Array<{ index: number; digest: string }>;
  state?: { index: number; kv: Record<string, unknown> };
}

/**
 * Applies a decided log (its entries from the first index on) to a fresh state machine up to
 * index `upTo`, and reports what a correct replica would: digests at (at least) the indexes
 * near `upTo`, and the state at `upTo`.
 */
export type StateReplay = (log: DecidedEntry[], upTo: number) => ReplicaState | Promise<ReplicaState>;

export interface DecidedEntry {
  slot: number;
  /** A stable digest of the decided value (a batch of commands or a no-op). */
  digest: string;
  /** The decided value itself: the batch of commands, or null for a no-op. */
  command: unknown;
}

export interface Checker {
  name: string;
  /** Judges a history (a throw counts as 'unknown'). */
  check(history: History, ctx: CheckContext): Promise<CheckResult> | CheckResult;
}

export function mergeValidity(a: Validity, b: Validity): Validity {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}

/** Why a history without a single client operation has no verdict (not a silent valid). */
export const NOTHING_CHECKED = '0 client operations: nothing was checked';

/**
 * Runs every checker; the composite is valid only if all are. A throwing checker is 'unknown',
 * and so is a history with no client operation (the result `history` says so).
 * Once ctx.signal is aborted no further checker starts and the composite is 'unknown' (a checker
 * already running stops early if it can: the linearizability search does).
 */
export async function checkAll(checkers: Checker[], history: History, ctx: CheckContext): Promise<{ valid: Validity; results: Record<string, CheckResult> }> {
  if (!history.some(isClientOp)) return { valid: 'unknown', results: { history: { valid: 'unknown', error: NOTHING_CHECKED } } };
  const results: Record<string, CheckResult> = {};
  let valid: Validity = true;
  for (const checker of checkers) {
    if (ctx.signal?.aborted) return { valid: mergeValidity(valid, 'unknown'), results };
    let result: CheckResult;
    try {
      result = await checker.check(history, ctx);
    } catch (err) {
      result = { valid: 'unknown', error: `checker crashed: ${(err as Error).stack ?? String(err)}` };
    }
    results[checker.name] = result;
    valid = mergeValidity(valid, result.valid);
  }
  return { valid: ctx.signal?.aborted ? mergeValidity(valid, 'unknown') : valid, results };
}
