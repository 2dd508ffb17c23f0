/**
 * From OUR history (harness/history.ts) to checker operations: `fail` ops are dropped (they
 * certainly did not happen); `info` ops and invocations that never completed get an open-ended
 * return (Infinity) and an output the model accepts in any state. Nemesis events are skipped.
 */
import type { History } from '../../harness/history.js';
import type { ModelSpec } from './models/spec.js';
import type { Operation } from './types.js';

export interface ConversionCounts {
  ok: number;
  /** Dropped. */
  fail: number;
  /** `info` completions: open-ended. */
  info: number;
  /** Invocations with no completion: open-ended. */
  pending: number;
}

export function historyToOperations<I, O>(history: History, spec: ModelSpec<unknown, I, O>): { ops: Operation<I, O>[]; counts: ConversionCounts } {
  void history; void spec;
  throw new Error('historyToOperations: not implemented yet');
}
