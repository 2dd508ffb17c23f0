/**
 * Named fault schedules (`--schedule NAME`): orders of faults the --nemesis flags cannot
 * express, built from the generator combinators (ground/generator.ts) over the usual faults.
 *
 * kill-all-in-flight, for `--bug volatile-acceptor` (promises and accepts not persisted): every
 * link slowed for 3 s, then, while slow, every node killed, restarted, and only then the links
 * healed; over again. A chosen value is lost when every node of the next leader's quorum
 * restarts holding it only as an unpersisted accept. Followers on slow links learn decisions a
 * delay late, so at the kill each has a backlog of such accepts; and the elections after the
 * restart happen on slow links too. The flags' cycles start faults one right after another,
 * so they cannot hold a delay before a kill.
 */
import { cycle, op, phases, sleep } from '../ground/generator.js';
import type { Schedule, ScheduleContext } from '../ground/nemesis.js';
import { UsageError } from '../ground/runtime.js';
import { packetNemesis } from './packet.js';
import { killNemesis } from './process-faults.js';

/** The delay on every link during kill-all-in-flight: decisions reach followers this late. */
export const IN_FLIGHT_DELAY_MS = 100;

const SCHEDULES = {
  'kill-all-in-flight': (_ctx: ScheduleContext): Schedule => ({
    name: 'kill-all-in-flight',
    faults: {
      'slow-links': packetNemesis([{ delayMs: IN_FLIGHT_DELAY_MS, jitterMs: 0, lossPct: 0 }], { targets: ['all'] }),
      'kill-all': killNemesis(['all']),
    },
    generator: cycle(
      phases(
        sleep(1000), // a leader and a stream of decided writes first
        op('start-slow-links'),
        sleep(3000),
        op('start-kill-all'),
        sleep(500),
        op('stop-kill-all'), // restart every node on its data, links still slow
        sleep(2000),
        op('heal'),
      ),
    ),
    needs: { clock: false, packet: true },
    kinds: ['packet', 'kill'],
  }),
} satisfies Record<string, (ctx: ScheduleContext) => Schedule>;

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
