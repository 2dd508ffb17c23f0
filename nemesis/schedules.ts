/**
 * Named fault schedules (`--schedule NAME`): orders of faults the --nemesis flags cannot
 * express, built from the generator combinators (ground/generator.ts) over the usual faults.
 *
 * kill-all-in-flight, for `--bug volatile-acceptor` (promises and accepts not persisted): every
 * link slowed for 3 s, then, while slow, every node killed, restarted (the one that led last,
 * a second after the others), and only then the links healed; over again. A chosen value is
 * lost when every node of the next leader's quorum restarts holding it only as an unpersisted
 * accept: followers on slow links learn decisions a delay late, so at the kill each holds such
 * accepts, while the old leader has persisted the decision; restarted last, it is in no quorum
 * of the election that follows, so the new leader decides that slot anew. The flags' cycles
 * start faults one right after another, so they cannot hold a delay before a kill.
 */
import { cycle, op, phases, sleep } from '../ground/generator.js';
import type { Nemesis, NemesisContext, Schedule, ScheduleContext } from '../ground/nemesis.js';
import { UsageError, type NodeName } from '../ground/runtime.js';
import { packetNemesis } from './packet.js';

/** The delay on every link during kill-all-in-flight: decisions reach followers this late. */
export const IN_FLIGHT_DELAY_MS = 100;

const SCHEDULES = {
  'kill-all-in-flight': (_ctx: ScheduleContext): Schedule => ({
    name: 'kill-all-in-flight',
    faults: {
      'slow-links': packetNemesis([{ delayMs: IN_FLIGHT_DELAY_MS, jitterMs: 0, lossPct: 0 }], { targets: ['all'] }),
      'kill-all': killAllLeaderLast(),
    },
    generator: cycle(
      phases(
        sleep(1000), // a leader and a stream of decided writes first
        op('start-slow-links'),
        sleep(3000),
        op('start-kill-all'),
        sleep(300),
        op('stop-kill-all'), // every node but the old leader restarts on its data, links still slow
        sleep(1000),
        op('stop-kill-all'), // the old leader
        sleep(1000),
        op('heal'),
      ),
    ),
    needs: { clock: false, packet: true },
    kinds: ['packet', 'kill'],
  }),
} satisfies Record<string, (ctx: ScheduleContext) => Schedule>;

/**
 * Kills every node at once (recorded `start-kill` with them all). A stop restarts the nodes
 * still down but the one that led at the kill (a `restart` mark with them); the next stop, or
 * a last stop, restarts the rest (`stop-kill` with them), so the report's kill window lasts
 * until every node is back.
 */
export function killAllLeaderLast(): Nemesis {
  let down: NodeName[] = [];
  let leader: NodeName | null = null;
  return {
    name: 'kill',
    async start(ctx) {
      leader = await ctx.leader();
      await Promise.all(ctx.nodes.map((n) => ctx.runtime.kill(n)));
      down = ctx.nodes.slice();
      ctx.record('start-kill', down);
      ctx.injected?.('kill', 'all');
    },
    async stop(ctx: NemesisContext) {
      if (down.length === 0) return;
      const others = down.filter((n) => n !== leader);
      const now = ctx.lastStop || others.length === 0 ? down : others;
      await Promise.all(now.map((n) => ctx.runtime.start(n)));
      down = down.filter((n) => !now.includes(n));
      ctx.record(down.length === 0 ? 'stop-kill' : 'restart', now);
    },
  };
}

/** The names `--schedule` accepts. */
export const SCHEDULE_NAMES = Object.keys(SCHEDULES) as ScheduleName[];
/** A built-in schedule's name. */
export type ScheduleName = keyof typeof SCHEDULES;

/** Checks a --schedule name: an unknown one is a UsageError listing the names. */
export function parseScheduleName(name: string): ScheduleName {
  if (!Object.hasOwn(SCHEDULES, name)) throw new UsageError(`unknown schedule ${JSON.stringify(name)} (known: ${SCHEDULE_NAMES.join(', ')})`);
  return name as ScheduleName;
}

/** The built-in schedule `name`, made for this run. */
export function namedSchedule(name: ScheduleName, ctx: ScheduleContext): Schedule {
  return SCHEDULES[name](ctx);
}
