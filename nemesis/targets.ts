/**
 * Which nodes a fault hits: Jepsen's node specs (one, minority, majority, all) as pure
 * functions of (nodes, rng).
 */
import type { Rng } from '../harness/rng.js';
import type { NodeName } from '../harness/runtime/runtime.js';
import { majority } from './grudges.js';

export const TARGETS = ['one', 'minority', 'majority', 'all'] as const;
export type Target = (typeof TARGETS)[number];

/** How many nodes a target spec hits in a cluster of n (minority: the largest one, n - majority; at least 1). */
export function targetSize(target: Target, n: number): number {
  switch (target) {
    case 'one':
      return 1;
    case 'minority':
      return Math.max(1, n - majority(n));
    case 'majority':
      return majority(n);
    case 'all':
      return n;
  }
}

/** A random set of nodes for `target`, in cluster order. */
export function pickTargets(target: Target, nodes: NodeName[], rng: Rng): NodeName[] {
  if (nodes.length === 0) throw new Error('no nodes to pick from');
  const chosen = new Set(rng.shuffle(nodes).slice(0, targetSize(target, nodes.length)));
  return nodes.filter((n) => chosen.has(n));
}
