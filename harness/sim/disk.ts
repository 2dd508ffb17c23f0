/**
 * A simulated node's disk: every record the core persists is written (in the OS's cache) and
 * then synced, one sync at a time, each taking a few virtual ms; the node holds back the sends
 * and replies that follow a persist until it is synced (paxos/core/types.ts's effect rule, as
 * paxos/node.ts's group commit honours it). A kill (the process dies) keeps what was written:
 * the OS still has it. A power loss (lose-unsynced) keeps only what was synced, and torn, a
 * prefix of the rest: Jepsen's lazyfs fault, here without FUSE.
 */
import type { Rec } from '../../paxos/core/messages.js';
import type { Rng } from '../../ground/rng.js';

export class SimDisk {
  /** Synced records, as bytes (a JSON line each, as the WAL holds them). */
  private synced: string[] = [];
  /** Written, not yet synced, in order. */
  private unsynced: string[] = [];

  write(record: Rec): void {
    this.unsynced.push(JSON.stringify(record));
  }

  /** Records written and not synced. */
  get dirty(): number {
    return this.unsynced.length;
  }

  /** Makes the first `n` unsynced records durable (a sync of what was written when it began). */
  sync(n: number): void {
    this.synced.push(...this.unsynced.splice(0, n));
  }

  /** A process kill: what was written survives (it is in the OS's cache). */
  kill(): void {
    this.sync(this.unsynced.length);
  }

  /** A power loss: the unsynced records are lost (torn: a random prefix of them survives). Says what was lost. */
  powerLoss(torn: boolean, rng: Rng): string {
    const keep = torn ? rng.int(0, this.unsynced.length) : 0;
    const lost = this.unsynced.length - keep;
    this.sync(keep);
    this.unsynced = [];
    return `${lost} unsynced record${lost === 1 ? '' : 's'} lost${torn ? ` (torn: ${keep} kept)` : ''}`;
  }

  /** What a restarting node recovers from. */
  records(): Rec[] {
    return this.synced.map((line) => JSON.parse(line) as Rec);
  }
}
