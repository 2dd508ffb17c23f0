/**
 * What a named model is in the registry: a factory for the `Model` plus the adapter that turns
 * one operation of OUR history (ground/history.ts) into the model's input and output.
 */
import type { Op } from '../../../ground/history.js';
import type { Model } from '../types.js';

/** Per-model options (e.g. a register's initial value, a bank's opening balances). */
export type ModelOptions = Record<string, unknown>;

export interface ModelSpec<S = any, I = any, O = any> {
  name: string;
  /** One paragraph: what the model checks and what our history's ops must look like. */
  description: string;
  create(options?: ModelOptions): Model<S, I, O>;
  /**
   * Converts an invocation and its completion into the model's input and output.
   * `completion` is `undefined` when the op crashed (`info`) or never completed: the output
   * must then be one the model accepts in any state (the op may or may not have happened).
   * `fail` completions never reach this function (they are dropped: they did not happen).
   * Throws an Error naming the op index when the op does not fit the model.
   */
  fromHistory(invoke: Op, completion: Op | undefined): { input: I; output: O };
}
