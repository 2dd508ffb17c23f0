/**
 * The clock nemesis: skews wall clocks of random nodes (through Runtime.setClockOffset, i.e.
 * libfaketime locally). Two modes, picked at random per start:
 * - bump: each target's clock jumps to a random offset in [-maxOffsetMs, +maxOffsetMs];
 * - strobe: the targets' clocks flip between +delta and 0 every periodMs until stop.
 * A node restarted while skewed keeps its skew (the offset lives in its node dir, as a real
 * machine's clock outlives a process). Stop resets every skewed clock to 0. Records start-clock ({mode, offsets} or {mode, nodes,
 * deltaMs, periodMs}) and stop-clock (the nodes reset).
 */
import type { NodeName } from '../harness/runtime/runtime.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { pickTargets, TARGETS } from './targets.js';

export interface ClockOptions {
  /** Largest skew, both directions (default 10 s). */
  maxOffsetMs?: number;
  /** Strobe flip period range (default 10..250 ms). */
  strobePeriodMs?: [number, number];
  modes?: Array<'bump' | 'strobe'>;
}

export function clockNemesis(opts: ClockOptions = {}): Nemesis {
  const max = opts.maxOffsetMs ?? 10_000;
  const [pLo, pHi] = opts.strobePeriodMs ?? [10, 250];
  const modes = opts.modes ?? ['bump', 'strobe'];
  if (!Number.isInteger(max) || max < 1) throw new Error(`clock maxOffsetMs must be a positive integer, got ${max}`);
  if (!(Number.isInteger(pLo) && pLo >= 1 && pHi >= pLo)) throw new Error(`bad strobe period range ${pLo}..${pHi}`);
  let skewed: NodeName[] = [];
  let strobe: { timer: NodeJS.Timeout; inFlight: Promise<unknown> } | null = null;

  const stop = async (ctx: NemesisContext) => {
    if (strobe) {
      clearInterval(strobe.timer);
      await strobe.inFlight.catch(() => {});
      strobe = null;
    }
    if (skewed.length === 0) return;
    const nodes = skewed;
    await Promise.all(nodes.map((n) => ctx.runtime.setClockOffset(n, 0)));
    skewed = [];
    ctx.record('stop-clock', nodes);
  };

  /** A non-zero offset in [-max, max]. */
  const offset = (ctx: NemesisContext) => {
    const magnitude = ctx.rng.int(1, max);
    return ctx.rng.chance(0.5) ? magnitude : -magnitude;
  };

  return {
    name: 'clock',
    async start(ctx) {
      await stop(ctx);
      const nodes = pickTargets(ctx.rng.pick(TARGETS), ctx.nodes, ctx.rng);
      skewed = nodes.slice();
      if (ctx.rng.pick(modes) === 'bump') {
        const offsets: Record<NodeName, number> = {};
        for (const n of nodes) offsets[n] = offset(ctx);
        await Promise.all(nodes.map((n) => ctx.runtime.setClockOffset(n, offsets[n])));
        ctx.record('start-clock', { mode: 'bump', offsets });
        return;
      }
      const deltaMs = offset(ctx);
      const periodMs = ctx.rng.int(pLo, pHi);
      let high = true;
      const flip = () => Promise.all(nodes.map((n) => ctx.runtime.setClockOffset(n, high ? deltaMs : 0)));
      await flip();
      const s = {
        inFlight: Promise.resolve() as Promise<unknown>,
        timer: setInterval(() => {
          high = !high;
          s.inFlight = s.inFlight.then(flip).catch(() => {});
        }, periodMs),
      };
      s.timer.unref(); // a harness that crashes before stop must still be able to exit
      strobe = s;
      ctx.record('start-clock', { mode: 'strobe', nodes, deltaMs, periodMs });
    },
    stop,
  };
}
