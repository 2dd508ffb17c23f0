/**
 * The set workload: unique adds, then reads of the whole set.
 *
 * An add of element n is a plain write of key `set-<n>` (value n); a read reads every key
 * `set-0..set-<N-1>` ever attempted, in txns of 'r' ops of at most MAX_TXN_OPS keys each (the
 * node's limit), one after another. Each chunk is atomic; the whole read is not one snapshot,
 * but the set only grows, so every element present before the read began is seen and every
 * element seen was present at some point during the read: what the set checker relies on
 * (it is not fed to the linearizability search). Why distinct keys rather than cas onto one list: concurrent
 * cas-appends contend on a single key, so most adds would fail with cas-mismatch and the test
 * would exercise little; independent writes never conflict, every add is a real replicated
 * write, and a lost acknowledged add shows up as a missing key in the final read.
 * Op shapes: add value n; read value null -> ok value [sorted elements].
 */
import type { Client } from '../ground/client.js';
import type { CheckersOf, Workload, WorkloadOptions } from '../ground/workload.js';

/** The key a set element `n` is written under (set-<n>). */
export const setKeyOf = (n: number) => `set-${n}`;

/**
 * What a suite gives the set workload: a client made with `attempted()` (how many elements were
 * handed out so far, shared by every thread: a read reads set-0..set-<attempted-1>), checkers.
 */
export interface SetParts {
  client: (attempted: () => number) => Client;
  checkers: CheckersOf;
}

export function setWorkload(_opts: WorkloadOptions, { client, checkers }: SetParts): Workload {
  let next = 0;
  return {
    name: 'set',
    client: () => client(() => next),
    nextOp(rng) {
      // Mostly adds; a few reads during the run show adds becoming visible.
      if (next > 0 && rng.chance(0.1)) return { f: 'read', value: null };
      return { f: 'add', value: next++ };
    },
    recoveryOp: () => ({ f: 'read', value: null }),
    finalOps: () => [{ f: 'read', value: null }],
    checkers,
  };
}
