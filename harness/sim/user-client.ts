/**
 * The client of a user's simulated system: a workload op becomes the system's request
 * (SimSystem.request), its reply a completion (SimSystem.completion); what the harness sees of
 * the connection maps as the paxos client's (client.ts): refused is fail, a reset or the op
 * timeout info, except for ops the system calls readOnly, which fail (they changed nothing).
 */
import type { Completion } from '../../ground/client.js';
import type { SimSystem } from '../../ground/sim.js';
import type { OpSpec } from '../../ground/workload.js';
import type { Scheduler } from './scheduler.js';
import type { UserAnswer, UserCluster } from './user-cluster.js';

/** Runs one op on `node`: the completion (once), by the reply or the op timeout, whichever comes first. */
export function invokeUser(cluster: UserCluster, system: SimSystem, sched: Scheduler, node: string, opTimeoutMs: number, spec: OpSpec, done: (c: Completion) => void): void {
  let settled = false;
  const settle = (a: UserAnswer | { type: 'timeout' }) => {
    if (settled) return;
    settled = true;
    done({ ...completionOf(system, spec, a), node });
  };
  sched.after(opTimeoutMs, () => settle({ type: 'timeout' }));
  cluster.submit(node, system.request(spec), settle);
}

function completionOf(system: SimSystem, spec: OpSpec, a: UserAnswer | { type: 'timeout' }): Completion {
  if (a.type === 'reply') return system.completion(spec, a.reply);
  if (a.type === 'refused') return { type: 'fail', error: 'econnrefused' };
  const error = a.type === 'reset' ? 'econnreset' : 'timeout';
  return system.readOnly?.includes(spec.f) ? { type: 'fail', error: `indeterminate: ${error}` } : { type: 'info', error };
}
