/**
 * Disk faults, below the process (the runtime's faultfs layer under each data dir):
 * - lose-unsynced: power loss. The node's writes not yet synced are lost at that instant (half
 *   the time torn: each file keeps a random prefix of them, the last cut at a sector), the node
 *   is killed, and it comes back on stop. Jepsen's lazyfs lose-unfsynced-writes. What each
 *   disk lost is recorded as a `disk-lost` mark.
 * - slow-disk: every sync of the chosen nodes (a majority or all) takes 50-500 ms until stop,
 *   so that a kill or a power loss (`--nemesis slow-disk,lose-unsynced --nemesis-together`,
 *   a second later: compose.ts) lands while acknowledged data may still be on its way to disk.
 * Targets are Jepsen's node specs, like kill's; the leader joins them when the Db names one.
 */
import type { SlowDisk } from '../ground/runtime.js';
import type { Nemesis } from '../ground/nemesis.js';
import { processFault } from './process-faults.js';
import type { NodeTarget } from './targets.js';

/**
 * A quorum system loses acknowledged data only when the loss hits every node that holds it,
 * so power loss takes a majority or the whole cluster (a rack's outage); the leader alone
 * (compose.ts adds it) covers a node that acknowledges before its own sync.
 */
export const LOSE_TARGETS: NodeTarget[] = ['majority', 'all'];
/** A slow minority slows nothing a quorum waits for; a slow majority does. */
export const SLOW_DISK_TARGETS: NodeTarget[] = ['majority', 'all'];
export const SLOW_SYNC_MS = { minMs: 50, maxMs: 500 };
/** How long a slow disk runs before the faults injected with it (--nemesis-together) land. */
export const SLOW_DISK_LEAD_MS = 1000;

export function loseUnsyncedNemesis(targets: NodeTarget[] = LOSE_TARGETS): Nemesis {
  return processFault(
    {
      name: 'lose-unsynced',
      async inject(ctx, node) {
        const lost = await ctx.runtime.powerLoss(node, { torn: ctx.rng.chance(0.5), seed: ctx.rng.int(0, 0x7fffffff) });
        ctx.record('disk-lost', { node, lost });
      },
      undo: (ctx, node) => ctx.runtime.start(node),
    },
    targets,
  );
}

export function slowDiskNemesis(targets: NodeTarget[] = SLOW_DISK_TARGETS, range: Omit<SlowDisk, 'seed'> = SLOW_SYNC_MS): Nemesis {
  return processFault(
    {
      name: 'slow-disk',
      inject: (ctx, node) => ctx.runtime.slowDisk(node, { ...range, seed: ctx.rng.int(0, 0x7fffffff) }),
      undo: (ctx, node) => ctx.runtime.slowDisk(node, null),
    },
    targets,
  );
}
