/**
 * The nemesis interpreter: performs a Schedule (ground/nemesis.ts) against the real faults for
 * the main phase. It pulls the schedule's generator on the wall clock (ms since it began),
 * sleeps when told, and turns `start-<fault>` / `stop-<fault>` / `heal` into the faults' start
 * and stop, which record themselves in the history. A failing op does not end the run: it is
 * recorded as `nemesis-error`, returned, and reported to the generator as `fail` (so untilOk
 * can retry it). When the signal aborts (or the schedule is exhausted and the signal then
 * aborts), every fault is stopped once more with `lastStop`, so nothing stays in force.
 * flagSchedule is what `--nemesis` and `--nemesis-interval` mean, as a schedule.
 */
import { cycle, op, phases, sleep as sleepFor, type Outcome } from '../ground/generator.js';
import type { Nemesis, NemesisContext, Schedule } from '../ground/nemesis.js';
import { Rng } from '../ground/rng.js';
import { sleep } from '../ground/time.js';

export interface RunScheduleOptions {
  /** Ends the schedule: what is in force is stopped, then runSchedule resolves. */
  signal: AbortSignal;
  /**
   * The generator's own random stream. Default: one derived from ctx.rng's seed without
   * drawing from it, so the faults make the same choices as they would without a generator.
   */
  rng?: Rng;
}

/** What a schedule did: fault starts performed, and the messages of failed ops. */
export interface NemesisRunResult {
  /** How many `start-*` ops were performed (the flag schedule: its cycles). */
  cycles: number;
  /** Messages of failed ops (also recorded as `nemesis-error` ops). */
  errors: string[];
}

/** The key of the one fault of a flag schedule: its ops are start-nemesis and stop-nemesis. */
export const FLAG_FAULT = 'nemesis';

/**
 * `--nemesis` as a schedule: forever quiet for intervalMs, start the composed nemesis, hold
 * for intervalMs, stop it. The main phase's end cuts it wherever it is.
 */
export function flagSchedule(nemesis: Nemesis & { readonly needs?: Schedule['needs'] }, intervalMs: number): Schedule {
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new RangeError(`nemesis interval must be > 0 ms, got ${intervalMs}`);
  return {
    name: nemesis.name,
    faults: { [FLAG_FAULT]: nemesis },
    generator: cycle(phases(sleepFor(intervalMs), op(`start-${FLAG_FAULT}`), sleepFor(intervalMs), op(`stop-${FLAG_FAULT}`))),
    ...(nemesis.needs ? { needs: nemesis.needs } : {}),
  };
}

/** Runs `--nemesis` on its interval until the signal aborts, then heals (runSchedule of flagSchedule). */
export async function runNemesis(nemesis: Nemesis, ctx: NemesisContext, opts: { intervalMs: number; signal: AbortSignal }): Promise<NemesisRunResult> {
  return await runSchedule(flagSchedule(nemesis, opts.intervalMs), ctx, { signal: opts.signal });
}

/** What an interpreter does with a schedule's ops, whatever its clock: see scheduleOps. */
export interface ScheduleOps {
  /** Cycles and errors so far. */
  result: NemesisRunResult;
  /** Performs one op (`start-<fault>`, `stop-<fault>`, `heal`); a failure is recorded, never thrown. */
  perform(f: string): Promise<Outcome>;
  /** Stops every fault, newest first, then those never started. */
  healAll(on: NemesisContext): Promise<Outcome>;
}

/**
 * The ops of `schedule` against its faults, shared by runSchedule (wall clock) and the
 * simulator's interpreter (harness/sim, virtual time): only when ops happen differs between them.
 */
export function scheduleOps(schedule: Schedule, ctx: NemesisContext): ScheduleOps {
  const result: NemesisRunResult = { cycles: 0, errors: [] };
  const names = Object.keys(schedule.faults);
  /** Faults by first start, so heals undo the newest first. */
  const started: string[] = [];
  const attempt = async (phase: 'start' | 'stop', name: string, on: NemesisContext): Promise<Outcome> => {
    const fault = schedule.faults[name];
    try {
      await (phase === 'start' ? fault.start(on) : fault.stop(on));
      return 'ok';
    } catch (e) {
      const error = (e as Error).message;
      result.errors.push(`${phase} ${fault.name}: ${error}`);
      ctx.record('nemesis-error', { nemesis: fault.name, phase, error });
      return 'fail';
    }
  };
  const healAll = async (on: NemesisContext): Promise<Outcome> => {
    const order = [...new Set([...started].reverse().concat(names))];
    let outcome: Outcome = 'ok';
    for (const name of order) if ((await attempt('stop', name, on)) === 'fail') outcome = 'fail';
    return outcome;
  };
  const perform = async (f: string): Promise<Outcome> => {
    if (f === 'heal') return healAll(ctx);
    const m = /^(start|stop)-(.+)$/.exec(f);
    if (!m || !Object.hasOwn(schedule.faults, m[2])) {
      const error = `unknown schedule op ${JSON.stringify(f)} (known: ${[...names.flatMap((n) => [`start-${n}`, `stop-${n}`]), 'heal'].join(', ')})`;
      result.errors.push(`${schedule.name}: ${error}`);
      ctx.record('nemesis-error', { nemesis: schedule.name, phase: f, error });
      return 'fail';
    }
    const phase = m[1] as 'start' | 'stop';
    const name = m[2];
    if (phase === 'start') {
      result.cycles++;
      if (!started.includes(name)) started.push(name);
    }
    return attempt(phase, name, ctx);
  };
  return { result, perform, healAll };
}

/** Performs `schedule` until `opts.signal` aborts, then stops every fault (see the top of this file). */
export async function runSchedule(schedule: Schedule, ctx: NemesisContext, opts: RunScheduleOptions): Promise<NemesisRunResult> {
  const { result, perform, healAll } = scheduleOps(schedule, ctx);
  const cursor = schedule.generator.open({ rng: opts.rng ?? new Rng(((ctx.rng?.seed ?? 0) ^ 0x5eed) >>> 0), consumer: 'nemesis' });
  const began = performance.now();
  while (!opts.signal.aborted) {
    const e = cursor.next(performance.now() - began);
    if (e === null) {
      await sleep(2 ** 31 - 1, opts.signal); // exhausted: what it left in force holds until the end
      break;
    }
    if ('sleepMs' in e) await sleep(e.sleepMs, opts.signal);
    else cursor.completed?.(e.op, await perform(e.op.f));
  }
  await healAll({ ...ctx, lastStop: true });
  return result;
}

/**
 * The heal the recovery phase relies on, after runSchedule: every fault stopped once more with
 * `lastStop`. A failure here throws (the run cannot go on with a fault in force).
 */
export async function healSchedule(schedule: Schedule, ctx: NemesisContext): Promise<void> {
  for (const fault of Object.values(schedule.faults).reverse()) await fault.stop({ ...ctx, lastStop: true });
}
