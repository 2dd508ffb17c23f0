/**
 * Partition shapes as pure functions of (nodes, rng) -> Grudge (node -> the nodes whose traffic
 * it drops, Jepsen's convention). The runtime enforces a grudge; these only decide its shape.
 */
import type { Rng } from '../ground/rng.js';
import type { Grudge, NodeName } from '../ground/runtime.js';
import { UsageError } from '../ground/runtime.js';
import { parseNames } from './names.js';

export const PARTITION_SHAPES = ['one', 'majority', 'majorities-ring', 'bridge', 'leader'] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];

/** The smallest majority of n nodes. */
export const majority = (n: number) => Math.floor(n / 2) + 1;

/** Fewest nodes each shape needs to mean what its name says. */
export const MIN_NODES: Record<PartitionShape, number> = { one: 2, majority: 3, 'majorities-ring': 3, bridge: 3, leader: 2 };

/** Every node drops every node outside its own component (components must cover the nodes). */
export function completeGrudge(components: NodeName[][]): Grudge {
  const all = components.flat();
  if (new Set(all).size !== all.length) throw new Error(`components overlap: ${JSON.stringify(components)}`);
  const grudge: Grudge = {};
  for (const comp of components) {
    const inside = new Set(comp);
    for (const n of comp) grudge[n] = all.filter((m) => !inside.has(m));
  }
  return grudge;
}

/** `node` alone on one side, everyone else on the other. */
export function isolate(nodes: NodeName[], node: NodeName): Grudge {
  if (!nodes.includes(node)) throw new Error(`cannot isolate ${node}: not in ${nodes.join(', ')}`);
  return completeGrudge([[node], nodes.filter((n) => n !== node)]);
}

export function oneGrudge(nodes: NodeName[], rng: Rng): Grudge {
  return isolate(nodes, rng.pick(nodes));
}

/** A random minority (the largest: n - majority nodes) cut off from the rest, a majority. */
export function majorityGrudge(nodes: NodeName[], rng: Rng): Grudge {
  const shuffled = rng.shuffle(nodes);
  const m = majority(nodes.length);
  return completeGrudge([shuffled.slice(m), shuffled.slice(0, m)]);
}

/**
 * Jepsen's majorities ring: nodes in a shuffled ring; each node sees a window of `majority`
 * consecutive ring positions around itself and drops the rest. Every node sees a majority, and
 * no two nodes see the same majority (so no leader can gather the same quorum twice).
 */
export function majoritiesRingGrudge(nodes: NodeName[], rng: Rng): Grudge {
  const n = nodes.length;
  if (n < 3) throw new Error('majorities-ring needs at least 3 nodes');
  const ring = rng.shuffle(nodes);
  const m = majority(n);
  const back = Math.floor((m - 1) / 2);
  const grudge: Grudge = {};
  ring.forEach((node, i) => {
    const sees = new Set(Array.from({ length: m }, (_, k) => ring[(i - back + k + n) % n]));
    grudge[node] = ring.filter((x) => !sees.has(x));
  });
  return grudge;
}

/**
 * Two halves and one bridge node that sees both: each half plus the bridge is a majority, the
 * halves cannot talk directly. The bridge drops nobody.
 */
export function bridgeGrudge(nodes: NodeName[], rng: Rng): Grudge {
  if (nodes.length < 3) throw new Error('bridge needs at least 3 nodes');
  const [bridge, ...rest] = rng.shuffle(nodes);
  const half = Math.floor(rest.length / 2);
  const left = rest.slice(0, half);
  const right = rest.slice(half);
  const grudge: Grudge = { [bridge]: [] };
  for (const n of left) grudge[n] = right.slice();
  for (const n of right) grudge[n] = left.slice();
  return grudge;
}

/**
 * The leader cut off in a minority: with as many random followers as keep its side a minority
 * (alone on 3 nodes, with one follower on 5). Its side then holds both a stale leader (writes it
 * takes cannot commit) and, from 5 nodes, a follower that must not serve stale reads; the other
 * side elects a new leader. `leader` is the one the Db named; with none known, a random node.
 */
export function leaderMinorityGrudge(nodes: NodeName[], rng: Rng, leader: NodeName | null): Grudge {
  const lead = leader !== null && nodes.includes(leader) ? leader : rng.pick(nodes);
  const size = Math.max(1, nodes.length - majority(nodes.length));
  const side = [lead, ...rng.shuffle(nodes.filter((n) => n !== lead)).slice(0, size - 1)];
  return completeGrudge([side, nodes.filter((n) => !side.includes(n))]);
}

/** The grudge of a named shape; `leader` cuts off `leader` (the caller asked the Db). */
export function grudgeFor(shape: PartitionShape, nodes: NodeName[], rng: Rng, leader: NodeName | null): Grudge {
  if (nodes.length < MIN_NODES[shape]) throw new UsageError(`partition shape ${shape} needs at least ${MIN_NODES[shape]} nodes, the cluster has ${nodes.length}`);
  switch (shape) {
    case 'one':
      return oneGrudge(nodes, rng);
    case 'majority':
      return majorityGrudge(nodes, rng);
    case 'majorities-ring':
      return majoritiesRingGrudge(nodes, rng);
    case 'bridge':
      return bridgeGrudge(nodes, rng);
    case 'leader':
      return leaderMinorityGrudge(nodes, rng, leader);
  }
}

/** Parses `--partition one,bridge` (or undefined: every shape). */
export function parsePartitionShapes(spec: string | undefined): PartitionShape[] {
  if (spec === undefined || spec.trim() === '') return [...PARTITION_SHAPES];
  return parseNames(spec, PARTITION_SHAPES, 'unknown partition shape');
}
