/**
 * The partition nemesis: start cuts the network into a grudge of a random shape among the
 * allowed ones (the `leader` shape asks the Db who leads and isolates it; with no leader known
 * it isolates a random node), stop heals. Records start-partition / stop-partition with the
 * grudge as value.
 * Among several shapes, `leader` is drawn half the time and the others share the rest:
 * cutting off the leader is what exercises elections, stale leaders and lost acknowledgements,
 * and a uniform draw among five shapes gave it a fifth: too rare to find lost acknowledgements in a
 * 30 s run (measured: see README).
 */
import type { Rng } from '../harness/rng.js';
import type { Grudge } from '../harness/runtime/runtime.js';
import { grudgeFor, type PartitionShape } from './grudges.js';
import type { Nemesis, NemesisContext } from './nemesis.js';

export function partitionNemesis(shapes: PartitionShape[]): Nemesis {
  if (shapes.length === 0) throw new Error('partition nemesis needs at least one shape');
  let active: Grudge | null = null;
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
      const shape = pickShape(shapes, ctx.rng);
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

/** `leader` half the time when it is one of several shapes; otherwise uniform. */
export function pickShape(shapes: readonly PartitionShape[], rng: Rng): PartitionShape {
  const others = shapes.filter((s) => s !== 'leader');
  if (others.length === shapes.length || others.length === 0) return rng.pick(shapes);
  return rng.chance(1 / 2) ? 'leader' : rng.pick(others);
}
