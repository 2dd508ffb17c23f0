/**
 * Every planted bug `--bug` takes: the core's (core/types.ts BUGS, protocol bugs the simulator
 * and model checker see too) and the node's own, in the real node's durability path, which
 * only the harness's disk faults can see (the simulator runs the core alone).
 * - lazy-fsync: the WAL batches its syncs (an fdatasync every 8th group commit, wal.ts) and
 *   still releases every group's sends and replies once it is written: acknowledged writes
 *   sit in the page cache. SIGKILL loses nothing the kernel has, so kill never shows it; a
 *   power loss (lose-unsynced) of the nodes holding them does.
 */
import { BUGS, type BugName } from './core/types.js';

export const NODE_BUGS = ['lazy-fsync'] as const;
export type NodeBugName = (typeof NODE_BUGS)[number];
export type PlantedBug = BugName | NodeBugName;
export const PLANTED_BUGS: readonly PlantedBug[] = [...BUGS, ...NODE_BUGS];

export function isCoreBug(bug: PlantedBug | null): bug is BugName {
  return bug !== null && (BUGS as readonly string[]).includes(bug);
}
