/**
 * The workloads by name, each with the checkers that judge it.
 */
import type { Checker } from '../checkers/checker.js';
import { linearizable } from '../checkers/linearizable/index.js';
import type { WorkloadName } from '../harness/options.js';
import { bankWorkload } from './bank.js';
import { kvWorkloadOf, registerWorkload } from './kv.js';
import { setWorkload } from './set.js';
import type { Workload, WorkloadOptions } from './workload.js';

/** Checkers every workload gets. */
function common(): Checker[] {
  return [];
}

export function createWorkload(name: WorkloadName, opts: WorkloadOptions): Workload {
  switch (name) {
    case 'register':
      return registerWorkload(opts, () => [linearizable({ model: 'cas-register' }), ...common()]);
    case 'kv':
      return kvWorkloadOf(opts, () => [linearizable({ model: 'kv' }), ...common()]);
    case 'set':
      return setWorkload(opts, () => [...common()]);
    case 'bank':
      return bankWorkload(opts, () => [...common()]);
  }
}
