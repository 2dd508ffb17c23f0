/**
 * The generator: Jepsen's process model. `concurrency` threads, each with exactly one
 * outstanding op. Thread t starts as process t; when an op's outcome is unknown (`info`) that
 * process is considered crashed forever and the thread continues as process t + concurrency
 * (then t + 2*concurrency, ...), so a crashed op never has a successor in its process.
 * Ops come from the workload, drawn from a per-thread Rng forked from the run's seed. A shared
 * schedule limits the total rate (0: none). Phases (main, recovery, final reads) reuse the same
 * threads, so process ids keep counting across phases. Burst threads (the last `burstThreads`)
 * run only while the burst nemesis has lifted the rate limit, so a burst drives the system near
 * its capacity. KeyGroups splits the threads into groups
 * that each work on one key at a time (Jepsen's independent generator).
 */
import type { Client, Completion } from '../ground/client.js';
import type { Op } from '../ground/history.js';
import type { OpFields } from './historyWriter.js';
import { Rng } from '../ground/rng.js';
import type { Generator } from '../ground/generator.js';
import type { OpSpec } from '../ground/workload.js';

export interface ThreadsOptions {
  /** One opened client per thread (thread t uses clients[t]). */
  clients: Client[];
  /** Appends to the history (stamps index and time). */
  record: (fields: OpFields) => Op;
  rng: Rng;
  /** Total ops per second across all threads; 0 = unlimited. */
  rate: number;
  /**
   * How many of the clients (the last ones) belong to burst threads, which run only while the
   * rate limit is lifted (unthrottle): a burst drives the system with every thread, near its
   * capacity, not just the steady ones. Default 0.
   */
  burstThreads?: number;
}

export class ClientThreads {
  readonly concurrency: number;
  /** The current process id of each thread. */
  readonly processes: number[];
  private readonly rngs: Rng[];
  private readonly intervalMs: number;
  private nextSlotMs = 0;
  private unthrottled = false;
  /** Threads below this index run always; the rest only during a burst. */
  private readonly steady: number;
  /** Burst threads waiting for the next burst. */
  private readonly burstWaiters = new Set<() => void>();

  constructor(private readonly opts: ThreadsOptions) {
    this.concurrency = opts.clients.length;
    if (this.concurrency < 1) throw new Error('generator: need at least one client thread');
    if (!(opts.rate >= 0)) throw new Error(`generator: rate must be >= 0, got ${opts.rate}`);
    this.processes = opts.clients.map((_, t) => t);
    this.rngs = opts.clients.map(() => opts.rng.fork());
    this.intervalMs = opts.rate === 0 ? 0 : 1000 / opts.rate;
    const burst = opts.burstThreads ?? 0;
    if (!(Number.isSafeInteger(burst) && burst >= 0 && burst < this.concurrency)) throw new Error(`generator: burst threads must be 0..${this.concurrency - 1}, got ${burst}`);
    this.steady = this.concurrency - burst;
  }

  /**
   * Runs every thread until `signal` aborts (the op in flight still completes or times out) or
   * `nextOp` returns null for that thread. Resolves when every thread has stopped.
   */
  async runPhase(nextOp: (rng: Rng, thread: number) => OpSpec | null, signal: AbortSignal): Promise<void> {
    const sleeps = new Sleeps(signal);
    try {
      await Promise.all(
        this.opts.clients.map(async (_, t) => {
          while (!signal.aborted) {
            if (t >= this.steady && !this.unthrottled) {
              await sleeps.until((wake) => this.burstWaiters.add(wake), (wake) => this.burstWaiters.delete(wake));
              continue;
            }
            if (!(await this.waitForSlot(sleeps))) return;
            const spec = nextOp(this.rngs[t], t);
            if (spec === null) return;
            await this.invoke(t, spec);
          }
        }),
      );
    } finally {
      sleeps.dispose();
    }
  }

  /**
   * Runs a client generator (Workload.generator) on every steady thread until `signal` aborts
   * or the thread's cursor is exhausted: each thread opens it (consumer 'clients', the thread's
   * own Rng), sleeps when it says so, performs its ops under the shared rate limit, and tells
   * each outcome back. Burst threads stay idle.
   */
  async runGenerator(gen: Generator, signal: AbortSignal): Promise<void> {
    const sleeps = new Sleeps(signal);
    try {
      await Promise.all(
        this.opts.clients.slice(0, this.steady).map(async (_, t) => {
          const cursor = gen.open({ rng: this.rngs[t], consumer: 'clients' });
          const began = performance.now();
          while (!signal.aborted) {
            const e = cursor.next(performance.now() - began);
            if (e === null) return;
            if ('sleepMs' in e) {
              await sleeps.sleep(e.sleepMs);
              continue;
            }
            if (!(await this.waitForSlot(sleeps))) return;
            const done = await this.invoke(t, { f: e.op.f, ...(e.op.key === undefined ? {} : { key: e.op.key }), ...(e.op.value === undefined ? {} : { value: e.op.value }) });
            cursor.completed?.(e.op, done.type);
          }
        }),
      );
    } finally {
      sleeps.dispose();
    }
  }

  /**
   * Runs each thread's list of ops, each to an ok completion: an op that ends fail/info is
   * retried (as a new invocation) until it succeeds or `signal` aborts. `perThread[t]` is the
   * list for thread t. Returns how many ops never completed ok.
   */
  async runUntilOk(perThread: OpSpec[][], signal: AbortSignal, retryDelayMs = 200): Promise<number> {
    if (perThread.length > this.concurrency) throw new Error(`generator: ${perThread.length} op lists for ${this.concurrency} threads`);
    let missing = 0;
    const sleeps = new Sleeps(signal);
    try {
      await Promise.all(
        perThread.map(async (queue, t) => {
          for (const spec of queue) {
            let ok = false;
            while (!ok && !signal.aborted) {
              if (!(await this.waitForSlot(sleeps))) break;
              ok = (await this.invoke(t, spec)).type === 'ok';
              if (!ok) await sleeps.sleep(retryDelayMs);
            }
            if (!ok) missing++;
          }
        }),
      );
    } finally {
      sleeps.dispose();
    }
    return missing;
  }

  /** One invocation on thread t: invoke, completion, and the process bump after info. */
  private async invoke(t: number, spec: OpSpec): Promise<Completion> {
    const process = this.processes[t];
    this.opts.record({ process, type: 'invoke', f: spec.f, ...keyOf(spec), value: spec.value ?? null });
    let done: Completion;
    try {
      done = await this.opts.clients[t].invoke({ index: -1, time: -1, process, type: 'invoke', f: spec.f, ...keyOf(spec), value: spec.value ?? null });
    } catch (err) {
      // A client that throws has a bug, but the op may have reached the node: indeterminate.
      done = { type: 'info', error: `client-threw: ${(err as Error).message}` };
    }
    this.opts.record({
      process,
      type: done.type,
      f: spec.f,
      ...keyOf(spec),
      value: 'value' in done ? done.value : (spec.value ?? null),
      ...(done.node ? { node: done.node } : {}),
      ...(done.error ? { error: done.error } : {}),
    });
    if (done.type === 'info') this.processes[t] = process + this.concurrency;
    return done;
  }

  /** Lifts the rate limit (a load burst) until called with false; the schedule restarts from now. */
  unthrottle(on: boolean): void {
    this.unthrottled = on;
    if (!on) this.nextSlotMs = performance.now();
    else for (const wake of [...this.burstWaiters]) wake();
  }

  /** Waits for this thread's turn under the shared rate; false when the phase ended meanwhile. */
  private async waitForSlot(sleeps: Sleeps): Promise<boolean> {
    if (this.intervalMs === 0 || this.unthrottled) return !sleeps.signal.aborted;
    const now = performance.now();
    const at = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = at + this.intervalMs;
    if (at > now) await sleeps.sleep(at - now);
    return !sleeps.signal.aborted;
  }
}

/**
 * Sleeps that all end when one signal aborts, through a single listener on it: one listener per
 * waiting thread would pass Node's limit of 10 per EventTarget (MaxListenersExceededWarning).
 */
class Sleeps {
  private readonly wakers = new Set<() => void>();
  private readonly wakeAll = () => {
    for (const wake of this.wakers) wake();
  };

  constructor(readonly signal: AbortSignal) {
    signal.addEventListener('abort', this.wakeAll, { once: true });
  }

  /**
   * Resolves once the wake function given to `register` is called, or the signal aborts (never
   * rejects); `unregister` is called with it either way.
   */
  until(register: (wake: () => void) => void, unregister: (wake: () => void) => void): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.wakers.delete(wake);
        unregister(wake);
        resolve();
      };
      this.wakers.add(wake);
      register(wake);
    });
  }

  /** Resolves after `ms`, or at once when the signal aborts (never rejects). */
  sleep(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  dispose(): void {
    this.signal.removeEventListener('abort', this.wakeAll);
    this.wakeAll();
  }
}

function keyOf(spec: OpSpec): { key?: string } {
  return spec.key === undefined ? {} : { key: spec.key };
}
