/**
 * The generator: Jepsen's process model. `concurrency` threads, each with exactly one
 * outstanding op. Thread t starts as process t; when an op's outcome is unknown (`info`) that
 * process is considered crashed forever and the thread continues as process t + concurrency
 * (then t + 2*concurrency, ...), so a crashed op never has a successor in its process.
 * Ops come from the workload, drawn from a per-thread Rng forked from the run's seed. A shared
 * schedule limits the total rate. Phases (main, recovery, final reads) reuse the same threads,
 * so process ids keep counting across phases.
 */
import type { Client, Completion } from './client.js';
import type { Op } from './history.js';
import type { OpFields } from './historyWriter.js';
import { Rng } from './rng.js';
import type { OpSpec } from '../workloads/workload.js';

export interface ThreadsOptions {
  /** One opened client per thread (thread t uses clients[t]). */
  clients: Client[];
  /** Appends to the history (stamps index and time). */
  record: (fields: OpFields) => Op;
  rng: Rng;
  /** Total ops per second across all threads. */
  rate: number;
}

export class ClientThreads {
  readonly concurrency: number;
  /** The current process id of each thread. */
  readonly processes: number[];
  private readonly rngs: Rng[];
  private readonly intervalMs: number;
  private nextSlotMs = 0;

  constructor(private readonly opts: ThreadsOptions) {
    this.concurrency = opts.clients.length;
    if (this.concurrency < 1) throw new Error('generator: need at least one client thread');
    if (!(opts.rate > 0)) throw new Error(`generator: rate must be > 0, got ${opts.rate}`);
    this.processes = opts.clients.map((_, t) => t);
    this.rngs = opts.clients.map(() => opts.rng.fork());
    this.intervalMs = 1000 / opts.rate;
  }

  /**
   * Runs every thread until `signal` aborts (the op in flight still completes or times out) or
   * `nextOp` returns null for that thread. Resolves when every thread has stopped.
   */
  async runPhase(nextOp: (rng: Rng, thread: number) => OpSpec | null, signal: AbortSignal): Promise<void> {
    await Promise.all(
      this.opts.clients.map(async (_, t) => {
        while (!signal.aborted) {
          if (!(await this.waitForSlot(signal))) return;
          const spec = nextOp(this.rngs[t], t);
          if (spec === null) return;
          await this.invoke(t, spec);
        }
      }),
    );
  }

  /**
   * Runs each thread's list of ops, each to an ok completion: an op that ends fail/info is
   * retried (as a new invocation) until it succeeds or `signal` aborts. `perThread[t]` is the
   * list for thread t. Returns how many ops never completed ok.
   */
  async runUntilOk(perThread: OpSpec[][], signal: AbortSignal, retryDelayMs = 200): Promise<number> {
    if (perThread.length > this.concurrency) throw new Error(`generator: ${perThread.length} op lists for ${this.concurrency} threads`);
    let missing = 0;
    await Promise.all(
      perThread.map(async (queue, t) => {
        for (const spec of queue) {
          let ok = false;
          while (!ok && !signal.aborted) {
            if (!(await this.waitForSlot(signal))) break;
            ok = (await this.invoke(t, spec)).type === 'ok';
            if (!ok) await sleep(retryDelayMs, signal);
          }
          if (!ok) missing++;
        }
      }),
    );
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

  /** Waits for this thread's turn under the shared rate; false when the phase ended meanwhile. */
  private async waitForSlot(signal: AbortSignal): Promise<boolean> {
    const now = performance.now();
    const at = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = at + this.intervalMs;
    if (at > now) await sleep(at - now, signal);
    return !signal.aborted;
  }
}

function keyOf(spec: OpSpec): { key?: string } {
  return spec.key === undefined ? {} : { key: spec.key };
}

/**
 * A signal that aborts after `ms`, or as soon as `parent` aborts. Built on a plain timer on
 * purpose: with Node 20, `AbortSignal.any([.., AbortSignal.timeout(ms)])` can lose its timeout
 * to garbage collection and never fire (seen here: a 2 s recovery phase ran for minutes under
 * GC pressure). `clear()` releases the timer and the listener once the phase is over.
 */
export function deadline(ms: number, parent?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent!.reason);
  const timer = setTimeout(() => controller.abort(new Error(`deadline of ${ms} ms`)), ms);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** Runs `fn` under a deadline (see above) and releases it afterwards. */
export async function withDeadline<T>(ms: number, parent: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(ms, parent);
  try {
    return await fn(d.signal);
  } finally {
    d.clear();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
