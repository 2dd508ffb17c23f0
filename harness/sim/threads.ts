/**
 * Client threads in virtual time: Jepsen's process model as harness/generator.ts's
 * ClientThreads runs it (one outstanding op per thread; after an info the thread continues as
 * process + concurrency; a shared schedule limits the total rate), written as callbacks on the
 * Scheduler instead of async loops on real timers. Phases: nextOp until a virtual deadline, a
 * workload generator the same way, and lists of ops each retried until ok (final reads). Burst
 * threads (the last `burstThreads`) run only while the burst nemesis has lifted the rate limit
 * (unthrottle), as ClientThreads' do.
 */
import type { Completion } from '../../ground/client.js';
import type { Generator } from '../../ground/generator.js';
import type { Op } from '../../ground/history.js';
import type { Rng } from '../../ground/rng.js';
import type { OpSpec } from '../../ground/workload.js';
import type { OpFields } from '../historyWriter.js';
import type { Scheduler } from './scheduler.js';

export interface SimThreadsOptions {
  sched: Scheduler;
  concurrency: number;
  rng: Rng;
  /** Total ops per second; 0 = unlimited. */
  rate: number;
  /** How many of the `concurrency` threads (the last ones) run only during a burst. Default 0. */
  burstThreads?: number;
  record: (fields: OpFields) => Op;
  /** Performs one op for thread t; `done` is called once with its completion. */
  invoke: (t: number, spec: OpSpec, done: (c: Completion) => void) => void;
}

export class SimThreads {
  readonly processes: number[];
  private readonly rngs: Rng[];
  private readonly intervalMs: number;
  private nextSlotMs = 0;
  private unthrottled = false;
  /** Threads below this index run always; the rest only during a burst. */
  private readonly steady: number;
  /** Burst threads waiting for the next burst (or their phase's end). */
  private burstWaiters: Array<() => void> = [];

  constructor(private readonly o: SimThreadsOptions) {
    this.processes = Array.from({ length: o.concurrency }, (_, t) => t);
    this.rngs = this.processes.map(() => o.rng.fork());
    this.intervalMs = o.rate === 0 ? 0 : 1000 / o.rate;
    this.steady = o.concurrency - (o.burstThreads ?? 0);
  }

  /** Lifts the rate limit (a load burst) until called with false; the rate's schedule restarts from now. */
  unthrottle(on: boolean): void {
    this.unthrottled = on;
    if (!on) this.nextSlotMs = this.o.sched.now();
    else this.wakeBurstThreads();
  }

  private wakeBurstThreads(): void {
    const waiters = this.burstWaiters;
    this.burstWaiters = [];
    for (const wake of waiters) this.o.sched.after(0, wake);
  }

  /** Every thread runs nextOp's ops until virtual `endMs` (an op in flight completes); then `done`. */
  runPhase(nextOp: (rng: Rng, t: number) => OpSpec | null, endMs: number, done: () => void): void {
    const finished = this.barrier(this.o.concurrency, done);
    if (this.steady < this.o.concurrency) this.o.sched.at(endMs, () => this.wakeBurstThreads()); // idle burst threads end with the phase
    for (let t = 0; t < this.o.concurrency; t++) {
      const loop = (): void => {
        if (this.o.sched.now() >= endMs) return finished();
        if (t >= this.steady && !this.unthrottled) return void this.burstWaiters.push(loop);
        this.slot(endMs, (open) => {
          if (!open) return finished();
          const spec = nextOp(this.rngs[t], t);
          if (spec === null) return finished();
          this.invoke(t, spec, () => loop());
        });
      };
      loop();
    }
  }

  /** Every steady thread opens `gen` and performs its ops (sleeping when told) until `endMs` or exhausted; burst threads stay idle. */
  runGenerator(gen: Generator, endMs: number, done: () => void): void {
    const finished = this.barrier(this.steady, done);
    const began = this.o.sched.now();
    for (let t = 0; t < this.steady; t++) {
      const cursor = gen.open({ rng: this.rngs[t], consumer: 'clients' });
      const loop = (): void => {
        const now = this.o.sched.now();
        if (now >= endMs) return finished();
        const e = cursor.next(now - began);
        if (e === null) return finished();
        if ('sleepMs' in e) return this.o.sched.after(e.sleepMs, loop);
        this.slot(endMs, (open) => {
          if (!open) return finished();
          const { f, key, value } = e.op;
          this.invoke(t, { f, ...(key === undefined ? {} : { key }), ...(value === undefined ? {} : { value }) }, (c) => {
            cursor.completed?.(e.op, c.type);
            loop();
          });
        });
      };
      loop();
    }
  }

  /** Thread t performs perThread[t], each op until ok (retried retryMs apart) or `endMs`; `done` gets how many never succeeded. */
  runUntilOk(perThread: OpSpec[][], endMs: number, retryMs: number, done: (missing: number) => void): void {
    let missing = 0;
    const finished = this.barrier(perThread.length, () => done(missing));
    perThread.forEach((queue, t) => {
      let i = 0;
      const loop = (): void => {
        if (i >= queue.length) return finished();
        if (this.o.sched.now() >= endMs) {
          missing += queue.length - i;
          return finished();
        }
        this.slot(endMs, (open) => {
          if (!open) return loop();
          this.invoke(t, queue[i], (c) => {
            if (c.type === 'ok') {
              i++;
              loop();
            } else this.o.sched.after(retryMs, loop);
          });
        });
      };
      loop();
    });
  }

  /** One invocation on thread t: the invoke and its completion recorded, the process bumped after info. */
  private invoke(t: number, spec: OpSpec, then: (c: Completion) => void): void {
    const process = this.processes[t];
    const key = spec.key === undefined ? {} : { key: spec.key };
    this.o.record({ process, type: 'invoke', f: spec.f, ...key, value: spec.value ?? null });
    this.o.invoke(t, spec, (c) => {
      this.o.record({ process, type: c.type, f: spec.f, ...key, value: 'value' in c ? c.value : (spec.value ?? null), ...(c.node ? { node: c.node } : {}), ...(c.error ? { error: c.error } : {}) });
      if (c.type === 'info') this.processes[t] = process + this.o.concurrency;
      then(c);
    });
  }

  /** This thread's turn under the shared rate; `go(false)` when the phase ended meanwhile. */
  private slot(endMs: number, go: (open: boolean) => void): void {
    const now = this.o.sched.now();
    if (this.intervalMs === 0 || this.unthrottled) return go(now < endMs);
    const at = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = at + this.intervalMs;
    if (at <= now) return go(true);
    this.o.sched.at(at, () => go(this.o.sched.now() < endMs));
  }

  private barrier(n: number, done: () => void): () => void {
    let left = n;
    if (left === 0) this.o.sched.after(0, done);
    return () => {
      if (--left === 0) done();
    };
  }
}
