/**
 * The `linearizable` Checker (ground/checker.ts contract): converts our history with the named
 * model's adapter (history.ts), runs the search, and reports the verdict with counts. When the
 * history is not linearizable, `anomalies` carries the verbose LinearizationInfo of each illegal
 * partition for the HTML report (longest linearizable prefix, ops that could not be placed).
 *
 * Result fields: valid, model, counts {ok, fail, info, pending}, operations, partitions,
 * partitionsUnknown, elapsedMs, peakCacheMb, message? (why unknown / which partition is illegal),
 * anomalies? (LinearizationInfo[]), error? (the history does not fit the model).
 */
import type { History } from '../../ground/history.js';
import { UsageError } from '../../ground/runtime.js';
import type { CheckContext, CheckResult, Checker } from '../../ground/checker.js';
import { checkOperationsAsync } from './check.js';
import { historyToOperations } from './history.js';
import { getModelSpec } from './models/index.js';
import type { ModelOptions } from './models/spec.js';

/** How the linearizable checker reads a history: its model and memory ceiling. */
export interface LinearizableOptions {
  /** A registered model name: see modelNames. */
  model: string;
  modelOptions?: ModelOptions;
  /** Default: the check context's timeoutMs, else none. */
  timeoutMs?: number;
  /** Default 1024. */
  memoryLimitMb?: number;
  /** Most illegal partitions detailed in `anomalies` (default 4: the report stays small). */
  maxAnomalies?: number;
}

/** Throws a UsageError at once for an unknown model or bad model options. */
export function linearizable(opts: LinearizableOptions): Checker {
  const spec = getModelSpec(opts.model);
  // Build one model now so that bad options fail before the test runs, not after.
  spec.create(opts.modelOptions);
  for (const [name, v] of [['timeoutMs', opts.timeoutMs], ['memoryLimitMb', opts.memoryLimitMb]] as const) {
    if (v !== undefined && !(typeof v === 'number' && v > 0)) throw new UsageError(`linearizable: ${name} must be a positive number, got ${String(v)}`);
  }
  return {
    name: 'linearizable',
    async check(history: History, ctx: CheckContext): Promise<CheckResult> {
      let converted;
      try {
        converted = historyToOperations(history, spec);
      } catch (err) {
        return { valid: 'unknown', model: spec.name, error: `the history does not fit the ${spec.name} model: ${(err as Error).message}` };
      }
      const model = spec.create(opts.modelOptions);
      let outcome;
      try {
        outcome = await checkOperationsAsync(model, converted.ops, {
          timeoutMs: opts.timeoutMs ?? ctx.timeoutMs,
          memoryLimitMb: opts.memoryLimitMb,
          verbose: true,
          signal: ctx.signal,
        });
      } catch (err) {
        return { valid: 'unknown', model: spec.name, counts: converted.counts, error: `linearizability check failed: ${(err as Error).message}` };
      }
      const partitions = outcome.partitions ?? [];
      const illegal = partitions.filter((p) => p.result === 'illegal');
      return {
        valid: outcome.result === 'ok' ? true : outcome.result === 'illegal' ? false : 'unknown',
        model: spec.name,
        counts: converted.counts,
        operations: converted.ops.length,
        partitions: partitions.length,
        partitionsUnknown: partitions.filter((p) => p.result === 'unknown').length,
        elapsedMs: Math.round(outcome.elapsedMs),
        peakCacheMb: Math.round((outcome.peakCacheBytes / (1024 * 1024)) * 10) / 10,
        ...(outcome.message !== undefined ? { message: outcome.message } : {}),
        ...(illegal.length > 0 ? { anomalies: illegal.slice(0, opts.maxAnomalies ?? 4).map((p) => p.info) } : {}),
      };
    },
  };
}
