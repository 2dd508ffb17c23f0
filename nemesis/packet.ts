/**
 * The packet nemesis: degrades the outgoing links of random nodes (as tc netem on their
 * interfaces would) with one of a few behaviours: delay with jitter, loss, or both. Loss in the
 * local runtime is TCP-faithful (retransmission delay, see harness/runtime/proxy.ts). Stop
 * clears every shaped link. Records start-packet ({links, shape}) and stop-packet (the links).
 */
import type { LinkShape, NodeName } from '../harness/runtime/runtime.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { pickTargets, TARGETS } from './targets.js';

export const PACKET_BEHAVIOURS: LinkShape[] = [
  { delayMs: 50, jitterMs: 50, lossPct: 0 },
  { delayMs: 0, jitterMs: 0, lossPct: 20 },
  { delayMs: 100, jitterMs: 50, lossPct: 10 },
];

export function packetNemesis(behaviours: LinkShape[] = PACKET_BEHAVIOURS): Nemesis {
  if (behaviours.length === 0) throw new Error('packet nemesis needs at least one behaviour');
  let shaped: Array<[NodeName, NodeName]> = [];
  const stop = async (ctx: NemesisContext) => {
    if (shaped.length === 0) return;
    const links = shaped;
    await Promise.all(links.map(([a, b]) => ctx.runtime.shape(a, b, null)));
    shaped = [];
    ctx.record('stop-packet', links);
  };
  return {
    name: 'packet',
    async start(ctx) {
      await stop(ctx);
      const target = ctx.rng.pick(TARGETS);
      const from = pickTargets(target, ctx.nodes, ctx.rng);
      const links = from.flatMap((a) => ctx.nodes.filter((b) => b !== a).map((b): [NodeName, NodeName] => [a, b]));
      const shape = ctx.rng.pick(behaviours);
      shaped = links;
      await Promise.all(links.map(([a, b]) => ctx.runtime.shape(a, b, shape)));
      ctx.record('start-packet', { links, shape });
      ctx.injected?.('packet', target);
    },
    stop,
  };
}
