/**
 * The Scheduler's time for nemeses: a task that sleeps or waits parks, so the loop runs other
 * callbacks meanwhile and resumes it at its virtual time; every repeats until cancelled.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.js';

describe('Scheduler timers', () => {
  it('a sleeping task lets the loop go on and resumes at its virtual time; wait resumes when another task settles it', async () => {
    const sched = new Scheduler();
    const log: string[] = [];
    const at = (what: string) => log.push(`${what}@${sched.now()}`);
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    sched.at(0, async () => {
      at('a');
      await sched.timers.sleep(100);
      at('a woke');
      await sched.timers.sleep(10);
      at('a done');
    });
    sched.at(50, () => void at('b'));
    sched.at(60, async () => {
      await sched.wait(settled);
      at('c resumed');
    });
    sched.at(130, async () => {
      at('d settles');
      settle();
    });
    await sched.run();
    expect(log).toEqual(['a@0', 'b@50', 'a woke@100', 'a done@110', 'd settles@130', 'c resumed@130']);
  });

  it('every calls at its period until cancelled, one call at a time', async () => {
    const sched = new Scheduler();
    const calls: number[] = [];
    let cancel!: () => Promise<void>;
    sched.at(0, () => void (cancel = sched.timers.every(40, async () => void calls.push(sched.now()))));
    sched.at(130, () => cancel());
    await sched.run();
    expect(calls).toEqual([40, 80, 120]);
    expect(sched.now()).toBe(160); // the tick after the cancel found it off and stopped
  });
});
