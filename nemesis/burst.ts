/**
 * burst: load, not a fault. While it is on, the client threads run without the --rate limit,
 * as fast as the system answers, so commands pile up behind the slots in flight and the
 * system's batching, pipelining and queueing paths run (at 50 ops/s a slot rarely holds two
 * commands). With other faults (`--nemesis all`) the bursts fill the quiet time between them
 * (compose.ts); alone, it takes its turn like any fault. Recorded as start-burst / stop-burst.
 */
import type { Nemesis } from '../ground/nemesis.js';

export function burstNemesis(): Nemesis {
  let on = false;
  return {
    name: 'burst',
    async start(ctx) {
      if (!ctx.burst) throw new Error('the burst nemesis needs client threads to drive (NemesisContext.burst)');
      ctx.burst(true);
      on = true;
      ctx.record('start-burst', 'rate limit lifted');
      ctx.injected?.('burst', 'unthrottled');
    },
    async stop(ctx) {
      if (!on) return;
      ctx.burst?.(false);
      on = false;
      ctx.record('stop-burst', null);
    },
  };
}
