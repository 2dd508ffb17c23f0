/**
 * Time as every layer waits on it: a deadline signal that cannot be lost to GC, a deadline around
 * one call, and an abortable sleep.
 */
/** A phase's deadline: its signal, and how to release it early. */
export interface Deadline {
  /** Aborts when the time is up or the parent aborts. */
  signal: AbortSignal;
  /** Releases the timer and the listener once the phase is over. */
  clear(): void;
}

/**
 * A signal that aborts after `ms`, or as soon as `parent` aborts. Built on a plain timer on
 * purpose: with Node 20, `AbortSignal.any([.., AbortSignal.timeout(ms)])` can lose its timeout
 * to garbage collection and never fire (seen here: a 2 s recovery phase ran for minutes under
 * GC pressure). `clear()` releases the timer and the listener once the phase is over.
 */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
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

/**
 * Time as a nemesis waits on it (NemesisContext.time): the wall clock in a real run
 * (wallTimers), the Scheduler's virtual time in the simulator (harness/sim/scheduler.ts), so
 * one fault's code paces itself alike on every runtime.
 */
export interface Timers {
  /** Ms on a monotonic clock (virtual ms in the simulator): only differences mean anything. */
  now(): number;
  /** Resolves `ms` from now. */
  sleep(ms: number): Promise<void>;
  /**
   * Calls `fn` every `ms` until cancelled, one call at a time (a tick that finds the last call
   * still running is skipped, so a slow runtime never builds a backlog; a failing call is
   * ignored: the next one tries again). The returned cancel stops the calls and resolves once
   * the one in flight, if any, is over.
   */
  every(ms: number, fn: () => unknown): () => Promise<void>;
}

/** Real timers. every's interval is unref'd: a harness that crashes before a stop must still exit. */
export const wallTimers: Timers = {
  now: () => performance.now(),
  sleep: (ms) => sleep(ms),
  every(ms, fn) {
    let inFlight: Promise<void> | null = null;
    const timer = setInterval(() => {
      inFlight ??= Promise.resolve()
        .then(fn)
        .then(
          () => {},
          () => {},
        )
        .finally(() => (inFlight = null));
    }, ms);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await inFlight;
    };
  },
};
