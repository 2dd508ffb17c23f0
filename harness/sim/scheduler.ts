/**
 * Virtual time for a simulated run: one queue of callbacks by virtual ms (ties in the order
 * they were scheduled: paxos/sim/queue.ts), run one after another. Nothing here reads a real
 * clock or waits on the real event loop: the only concurrency is what the queue orders. A
 * callback may return a promise (a nemesis's start or stop, written async against the Runtime
 * interface); the loop awaits it before the next callback, and since the simulated runtime
 * answers at once, that promise settles in microtasks, before anything else could run.
 */
import { EventQueue } from '../../paxos/sim/queue.js';

export type Task = () => void | Promise<void>;

export class Scheduler {
  private readonly queue = new EventQueue<Task>();
  private nowMs = 0;
  private stopped = false;
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
      const r = next.item();
      if (r !== undefined) await r;
    }
  }
}
