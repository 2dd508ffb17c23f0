/**
 * `--nemesis a,b,...` -> one Nemesis. Names: none | partition | slow-disk | kill | lose-unsynced |
 * pause | clock | packet | burst | all. A burst (burst.ts) is load: among other faults it is
 * not in their rotation but fills the quiet time after each of them. `all` is every fault that
 * needs nothing below the process; the disk faults (slow-disk, lose-unsynced: disk.ts) need a
 * FUSE layer under each data dir, so they are named explicitly (`all,lose-unsynced`), as
 * Jepsen's lazyfs is. The composite's starts go round its faults: each round is a fresh
 * shuffle of every fault, and each start injects the next one, so every kind gets its share of
 * any run with as many cycles as kinds (a random subset per start left some kinds out of short
 * runs). Overlapping faults (a kill during a partition, ...) are `together`'s job: a random
 * overlap mostly wasted the second fault on the node the first had already cut off (a pause of
 * the isolated leader). Its stop undoes every fault in force, in reverse order.
 * When the Db can name its leader (`leaderAware`), the default picks of partition, kill and
 * pause include the leader (every other partition cuts it off: partition.ts; every other packet
 * fault degrades its links: packet.ts): Jepsen's
 * reputation comes from schedules that hit the node that matters.
 * With `together` (--nemesis-together) every start injects all of them, in the order of FAULTS,
 * and the ones after a slow disk a second later (SLOW_DISK_LEAD_MS on ctx.time: syncs must pile
 * up before a kill or power loss lands on them): Jepsen's combined schedules, for bugs that need two
 * faults at once (isolate the leader AND step its clock back). Within one start every fault
 * that asks who leads gets the same answer (together: a random node when none is known), so
 * `--partition leader --clock-target leader` hit the same node even though the partition makes
 * the others elect a new leader meanwhile; and a clock step waits until the partition before it
 * has settled (NemesisContext.settled, PARTITION_SETTLE_MS).
 */
import type { LinkShape, NodeName, RuntimeNeeds } from '../ground/runtime.js';
import { UsageError } from '../ground/runtime.js';
import { burstNemesis } from './burst.js';
import { clockNemesis, type ClockOptions } from './clock.js';
import { LOSE_TARGETS, loseUnsyncedNemesis, SLOW_DISK_LEAD_MS, SLOW_DISK_TARGETS, slowDiskNemesis } from './disk.js';
import { MIN_NODES, parsePartitionShapes, PARTITION_SHAPES, type PartitionShape } from './grudges.js';
import type { Nemesis, NemesisContext } from '../ground/nemesis.js';
import { packetNemesis } from './packet.js';
import { PARTITION_SETTLE_MS, partitionNemesis } from './partition.js';
import { KILL_TARGETS, killNemesis, PAUSE_TARGETS, pauseNemesis } from './process-faults.js';
import type { NodeTarget } from './targets.js';

export const FAULTS = ['partition', 'slow-disk', 'kill', 'lose-unsynced', 'pause', 'clock', 'packet', 'burst'] as const;
export type Fault = (typeof FAULTS)[number];
export const NEMESIS_NAMES = ['none', ...FAULTS, 'all'] as const;
/** The faults that act on the disk layer (Runtime.preflight({disk: true})). */
export const DISK_FAULTS: readonly Fault[] = ['slow-disk', 'lose-unsynced'];
/** What `all` stands for. */
export const ALL_FAULTS: readonly Fault[] = FAULTS.filter((f) => !DISK_FAULTS.includes(f));

export interface NemesisOptions {
  /** `--partition`: a comma list of shapes, or the list itself; default every shape that fits. */
  partition?: string | PartitionShape[];
  /** The cluster's nodes, to validate shapes against its size (recommended). */
  nodes?: NodeName[];
  killTargets?: NodeTarget[];
  pauseTargets?: NodeTarget[];
  clock?: ClockOptions;
  packet?: LinkShape[];
  /** Every start injects every fault (see above) instead of the next in the rotation. */
  together?: boolean;
  /** The Db can name its leader: leader-aimed faults join the default picks. */
  leaderAware?: boolean;
}

/** A Nemesis made of named faults, plus what the runtime must support (for Runtime.preflight). */
export interface ComposedNemesis extends Nemesis {
  readonly faults: Fault[];
  readonly components: Nemesis[];
  readonly needs: RuntimeNeeds;
}

/** Parses and validates `--nemesis`; unknown names throw UsageError. */
export function parseNemesisSpec(spec: string): Fault[] {
  const names = spec.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(NEMESIS_NAMES as readonly string[]).includes(n)) {
      throw new UsageError(`unknown nemesis "${n}": use ${NEMESIS_NAMES.join('|')} (comma lists compose)`);
    }
  }
  if (names.includes('none') && names.length > 1) throw new UsageError(`nemesis "none" cannot be combined with others: ${spec}`);
  return FAULTS.filter((f) => names.includes(f) || (names.includes('all') && ALL_FAULTS.includes(f)));
}

export function nemesisFromSpec(spec: string, opts: NemesisOptions = {}): ComposedNemesis {
  const faults = parseNemesisSpec(spec);
  const n = composite(faults.map((f) => build(f, opts)), { together: opts.together === true });
  return { ...n, faults, needs: { clock: faults.includes('clock'), packet: faults.includes('packet'), disk: faults.some((f) => DISK_FAULTS.includes(f)) } };
}

function build(fault: Fault, opts: NemesisOptions): Nemesis {
  switch (fault) {
    case 'partition':
      return partitionNemesis(fittingShapes(opts));
    case 'kill':
      return killNemesis(opts.killTargets ?? withLeader(KILL_TARGETS, opts));
    case 'pause':
      return pauseNemesis(opts.pauseTargets ?? withLeader(PAUSE_TARGETS, opts));
    case 'slow-disk':
      return slowDiskNemesis(withLeader(SLOW_DISK_TARGETS, opts));
    case 'lose-unsynced':
      return loseUnsyncedNemesis(opts.killTargets ?? withLeader(LOSE_TARGETS, opts));
    case 'clock':
      return clockNemesis(opts.clock);
    case 'packet':
      return packetNemesis(opts.packet, { leaderAware: opts.leaderAware });
    case 'burst':
      return burstNemesis();
  }
}

const withLeader = (targets: NodeTarget[], opts: NemesisOptions): NodeTarget[] => (opts.leaderAware ? [...targets, 'leader'] : targets);

/**
 * Explicitly named shapes must fit the cluster; from the default list, those that do not are
 * left out, and so is `leader` when the Db cannot name one (it would only repeat `one`).
 */
function fittingShapes(opts: NemesisOptions): PartitionShape[] {
  const spec = Array.isArray(opts.partition) ? opts.partition.join(',') : opts.partition;
  const explicit = spec?.trim() ? parsePartitionShapes(spec) : null;
  const shapes = explicit ?? PARTITION_SHAPES.filter((s) => s !== 'leader' || opts.leaderAware);
  const n = opts.nodes?.length;
  if (n === undefined) return shapes;
  const fit = shapes.filter((s) => n >= MIN_NODES[s]);
  const misfit = shapes.filter((s) => n < MIN_NODES[s]);
  if (explicit && misfit.length > 0) {
    throw new UsageError(`partition shape ${misfit.map((s) => `${s} needs at least ${MIN_NODES[s]} nodes`).join(', ')}; the cluster has ${n}`);
  }
  if (fit.length === 0) throw new UsageError(`the partition nemesis needs at least 2 nodes; the cluster has ${n}`);
  return fit;
}

/**
 * Composes nemeses: start injects the next of a shuffled rotation (together: all of them), stop
 * undoes all (see above).
 */
export function composite(components: Nemesis[], opts: { together?: boolean } = {}): Nemesis & { components: Nemesis[] } {
  const started: Nemesis[] = [];
  let round: Nemesis[] = [];
  // With other faults, a burst is not their rival for a turn: it fills the time between them.
  const burst = components.length > 1 ? components.find((c) => c.name === 'burst') : undefined;
  const faults = components.filter((c) => c !== burst);
  const next = (ctx: NemesisContext): Nemesis => {
    if (round.length === 0) round = ctx.rng.shuffle(faults);
    return round.shift()!;
  };
  return {
    name: components.length === 0 ? 'none' : components.map((c) => c.name).join(','),
    components,
    async start(ctx: NemesisContext) {
      if (components.length === 0) return;
      await burst?.stop(ctx);
      const pick = opts.together ? faults : [next(ctx)];
      const cycle = cycleContext(ctx, opts.together === true);
      for (const [i, c] of pick.entries()) {
        started.push(c);
        await c.start(cycle.ctx);
        if (c.name === 'partition') cycle.partitionedAt = ctx.time.now();
        if (c.name === 'slow-disk' && i < pick.length - 1) await ctx.time.sleep(SLOW_DISK_LEAD_MS); // virtual time in the simulator
      }
    },
    async stop(ctx: NemesisContext) {
      // Every component, not only the started ones: stop is also the final heal after errors.
      const order = [...new Set([...started].reverse().concat(components))];
      started.length = 0;
      const errors: string[] = [];
      for (const c of order) {
        try {
          await c.stop(ctx);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      if (errors.length > 0) throw new Error(errors.join('; '));
      if (burst && !ctx.lastStop) await burst.start(ctx);
    },
  };
}

/**
 * The context for one start: ctx.leader() is asked at most once and every caller gets that
 * answer. With `standIn`, when no node is named leader a random node stands in for it, so that
 * the faults of a together cycle still hit one and the same node. settled() waits out what is
 * left of PARTITION_SETTLE_MS since a partition of this start (`partitionedAt`, set by the caller).
 */
function cycleContext(ctx: NemesisContext, standIn: boolean): { ctx: NemesisContext; partitionedAt?: number } {
  let answer: Promise<NodeName | null> | null = null;
  const ask = async () => (await ctx.leader()) ?? (standIn ? ctx.rng.pick(ctx.nodes) : null);
  const cycle: { ctx: NemesisContext; partitionedAt?: number } = {
    ctx: {
      ...ctx,
      record: (f, value) => ctx.record(f, value),
      leader: () => (answer ??= ask()),
      async settled() {
        if (cycle.partitionedAt === undefined) return;
        const left = cycle.partitionedAt + PARTITION_SETTLE_MS - ctx.time.now();
        if (left > 0) await ctx.time.sleep(left);
      },
    },
  };
  return cycle;
}
