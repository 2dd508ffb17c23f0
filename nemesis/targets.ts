/**
 * Which nodes a fault hits: Jepsen's node specs (one, minority, majority, all) as pure
 * functions of (nodes, rng), plus `leader` (Jepsen's :primaries), the node the Db names as
 * leader when asked at the moment of the fault (a random node when none is known).
 */
import type { Rng } from '../ground/rng.js';
import type { NodeName } from '../ground/runtime.js';
import { majority } from './grudges.js';
import type { NemesisContext } from '../ground/nemesis.js';

export const TARGETS = ['one', 'minority', 'majority', 'all'] as const;
export type Target = (typeof TARGETS)[number];
/** Node specs a fault may be aimed with: the sized ones, or the current leader. */
export const NODE_TARGETS = [...TARGETS, 'leader'] as const;
export type NodeTarget = (typeof NODE_TARGETS)[number];

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

/**
 * Draws one spec among `targets` and resolves it to nodes. `detail` names what was hit, for the
 * fault coverage: the spec, or `leader?` when no node was named leader and a random one stood in.
 */
export async function resolveTargets(targets: readonly NodeTarget[], ctx: NemesisContext): Promise<{ nodes: NodeName[]; detail: string }> {
  const target = ctx.rng.pick(targets);
  if (target !== 'leader') return { nodes: pickTargets(target, ctx.nodes, ctx.rng), detail: target };
  const leader = await ctx.leader();
  if (leader !== null && ctx.nodes.includes(leader)) return { nodes: [leader], detail: 'leader' };
  return { nodes: pickTargets('one', ctx.nodes, ctx.rng), detail: 'leader?' };
}
