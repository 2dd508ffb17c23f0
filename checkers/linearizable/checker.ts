/**
 * The `linearizable` Checker (checkers/checker.ts contract): converts our history with the
 * named model's adapter, runs the search, and reports the verdict, counts and (when invalid)
 * the verbose LinearizationInfo for the HTML report.
 */
import type { Checker } from '../checker.js';
import type { ModelOptions } from './models/spec.js';

export interface LinearizableOptions {
  /** A registered model name: see modelNames. */
  model: string;
  modelOptions?: ModelOptions;
  timeoutMs?: number;
  memoryLimitMb?: number;
}

export function linearizable(opts: LinearizableOptions): Checker {
  void opts;
  throw new Error('linearizable: not implemented yet');
}
