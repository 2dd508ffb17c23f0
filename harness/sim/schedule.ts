/**
 * The nemesis interpreter in virtual time: performs a Schedule (ground/nemesis.ts; `--nemesis`
 * is flagSchedule's) as nemesis/schedule.ts's runSchedule does on the wall clock: pull the
 * generator at the virtual ms since the main phase began, sleep when told, start and stop the
 * named faults (which record themselves), record a failing op as `nemesis-error`, and at the
 * end of the main phase stop every fault once more with `lastStop` (after the op in progress:
 * one may be waiting on virtual time).
 */
import type { Outcome } from '../../ground/generator.js';
import type { NemesisContext, Schedule } from '../../ground/nemesis.js';
import { Rng } from '../../ground/rng.js';
import { scheduleOps } from '../../nemesis/schedule.js';
import type { Scheduler } from './scheduler.js';

export interface SimScheduleRun {
  cycles: number;
  errors: string[];
  /** Ends the schedule (no op after it) and stops every fault (lastStop); called once, when the main phase ends. */
  heal(): Promise<void>;
}

export function startSchedule(schedule: Schedule, ctx: NemesisContext, sched: Scheduler, endMs: number): SimScheduleRun {
  const { result, perform, healAll } = scheduleOps(schedule, ctx);
  let over = false;
  /** The op being performed: it may wait on virtual time (a lead between faults), and the heal waits for it, as runSchedule's does. */
  let inFlight: Promise<unknown> | null = null;
  const run: SimScheduleRun = {
    get cycles() {
      return result.cycles;
    },
    errors: result.errors,
    heal: async () => {
      over = true; // the clients may finish before endMs (an exhausted generator): nothing starts after the heal
      if (inFlight) await sched.wait(inFlight);
      await healAll({ ...ctx, lastStop: true });
    },
  };

  // The generator's own stream, derived from the nemesis Rng's seed as runSchedule derives it.
  const cursor = schedule.generator.open({ rng: new Rng(((ctx.rng?.seed ?? 0) ^ 0x5eed) >>> 0), consumer: 'nemesis' });
  const began = sched.now();
  const pull = (): void | Promise<void> => {
    if (over || sched.now() >= endMs) return;
    const e = cursor.next(sched.now() - began);
    if (e === null) return; // exhausted: what it left in force holds until the end
    if ('sleepMs' in e) return sched.after(e.sleepMs, pull);
    const op = perform(e.op.f);
    inFlight = op;
    return op.then((outcome) => {
      inFlight = null;
      cursor.completed?.(e.op, outcome);
      return pull();
    });
  };
  sched.after(0, pull);
  return run;
}
