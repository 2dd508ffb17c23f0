/**
 * The register and kv workloads: reads, writes and compare-and-set on small integers.
 *   register: ONE key at a time: every thread works on the same register (the clearest case for
 *             a stale read: every op touches the same state), and after OPS_PER_REGISTER
 *             invocations all move on to a fresh one, as Jepsen's independent generator does.
 *             Without that, every indeterminate (info) op stays concurrent with the rest of the
 *             run and a long run with kills is beyond any checker (Knossos's blow-up); with it,
 *             each register's history is bounded and the kv model checks them one by one.
 *   kv:       many keys, checked per key (P-compositionality keeps each sub-history small).
 * Op shapes (Knossos'): read value null -> ok value V|null; write value V; cas value [from, to].
 */
import type { Completion } from '../harness/client.js';
import type { Op } from '../harness/history.js';
import type { Rng } from '../harness/rng.js';
import { HttpClient, notOk, type NodeHttp } from './http.js';
import type { CheckersOf, OpSpec, Workload, WorkloadOptions } from './workload.js';

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

/** Invocations per register before the register workload moves on to a fresh key. */
export const OPS_PER_REGISTER = 128;

interface KvShape {
  name: 'register' | 'kv';
  /** The keys the next op may touch (called once per op). */
  keys: () => readonly string[];
  /** Values are drawn from 0..maxValue. */
  maxValue: number;
  checkers: CheckersOf;
}

function kvWorkload(shape: KvShape, opts: WorkloadOptions): Workload {
  // Every key an op was drawn for: the final reads read each of them from every node.
  const touched = new Set<string>();
  const pickKey = (rng: Rng): string => {
    const key = rng.pick(shape.keys());
    touched.add(key);
    return key;
  };
  const read = (rng: Rng): OpSpec => ({ f: 'read', key: pickKey(rng), value: null });
  return {
    name: shape.name,
    client: () => new KvClient(opts.opTimeoutMs),
    nextOp(rng) {
      const key = pickKey(rng);
      const roll = rng.float();
      if (roll < 0.5) return { f: 'read', key, value: null };
      if (roll < 0.75) return { f: 'write', key, value: rng.int(0, shape.maxValue) };
      return { f: 'cas', key, value: [rng.int(0, shape.maxValue), rng.int(0, shape.maxValue)] };
    },
    recoveryOp: read,
    finalOps: () => [...touched].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((key) => ({ f: 'read', key, value: null })),
    checkers: shape.checkers,
  };
}

export function registerWorkload(opts: WorkloadOptions, checkers: CheckersOf): Workload {
  // Five values (Jepsen's choice): enough that a stale read shows, few enough that cas succeeds.
  let invoked = 0;
  const current = (): string[] => [`r${Math.floor(invoked++ / OPS_PER_REGISTER)}`];
  return kvWorkload({ name: 'register', keys: current, maxValue: 4, checkers }, opts);
}

export function kvWorkloadOf(opts: WorkloadOptions, checkers: CheckersOf): Workload {
  const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
  return kvWorkload({ name: 'kv', keys: () => keys, maxValue: 4, checkers }, opts);
}
