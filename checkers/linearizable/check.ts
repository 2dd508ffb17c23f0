/**
 * checkOperations / checkEvents: split the history into partitions, build one search per
 * partition, and run them interleaved until one is illegal, all are ok, or the time / memory
 * budget runs out.
 */
import type { CheckOptions, CheckOutcome, Event, Model, Operation } from './types.js';

export function checkOperations<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], opts: CheckOptions = {}): CheckOutcome {
  void model; void ops; void opts;
  throw new Error('checkOperations: not implemented yet');
}

export function checkEvents<S, I, O>(model: Model<S, I, O>, events: Event<I, O>[], opts: CheckOptions = {}): CheckOutcome {
  void model; void events; void opts;
  throw new Error('checkEvents: not implemented yet');
}
