/**
 * The transactional workloads, judged by the Elle-style checker (checkers/elle/):
 *   append: txns of `["append", k, v]` / `["r", k, null]` micro-ops on lists (list-append)
 *   wr:     txns of `["w", k, v]` / `["r", k, null]` micro-ops on registers (rw-register)
 * Every op is `{f: 'txn', value: [micro-ops]}`; an ok completion carries the same micro-ops
 * with each read's value filled in (append: the list, [] when absent; wr: the value or null).
 *
 * As in Jepsen's generator, a few keys are active at a time (small lists, many txns per key:
 * that is what makes dependencies to infer) and a key is retired for a fresh one after
 * WRITES_PER_KEY writes, so lists stay short and reads cheap. Values are unique per key
 * (1, 2, 3, ... per key): Elle infers who wrote what from the values alone.
 * Final reads: one read txn per key ever touched, labelled with `key` so that the final-reads
 * checker compares the nodes key by key.
 */
import type { Client } from '../ground/client.js';
import type { Rng } from '../ground/rng.js';
import type { CheckersOf, OpSpec, Workload, WorkloadOptions } from '../ground/workload.js';

/** Keys in use at a time. */
export const ACTIVE_KEYS = 5;
/** Writes to a key before it is replaced by a fresh one. */
export const WRITES_PER_KEY = 32;
/** Micro-ops per txn: 1..MAX_MOPS. */
export const MAX_MOPS = 4;

/** One micro-op: [f, key, value]; keys are small integers. */
export type MicroOp = [f: 'append' | 'w' | 'r', key: number, value: unknown];

/** What a suite gives a transactional workload: its client (one per thread) and checkers. */
export interface TxnParts {
  /** Makes one thread's client, which runs each txn op as one transaction of the system under test. */
  client: () => Client;
  /** The checkers of the workload's history (the Elle checker and the usual ones). */
  checkers: CheckersOf;
}

/** The micro-ops of a txn op (throws on anything else: a client bug, not a test result). */
export function microOps(op: { f: string; value?: unknown }): MicroOp[] {
  if (op.f !== 'txn' || !Array.isArray(op.value)) throw new Error(`txn client: unknown op ${op.f}`);
  return op.value as MicroOp[];
}

function txnWorkload(name: 'append' | 'wr', write: 'append' | 'w', { client, checkers }: TxnParts): Workload {
  let keys = Array.from({ length: ACTIVE_KEYS }, (_, i) => i);
  let nextKey = ACTIVE_KEYS;
  const written = new Map<number, number>();
  const read = (rng: Rng): OpSpec => ({ f: 'txn', value: rng.shuffle(keys).slice(0, rng.int(1, MAX_MOPS)).map((k): MicroOp => ['r', k, null]) });
  return {
    name,
    client,
    nextOp(rng) {
      const mops: MicroOp[] = [];
      for (let i = rng.int(1, MAX_MOPS); i > 0; i--) {
        const slot = rng.int(0, keys.length - 1);
        const k = keys[slot];
        if (rng.chance(0.5)) {
          mops.push(['r', k, null]);
          continue;
        }
        const v = (written.get(k) ?? 0) + 1;
        written.set(k, v);
        mops.push([write, k, v]);
        if (v >= WRITES_PER_KEY) keys = keys.map((x, j) => (j === slot ? nextKey++ : x));
      }
      return { f: 'txn', value: mops };
    },
    recoveryOp: (rng) => read(rng),
    finalOps: () => [...written.keys()].sort((a, b) => a - b).map((k) => ({ f: 'txn', key: String(k), value: [['r', k, null]] })),
    checkers,
  };
}

/** List-append txns (judged as list-append histories). */
export function appendWorkload(_opts: WorkloadOptions, parts: TxnParts): Workload {
  return txnWorkload('append', 'append', parts);
}

/** Read-write register txns (judged as rw-register histories). */
export function wrWorkload(_opts: WorkloadOptions, parts: TxnParts): Workload {
  return txnWorkload('wr', 'w', parts);
}
