/**
 * Virtual time for a simulated run: one queue of callbacks by virtual ms (ties in the order
 * they were scheduled: paxos/sim/queue.ts), run one after another. Nothing here reads a real
 * clock or waits on the real event loop: the only concurrency is what the queue orders. A
 * callback may return a promise (a nemesis's start or stop, written async against the Runtime
 * interface); the loop awaits it before the next callback, and since the simulated runtime
 * answers at once, that promise settles in microtasks, before anything else could run.
 * A task that waits on virtual time (sleep, wait: a nemesis's lead between two faults) parks:
 * the loop goes on with other callbacks, and resumes that task, awaiting it again, when its
 * wait is over. `timers` is this time as a nemesis sees it (NemesisContext.time).
 */
import { EventQueue } from '../../paxos/sim/queue.js';
import type { Timers } from '../../ground/time.js';

export type Task = () => void | Promise<void>;

/** A callback's promise while the loop runs it: parked while it waits on virtual time. */
interface Running {
  done?: Promise<void>;
  parked: boolean;
  /** Lets the loop go on (set while the loop awaits the task). */
  release?: () => void;
}

export class Scheduler {
  private readonly queue = new EventQueue<Task>();
  private nowMs = 0;
  private stopped = false;
  /** The task whose code runs now (null between tasks): what sleep and wait park. */
  private current: Running | null = null;
  /** Callbacks run so far (for the bench). */
  events = 0;

  /** Virtual ms since the run began. */
  now(): number {
    return this.nowMs;
  }

  /** Runs `task` at virtual time `atMs` (never before now). */
  at(atMs: number, task: Task): void {
    this.queue.push(Math.max(atMs, this.nowMs), task);
  }

  /** Runs `task` `ms` from now. */
  after(ms: number, task: Task): void {
    this.at(this.nowMs + ms, task);
  }

  /** Ends run() after the callback in progress. */
  stop(): void {
    this.stopped = true;
  }

  /** Runs callbacks in virtual-time order until stop() or none is left. */
  async run(): Promise<void> {
    while (!this.stopped) {
      const next = this.queue.pop();
      if (next === undefined) return;
      this.nowMs = next.at;
      this.events++;
      const task: Running = { parked: false };
      this.current = task;
      let r: void | Promise<void>;
      try {
        r = next.item();
      } finally {
        this.current = null;
      }
      if (r !== undefined) {
        task.done = r;
        await this.resume(task);
      }
    }
  }

  /** Awaits `task` until it is over or parks (a rejection ends run()). */
  private async resume(task: Running): Promise<void> {
    if (task.done === undefined || task.parked) return; // parked already in its synchronous part
    const done = task.done;
    this.current = task;
    try {
      await new Promise<void>((resolve, reject) => {
        task.release = resolve;
        done.then(() => resolve(), reject);
      });
    } finally {
      task.release = undefined;
      this.current = null;
    }
  }

  private park(): Running | null {
    const task = this.current;
    if (task) {
      task.parked = true;
      task.release?.();
    }
    return task;
  }

  private unpark(task: Running | null): void | Promise<void> {
    if (!task) return;
    task.parked = false;
    return this.resume(task);
  }

  /**
   * Resolves `ms` virtual ms from now. Inside a task, the loop goes on meanwhile and resumes the
   * task at that time. One wait at a time per task (a second one in parallel would not park it).
   */
  sleep(ms: number): Promise<void> {
    const task = this.park();
    return new Promise((wake) => {
      this.after(ms, () => {
        wake();
        return this.unpark(task);
      });
    });
  }

  /**
   * Waits for `p`, settled by another task, letting the loop go on meanwhile (as sleep). `p` must
   * settle inside a task the loop awaits (one that returns a promise, as every nemesis op does):
   * after a plain callback the loop goes on without yielding to microtasks.
   */
  wait<T>(p: Promise<T>): Promise<T> {
    const task = this.park();
    return new Promise<T>((resolve, reject) => {
      const back = (settle: () => void) => this.after(0, () => {
        settle();
        return this.unpark(task);
      });
      p.then((v) => back(() => resolve(v)), (e: unknown) => back(() => reject(e)));
    });
  }

  /** This virtual time for a nemesis (NemesisContext.time). */
  readonly timers: Timers = {
    now: () => this.nowMs,
    sleep: (ms) => this.sleep(ms),
    every: (ms, fn) => {
      let on = true;
      const tick = (): void | Promise<void> => {
        if (!on) return;
        this.after(ms, tick);
        // Failures ignored, as wallTimers does: the next call tries again.
        return Promise.resolve()
          .then(fn)
          .then(() => {}, () => {});
      };
      this.after(ms, tick);
      return async () => {
        on = false;
      };
    },
  };
}
