/**
 * Runs a nemesis for the main phase: quiet for intervalMs, start, hold for intervalMs, stop,
 * ... until the signal aborts; then stop once more, so every fault is healed before the caller
 * moves on (the recovery phase). A failing start/stop does not end the run: it is recorded in
 * the history as `nemesis-error` and returned, and the caller decides what it means.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Nemesis, NemesisContext } from '../ground/nemesis.js';

export interface RunNemesisOptions {
  intervalMs: number;
  signal: AbortSignal;
}

export interface NemesisRunResult {
  /** How many times the nemesis was started. */
  cycles: number;
  /** Messages of failed starts/stops (also recorded as `nemesis-error` ops). */
  errors: string[];
}

export async function runNemesis(nemesis: Nemesis, ctx: NemesisContext, opts: RunNemesisOptions): Promise<NemesisRunResult> {
  if (!(Number.isFinite(opts.intervalMs) && opts.intervalMs > 0)) throw new RangeError(`nemesis interval must be > 0 ms, got ${opts.intervalMs}`);
  const result: NemesisRunResult = { cycles: 0, errors: [] };
  const attempt = async (phase: 'start' | 'stop', on: NemesisContext = ctx) => {
    try {
      await (phase === 'start' ? nemesis.start(on) : nemesis.stop(on));
    } catch (e) {
      const error = (e as Error).message;
      result.errors.push(`${phase} ${nemesis.name}: ${error}`);
      ctx.record('nemesis-error', { nemesis: nemesis.name, phase, error });
    }
  };
  /** False when aborted while waiting. */
  const wait = () =>
    sleep(opts.intervalMs, undefined, { signal: opts.signal }).then(
      () => true,
      () => false,
    );
  while (!opts.signal.aborted) {
    if (!(await wait())) break;
    result.cycles++;
    await attempt('start');
    if (!(await wait())) break;
    await attempt('stop');
  }
  await attempt('stop', { ...ctx, lastStop: true });
  return result;
}
