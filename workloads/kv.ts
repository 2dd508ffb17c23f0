/**
 * The register and kv workloads: reads, writes and compare-and-set on small integers, keyed the
 * way Jepsen's independent generator keys them (harness/generator.ts KeyGroups): the threads
 * are split into groups of at most THREADS_PER_KEY, and each group works on its own keys,
 * moving on to fresh ones after OPS_PER_KEY invocations per key. Without that, every
 * indeterminate (info) op stays concurrent with the rest of the run, and at high concurrency
 * every op with dozens of others: a long run with kills, or a fault-free one at c50, is beyond
 * any checker (Knossos's blow-up); with it, each key's history is bounded and the kv model
 * checks them one by one.
 *   register: each group on ONE register at a time (the clearest case for a stale read: every
 *             op of the group touches the same state).
 *   kv:       each group on 8 keys at a time, picked at random per op.
 * Op shapes (Knossos'): read value null -> ok value V|null; write value V; cas value [from, to].
 */
import type { Client } from '../ground/client.js';
import type { Rng } from '../ground/rng.js';
import type { CheckersOf, Workload, WorkloadOptions } from '../ground/workload.js';
import { KeyGroups } from './keys.js';

/** Invocations per key before a group of threads moves on to a fresh one. */
export const OPS_PER_KEY = 128;

/** Keys a kv group works on at a time. */
const KV_KEYS = 8;

interface KvShape {
  name: 'register' | 'kv';
  /** The key of thread t's next op (called once per op). */
  key: (rng: Rng, thread: number) => string;
  /** Values are drawn from 0..maxValue. */
  maxValue: number;
  checkers: CheckersOf;
  client: () => Client;
}

function kvWorkload(shape: KvShape, opts: WorkloadOptions): Workload {
  // Every key an op was drawn for: the final reads read each of them from every node.
  const touched = new Set<string>();
  const pickKey = (rng: Rng, thread: number): string => {
    const key = shape.key(rng, thread);
    touched.add(key);
    return key;
  };
  return {
    name: shape.name,
    client: shape.client,
    nextOp(rng, thread) {
      const key = pickKey(rng, thread);
      const roll = rng.float();
      if (roll < 0.5) return { f: 'read', key, value: null };
      if (roll < 0.75) return { f: 'write', key, value: rng.int(0, shape.maxValue) };
      return { f: 'cas', key, value: [rng.int(0, shape.maxValue), rng.int(0, shape.maxValue)] };
    },
    recoveryOp: (rng, thread) => ({ f: 'read', key: pickKey(rng, thread), value: null }),
    finalOps: () => [...touched].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((key) => ({ f: 'read', key, value: null })),
    checkers: shape.checkers,
  };
}

/** What a suite gives a workload: its client (one per thread) and the checkers that judge it. */
export interface WorkloadParts<C extends Client = Client> {
  client: () => C;
  checkers: CheckersOf;
}

export function registerWorkload(opts: WorkloadOptions, { client, checkers }: WorkloadParts): Workload {
  // Five values (Jepsen's choice): enough that a stale read shows, few enough that cas succeeds.
  const groups = new KeyGroups(opts.concurrency, OPS_PER_KEY);
  return kvWorkload({ name: 'register', key: (_, t) => `r${groups.next(t)}`, maxValue: 4, checkers, client }, opts);
}

export function kvWorkloadOf(opts: WorkloadOptions, { client, checkers }: WorkloadParts): Workload {
  const groups = new KeyGroups(opts.concurrency, KV_KEYS * OPS_PER_KEY);
  return kvWorkload({ name: 'kv', key: (rng, t) => `k${KV_KEYS * groups.next(t) + rng.int(0, KV_KEYS - 1)}`, maxValue: 4, checkers, client }, opts);
}
