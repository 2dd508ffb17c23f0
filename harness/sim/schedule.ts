/**
 * The nemesis interpreter in virtual time: performs a Schedule (ground/nemesis.ts; `--nemesis`
 * is flagSchedule's) as nemesis/schedule.ts's runSchedule does on the wall clock: pull the
 * generator at the virtual ms since the main phase began, sleep when told, start and stop the
 * named faults (which record themselves), record a failing op as `nemesis-error`, and at the
 * end of the main phase stop every fault once more with `lastStop`.
 */
import type { Outcome } from '../../ground/generator.js';
import type { NemesisContext, Schedule } from '../../ground/nemesis.js';
import { Rng } from '../../ground/rng.js';
import type { Scheduler } from './scheduler.js';

export interface SimScheduleRun {
  cycles: number;
  errors: string[];
  /** Ends the schedule (no op after it) and stops every fault (lastStop); called once, when the main phase ends. */
  heal(): Promise<void>;
}

export function startSchedule(schedule: Schedule, ctx: NemesisContext, sched: Scheduler, endMs: number): SimScheduleRun {
  const names = Object.keys(schedule.faults);
  const started: string[] = [];
  let over = false;
  const run: SimScheduleRun = {
    cycles: 0,
    errors: [],
    heal: async () => {
      over = true; // the clients may finish before endMs (an exhausted generator): nothing starts after the heal
      await healAll({ ...ctx, lastStop: true });
    },
  };
  const attempt = async (phase: 'start' | 'stop', name: string, on: NemesisContext): Promise<Outcome> => {
    const fault = schedule.faults[name];
    try {
      await (phase === 'start' ? fault.start(on) : fault.stop(on));
      return 'ok';
    } catch (e) {
      const error = (e as Error).message;
      run.errors.push(`${phase} ${fault.name}: ${error}`);
      ctx.record('nemesis-error', { nemesis: fault.name, phase, error });
      return 'fail';
    }
  };
  const healAll = async (on: NemesisContext): Promise<Outcome> => {
    let outcome: Outcome = 'ok';
    for (const name of [...new Set([...started].reverse().concat(names))]) if ((await attempt('stop', name, on)) === 'fail') outcome = 'fail';
    return outcome;
  };
  const perform = (f: string): Promise<Outcome> => {
    if (f === 'heal') return healAll(ctx);
    const m = /^(start|stop)-(.+)$/.exec(f);
    if (!m || !Object.hasOwn(schedule.faults, m[2])) {
      const error = `unknown schedule op ${JSON.stringify(f)}`;
      run.errors.push(`${schedule.name}: ${error}`);
      ctx.record('nemesis-error', { nemesis: schedule.name, phase: f, error });
      return Promise.resolve('fail');
    }
    if (m[1] === 'start') {
      run.cycles++;
      if (!started.includes(m[2])) started.push(m[2]);
    }
    return attempt(m[1] as 'start' | 'stop', m[2], ctx);
  };

  // The generator's own stream, derived from the nemesis Rng's seed as runSchedule derives it.
  const cursor = schedule.generator.open({ rng: new Rng(((ctx.rng?.seed ?? 0) ^ 0x5eed) >>> 0), consumer: 'nemesis' });
  const began = sched.now();
  const pull = (): void | Promise<void> => {
    if (over || sched.now() >= endMs) return;
    const e = cursor.next(sched.now() - began);
    if (e === null) return; // exhausted: what it left in force holds until the end
    if ('sleepMs' in e) return sched.after(e.sleepMs, pull);
    return perform(e.op.f).then((outcome) => {
      cursor.completed?.(e.op, outcome);
      return pull();
    });
  };
  sched.after(0, pull);
  return run;
}
