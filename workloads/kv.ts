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
import type { Completion } from '../ground/client.js';
import type { Op } from '../ground/history.js';
import { KeyGroups } from '../harness/generator.js';
import type { Rng } from '../ground/rng.js';
import { HttpClient, notOk, type NodeHttp } from './http.js';
import type { CheckersOf, OpSpec, Workload, WorkloadOptions } from '../ground/workload.js';

export class KvClient extends HttpClient {
  protected isRead(op: Op): boolean {
    return op.f === 'read';
  }

  protected async run(op: Op, http: NodeHttp): Promise<Completion> {
    if (op.key === undefined) throw new Error(`kv client: op ${op.f} without a key`);
    const path = `/kv/${encodeURIComponent(op.key)}`;
    switch (op.f) {
      case 'read': {
        const out = await http.call('GET', path);
        if (out.kind !== 'ok') return notOk(out);
        if (!out.body || !('value' in out.body)) return { type: 'fail', error: 'malformed-read-response' };
        return { type: 'ok', value: out.body.value };
      }
      case 'write': {
        const out = await http.call('PUT', path, { value: op.value });
        return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
      }
      case 'cas': {
        const [from, to] = op.value as [number, number];
        const out = await http.call('POST', `${path}/cas`, { from, to });
        return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
      }
      default:
        throw new Error(`kv client: unknown op ${op.f}`);
    }
  }
}

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
    client: () => new KvClient(opts.opTimeoutMs),
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

export function registerWorkload(opts: WorkloadOptions, checkers: CheckersOf): Workload {
  // Five values (Jepsen's choice): enough that a stale read shows, few enough that cas succeeds.
  const groups = new KeyGroups(opts.concurrency, OPS_PER_KEY);
  return kvWorkload({ name: 'register', key: (_, t) => `r${groups.next(t)}`, maxValue: 4, checkers }, opts);
}

export function kvWorkloadOf(opts: WorkloadOptions, checkers: CheckersOf): Workload {
  const groups = new KeyGroups(opts.concurrency, KV_KEYS * OPS_PER_KEY);
  return kvWorkload({ name: 'kv', key: (rng, t) => `k${KV_KEYS * groups.next(t) + rng.int(0, KV_KEYS - 1)}`, maxValue: 4, checkers }, opts);
}
