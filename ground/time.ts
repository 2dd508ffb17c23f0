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
