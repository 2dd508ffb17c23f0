/**
 * Keys for keyed workloads, as Jepsen's independent generator hands them out.
 */

/** Threads that share a key at most (Jepsen's independent generator uses groups of n threads). */
export const THREADS_PER_KEY = 10;

/**
 * Jepsen's independent/concurrent-generator: the threads are split into groups of at most
 * THREADS_PER_KEY (contiguous thread numbers, so a group spans the nodes), each group works on
 * one key at a time and takes a fresh one after `opsPerKey` invocations by its threads. So a
 * key's history has a bounded length and concurrency however many threads run, and the
 * linearizability search over it stays small. The keys are integers: group g's k-th is
 * g + k * groups, so which keys a run uses depends only on its concurrency.
 */
export class KeyGroups {
  readonly groups: number;
  private readonly invoked: number[];

  constructor(
    private readonly concurrency: number,
    private readonly opsPerKey: number,
  ) {
    if (!(Number.isSafeInteger(concurrency) && concurrency >= 1)) throw new Error(`key groups: concurrency must be an integer >= 1, got ${concurrency}`);
    this.groups = Math.ceil(concurrency / THREADS_PER_KEY);
    this.invoked = new Array<number>(this.groups).fill(0);
  }

  groupOf(thread: number): number {
    return Math.floor((thread * this.groups) / this.concurrency);
  }

  /** The key of thread t's next invocation (counts it against its group's key). */
  next(thread: number): number {
    const g = this.groupOf(thread);
    return g + this.groups * Math.floor(this.invoked[g]++ / this.opsPerKey);
  }
}
