/**
 * What the harness takes from a TestDefinition for one run: the chosen workload, and the
 * checkers that judge it (the workload's own, then the suite's).
 */
import type { Checker } from '../ground/checker.js';
import { UsageError } from '../ground/runtime.js';
import type { TestDefinition } from '../ground/test.js';
import type { Workload, WorkloadOptions } from '../ground/workload.js';

/** The workload `name` of `test`, built for this run; UsageError naming the choices when unknown. */
export function workloadOf(test: TestDefinition, name: string, opts: WorkloadOptions): Workload {
  const factory = Object.hasOwn(test.workloads, name) ? test.workloads[name] : undefined;
  if (!factory) throw new UsageError(`${test.name} has no workload "${name}"; it has: ${Object.keys(test.workloads).join(', ')}`);
  return factory(opts);
}

/** The workload's checkers, then the suite's own for it. */
export async function checkersOf(test: TestDefinition, name: string, workload: Workload): Promise<Checker[]> {
  const [own, suite] = await Promise.all([workload.checkers(), test.checkers?.(name) ?? []]);
  return [...own, ...suite];
}
