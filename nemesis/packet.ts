/**
 * The packet nemesis: degrades the outgoing links of random nodes (as tc netem on their
 * interfaces would) with one of a few behaviours: delay with jitter, loss, or both. Loss in the
 * local runtime is TCP-faithful (retransmission delay, see harness/runtime/proxy.ts). Stop
 * clears every shaped link. Records start-packet ({links, shape}) and stop-packet (the links).
 * Every other packet fault, the first one included, loses packets (pickBehaviour) and, when the
 * Db can name its leader, degrades the leader's links among others: the leader stands in for one
 * of the drawn nodes (coverage detail `<target>+leader`), so the draw keeps its size.
 */
import type { Rng } from '../ground/rng.js';
import type { LinkShape, NodeName } from '../ground/runtime.js';
import type { Nemesis, NemesisContext } from '../ground/nemesis.js';
import { pickTargets, TARGETS, type Target } from './targets.js';

export const PACKET_BEHAVIOURS: LinkShape[] = [
  { delayMs: 50, jitterMs: 50, lossPct: 0 },
  { delayMs: 0, jitterMs: 0, lossPct: 20 },
  { delayMs: 100, jitterMs: 50, lossPct: 10 },
];

/** `targets`: the node specs whose outgoing links a start shapes, one drawn per start (default every spec). */
export function packetNemesis(behaviours: LinkShape[] = PACKET_BEHAVIOURS, opts: { leaderAware?: boolean; targets?: readonly Target[] } = {}): Nemesis {
  if (behaviours.length === 0) throw new Error('packet nemesis needs at least one behaviour');
  let shaped: Array<[NodeName, NodeName]> = [];
  let started = 0;
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
      const nth = started++;
      const target = ctx.rng.pick(opts.targets ?? TARGETS);
      let from = pickTargets(target, ctx.nodes, ctx.rng);
      let detail: string = target;
      if (opts.leaderAware === true && nth % 2 === 0) {
        const leader = await ctx.leader();
        if (leader !== null && ctx.nodes.includes(leader) && !from.includes(leader)) {
          const hit = new Set([...from.slice(1), leader]);
          from = ctx.nodes.filter((n) => hit.has(n));
          detail = `${target}+leader`;
        }
      }
      const links = from.flatMap((a) => ctx.nodes.filter((b) => b !== a).map((b): [NodeName, NodeName] => [a, b]));
      const shape = pickBehaviour(behaviours, ctx.rng, nth);
      shaped = links;
      await Promise.all(links.map(([a, b]) => ctx.runtime.shape(a, b, shape)));
      ctx.record('start-packet', { links, shape });
      ctx.injected?.('packet', detail);
    },
    stop,
  };
}

/**
 * The `nth` packet fault's behaviour (from 0): when some behaviours lose packets and some do not,
 * even nth draws among the lossy ones; otherwise uniform. Loss is what holds heartbeats and
 * decisions back past the election timeout, so elections happen under it with candidates a few
 * slots behind: where a leader that fails to adopt what was already chosen shows. A 30 s run of
 * `--nemesis all` has room for one packet fault, and one whose draw was delay alone elected
 * nobody and missed `--bug no-adopt` (seed 3, four runs of four).
 */
export function pickBehaviour(behaviours: readonly LinkShape[], rng: Rng, nth: number): LinkShape {
  const lossy = behaviours.filter((b) => b.lossPct > 0);
  if (lossy.length === 0 || lossy.length === behaviours.length || nth % 2 === 1) return rng.pick(behaviours);
  return rng.pick(lossy);
}
