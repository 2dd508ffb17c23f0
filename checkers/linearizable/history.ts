/**
 * From OUR history (ground/history.ts) to checker operations: `fail` ops are dropped (they
 * certainly did not happen); `info` ops and invocations that never completed get an open-ended
 * return (Infinity) and an output the model accepts in any state (they may have taken effect at
 * any point after their call, or never). Nemesis events are skipped. Each operation's `meta`
 * records where it came from: `{ process, invoke, complete }` (history indexes).
 */
import { pairOps, type History } from '../../ground/history.js';
import type { ModelSpec } from './models/spec.js';
import type { Operation } from './types.js';

export interface ConversionCounts {
  /** Operations checked with their observed outcome. */
  ok: number;
  /** Dropped: they did not happen. */
  fail: number;
  /** `info` completions: open-ended. */
  info: number;
  /** Invocations with no completion: open-ended. */
  pending: number;
}

export interface OperationSource {
  process: number | string;
  /** History index of the invocation. */
  invoke: number;
  /** History index of the completion, when there is one. */
  complete?: number;
}

export function historyToOperations<I, O>(history: History, spec: ModelSpec<unknown, I, O>): { ops: Operation<I, O>[]; counts: ConversionCounts } {
  const counts: ConversionCounts = { ok: 0, fail: 0, info: 0, pending: 0 };
  const ops: Operation<I, O>[] = [];
  for (const { invoke, complete } of pairOps(history)) {
    if (typeof invoke.time !== 'number' || !Number.isFinite(invoke.time)) throw new Error(`history op ${invoke.index}: time must be a finite number`);
    if (complete?.type === 'fail') {
      counts.fail++;
      continue;
    }
    const meta: OperationSource = { process: invoke.process, invoke: invoke.index, ...(complete ? { complete: complete.index } : {}) };
    if (complete?.type === 'ok') {
      if (typeof complete.time !== 'number' || !(complete.time >= invoke.time)) {
        throw new Error(`history op ${complete.index}: completes at time ${String(complete.time)}, before its invocation (op ${invoke.index}, time ${invoke.time})`);
      }
      if (complete.f !== invoke.f) throw new Error(`history op ${complete.index}: completes f=${complete.f} but op ${invoke.index} invoked f=${invoke.f}`);
      counts.ok++;
      const { input, output } = spec.fromHistory(invoke, complete);
      ops.push({ clientId: invoke.process, input, output, call: invoke.time, return: complete.time, meta });
    } else {
      if (complete) counts.info++;
      else counts.pending++;
      const { input, output } = spec.fromHistory(invoke, undefined);
      ops.push({ clientId: invoke.process, input, output, call: invoke.time, return: Infinity, meta });
    }
  }
  return { ops, counts };
}
