/**
 * The partition nemesis: start cuts the network into a grudge of a random shape among the
 * allowed ones (the `leader` shape asks the Db who leads and cuts it off in a minority,
 * grudges.ts; with no leader known, a random node's minority), stop heals. Records
 * start-partition / stop-partition with the grudge as value.
 * Among several shapes, every other partition cuts off the leader, the first one included, and
 * the rest draw uniformly among the others: cutting off the leader is what exercises elections,
 * stale leaders and lost acknowledgements, and a 30 s run of `--nemesis all` has room for one
 * partition or two. A uniform draw among five shapes, then a coin flip, left runs with no
 * leader partition at all, and lost acknowledgements unfound (measured: see README).
 */
import type { Rng } from '../ground/rng.js';
import type { Grudge } from '../ground/runtime.js';
import { grudgeFor, type PartitionShape } from './grudges.js';
import type { Nemesis, NemesisContext } from '../ground/nemesis.js';

/**
 * How long after a partition its cut has settled (NemesisContext.settled): bytes the proxy or
 * the kernel took just before the cut still reach their node, which reads them at its next
 * turn. A quorum ack among them renews a leader's lease: had its clock just been stepped back,
 * the lease is renewed on the stepped clock and runs out in 300 ms (measured on the local
 * runtime, with the step 0.5 ms after the cut: 2 of 62 cycles of README's lease-skew schedule).
 */
export const PARTITION_SETTLE_MS = 250;

export function partitionNemesis(shapes: PartitionShape[]): Nemesis {
  if (shapes.length === 0) throw new Error('partition nemesis needs at least one shape');
  let active: Grudge | null = null;
  let started = 0;
  const stop = async (ctx: NemesisContext) => {
    if (!active) return;
    const healed = active;
    await ctx.runtime.heal();
    active = null;
    ctx.record('stop-partition', healed);
  };
  return {
    name: 'partition',
    async start(ctx) {
      await stop(ctx); // a new partition replaces the old one; each start pairs with a stop
      const shape = pickShape(shapes, ctx.rng, started++);
      const leader = shape === 'leader' ? await ctx.leader() : null;
      const grudge = grudgeFor(shape, ctx.nodes, ctx.rng, leader);
      active = grudge; // before applying: if applying fails half-way, stop still heals
      await ctx.runtime.partition(grudge);
      ctx.record('start-partition', grudge);
      ctx.injected?.('partition', shape === 'leader' && (leader === null || !ctx.nodes.includes(leader)) ? 'leader?' : shape);
    },
    stop,
  };
}

/** The `nth` partition's shape (from 0): `leader` for even nth when it is one of several; otherwise uniform. */
export function pickShape(shapes: readonly PartitionShape[], rng: Rng, nth: number): PartitionShape {
  const others = shapes.filter((s) => s !== 'leader');
  if (others.length === shapes.length || others.length === 0) return rng.pick(shapes);
  return nth % 2 === 0 ? 'leader' : rng.pick(others);
}
