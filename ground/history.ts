/**
 * The history: the one artefact every checker reads. One `Op` per line of history.jsonl.
 * Format and rules: ARCHITECTURE.md ("The history").
 */

/** invoke, then one of ok (happened), fail (did not happen), info (may have happened). */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';
/** A client thread's process id, or 'nemesis' for fault operations. */
export type Process = number | 'nemesis';

/** One event of the history: an invocation, its completion, or a nemesis info op. */
export interface Op {
  /** Position in the history, 0-based, dense. */
  index: number;
  /** Monotonic nanoseconds since the test started (never wall-clock). */
  time: number;
  process: Process;
  type: OpType;
  /** The operation: read, write, cas, add, transfer, txn, start-partition, ... */
  f: string;
  key?: string;
  value?: unknown;
  /** The node that served a completion, when known. */
  node?: string;
  /** Why a completion failed or is indeterminate. */
  error?: string;
}

/** Every op of a run in order: what the checkers judge. */
export type History = Op[];

export const isClientOp = (op: Op): boolean => op.process !== 'nemesis';

/**
 * The `f` of the harness's mark (a nemesis-process info op) that the final reads begin: every
 * client op after it is a final read of the workload (Workload.finalOps) on each node.
 */
export const FINAL_READS_MARK = 'final-reads';

/**
 * Pairs each client invocation with its completion (the next event of the same process).
 * An invocation with no completion (the test ended first) pairs with `undefined`.
 * Nemesis events stand alone and are skipped.
 */
export function pairOps(history: History): Array<{ invoke: Op; complete: Op | undefined }> {
  const open = new Map<Process, number>();
  const pairs: Array<{ invoke: Op; complete: Op | undefined }> = [];
  for (const op of history) {
    if (!isClientOp(op)) continue;
    const at = open.get(op.process);
    if (op.type === 'invoke') {
      if (at !== undefined) throw new Error(`history: process ${String(op.process)} invoked twice without completing (index ${op.index})`);
      open.set(op.process, pairs.length);
      pairs.push({ invoke: op, complete: undefined });
    } else {
      if (at === undefined) throw new Error(`history: ${op.type} of process ${String(op.process)} with no open invocation (index ${op.index})`);
      pairs[at].complete = op;
      open.delete(op.process);
    }
  }
  return pairs;
}
