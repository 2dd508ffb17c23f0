/**
 * The in-process client of the register and kv workloads in a simulated run: an op (read /
 * write / cas of one key, workloads/kv.ts) becomes the core Command paxos/http.ts makes of it,
 * and the answer becomes the completion paxos/clients.ts's KvClient makes of the HTTP reply:
 * ok; fail when certainly not applied (cas-mismatch, not-leader, connection refused); info when
 * unknown (the core's unknown, a reset, the op timeout, in virtual time). An indeterminate read
 * changed nothing and is a fail, as in the real client.
 */
import type { Completion } from '../../ground/client.js';
import type { OpSpec } from '../../ground/workload.js';
import type { Command } from '../../paxos/core/types.js';
import type { Answer, SimCluster } from './cluster.js';
import type { Scheduler } from './scheduler.js';

/** The ops the simulated client speaks (the kv client's). */
export const SIM_OPS = ['read', 'write', 'cas'] as const;

export function commandOf(spec: OpSpec): Command {
  if (spec.key === undefined) throw new Error(`sim client: op ${spec.f} without a key`);
  switch (spec.f) {
    case 'read':
      return { op: 'read', key: spec.key };
    case 'write':
      return { op: 'write', key: spec.key, value: spec.value as number };
    case 'cas': {
      const [from, to] = spec.value as [number, number];
      return { op: 'cas', key: spec.key, from, to };
    }
    default:
      throw new Error(`sim client: unknown op ${spec.f} (the simulated client speaks ${SIM_OPS.join(', ')})`);
  }
}

export function completionOf(spec: OpSpec, a: Answer | { type: 'timeout' }): Completion {
  switch (a.type) {
    case 'ok':
      return spec.f === 'read' ? { type: 'ok', value: a.value ?? null } : { type: 'ok' };
    case 'fail':
      return { type: 'fail', error: a.error };
    case 'refused':
      return { type: 'fail', error: 'econnrefused' };
    case 'reset':
      return { type: 'info', error: 'econnreset' };
    case 'timeout':
      return { type: 'info', error: 'timeout' };
    case 'unknown':
      return { type: 'info', error: a.error };
  }
}

/** Runs one op on `node`: the completion (once), by the answer or the op timeout, whichever comes first. */
export function invokeOn(cluster: SimCluster, sched: Scheduler, node: string, opTimeoutMs: number, spec: OpSpec, done: (c: Completion) => void): void {
  let settled = false;
  const settle = (a: Answer | { type: 'timeout' }) => {
    if (settled) return;
    settled = true;
    const c = completionOf(spec, a);
    done({ ...(c.type === 'info' && spec.f === 'read' ? { ...c, type: 'fail', error: `read-indeterminate: ${c.error}` } : c), node });
  };
  sched.after(opTimeoutMs, () => settle({ type: 'timeout' }));
  cluster.submit(node, commandOf(spec), settle);
}
