/**
 * The host a simulated node runs on, whatever runs inside it: paxos/core's step (cluster.ts) or
 * a user's SimNode (user-cluster.ts). Both clusters are thin drivers of this one mechanism, so
 * they obey the same rules and take the same faults. A node lives in lives: a kill ends one and
 * keeps what it wrote (the OS has it), a power loss keeps only what was synced; every callback
 * of an earlier life (timer, sync, client request) is dropped. A paused node's events wait, in
 * order, until resume. Persists go to its SimDisk, synced one batch at a time (group commit,
 * SYNC_MS each, or the slow-disk fault's minMs..maxMs); sends and replies after a persist are
 * held until its sync. Timers carry generations (re-arming a name voids the armed one); client
 * requests cross a local link (CLIENT_LINK_MS each way), refused when the node is down and reset
 * when it dies. Messages cross the SimNetwork (partitions, shaped links). A node's clock is
 * virtual time plus its offset. A handler that throws takes its node down (a node error).
 * Every draw is from the cluster's Rng in the order the events happen.
 */
import { Rng } from '../../ground/rng.js';
import type { Grudge, NodeName, SlowDisk } from '../../ground/runtime.js';
import type { Rec } from '../../paxos/core/messages.js';
import { SimDisk } from './disk.js';
import { WallClockRead } from './guard.js';
import type { SimNetwork } from './network.js';
import type { Scheduler, Task } from './scheduler.js';

/** What a client's request came to when the node never answered it: no connection, or a dropped one. */
export type Lost = { type: 'refused' } | { type: 'reset' };

/** One way between a client and its node (same host), virtual ms. */
export const CLIENT_LINK_MS = 1;
/** One sync of the disk takes SYNC_MS[0]..SYNC_MS[1] virtual ms. */
const SYNC_MS: [number, number] = [1, 3];

interface Batch<H> {
  records: number;
  held: H[];
}

/** One node as its host keeps it. M: what runs (null while down); H: a held send or reply; A: a client's answer. */
export interface HostNode<M, H, A> {
  readonly id: NodeName;
  machine: M | null;
  readonly disk: SimDisk;
  /** Timer name -> the generation armed last (a fired timer of an older one is stale). */
  timers: Map<string, number>;
  /** Client requests the node has, by request id. */
  pending: Map<number, (a: A | Lost) => void>;
  paused: boolean;
  /** What arrived while paused, in order. */
  backlog: Task[];
  offsetMs: number;
  /** Bumped at every death: events of an earlier life are dropped. */
  life: number;
  /** Records and held effects since the last sync began; the batch being synced. */
  open: Batch<H>;
  syncing: Batch<H> | null;
  /** The slow-disk fault in force: each sync's duration drawn from its own seeded stream. */
  slow: { minMs: number; maxMs: number; rng: Rng } | null;
}

/** A node that has never run; a driver adds its own fields. */
export function hostNode<M, H, A>(id: NodeName): HostNode<M, H, A> {
  return { id, machine: null, disk: new SimDisk(), timers: new Map(), pending: new Map(), paused: false, backlog: [], offsetMs: 0, life: 0, open: { records: 0, held: [] }, syncing: null, slow: null };
}

/** What the nemeses act on (runtime.ts), either cluster. */
export type SimControl = Pick<SimHost<unknown, unknown, unknown>, 'ids' | 'start' | 'kill' | 'powerLoss' | 'pause' | 'resume' | 'partition' | 'heal' | 'setClockOffset' | 'slowDisk' | 'network'>;

export abstract class SimHost<M, H, A, N extends HostNode<M, H, A> = HostNode<M, H, A>> {
  protected readonly nodes = new Map<NodeName, N>();
  private timerGen = 0;
  private nextRid = 1;
  /** Handlers that threw (each took its node down, as a crash of the real process would), and what a driver adds. */
  readonly nodeErrors: string[] = [];
  /** Handlers run (core steps). */
  steps = 0;
  /** Syncs completed and the virtual ms they took, in all and on slow disks (for tests and the bench). */
  readonly syncs = { count: 0, ms: 0, slowCount: 0, slowMs: 0 };

  constructor(
    protected readonly sched: Scheduler,
    readonly ids: NodeName[],
    /** Draws the sync times (and whatever the driver draws, in event order). */
    protected readonly rng: Rng,
    readonly network: SimNetwork,
  ) {}

  /** Starts a node that is down (no-op when up) from what its disk kept. */
  abstract start(id: NodeName): void;
  /** Sends or answers `h` now: its sync is done, or it waited on none. */
  protected abstract release(n: N, h: H): void;
  /** Timer `name` of running node n fired. */
  protected abstract fire(n: N, name: string): void;
  /** The leader running node n names, or null. */
  protected abstract leaderOf(n: N): NodeName | null;

  protected node(id: NodeName): N {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id} in the simulated cluster`);
    return n;
  }

  isUp(id: NodeName): boolean {
    return this.node(id).machine !== null;
  }

  /** The process dies: memory, timers, held sends and open requests are gone; the disk keeps what was written. */
  kill(id: NodeName): void {
    const n = this.node(id);
    if (n.machine === null) return;
    n.disk.kill();
    this.die(n);
  }

  /** Power loss: as kill, but what was not synced is lost (torn: a prefix survives). Says what was lost. */
  powerLoss(id: NodeName, torn: boolean, rng: Rng): string {
    const n = this.node(id);
    const lost = n.disk.powerLoss(torn, rng);
    this.die(n);
    return lost;
  }

  pause(id: NodeName): void {
    const n = this.node(id);
    if (n.machine !== null) n.paused = true;
  }

  resume(id: NodeName): void {
    const n = this.node(id);
    if (!n.paused) return;
    n.paused = false;
    const backlog = n.backlog;
    n.backlog = [];
    for (const task of backlog) this.sched.at(this.sched.now(), task);
  }

  partition(grudge: Grudge): void {
    this.network.partition(grudge);
  }

  heal(): void {
    this.network.heal();
  }

  /** Makes node `id`'s syncs take slow.minMs..maxMs (null: normal again); a sync under way keeps its time. */
  slowDisk(id: NodeName, slow: SlowDisk | null): void {
    this.node(id).slow = slow === null ? null : { minMs: slow.minMs, maxMs: slow.maxMs, rng: new Rng(slow.seed) };
  }

  setClockOffset(id: NodeName, ms: number): void {
    this.node(id).offsetMs = ms;
  }

  /** Node `id`'s wall clock now: virtual time plus its offset (what it is told). */
  wallClock(id: NodeName): number {
    return this.wall(this.node(id));
  }

  /** The leader most live nodes name (ties: the first named); null when none knows. */
  leader(): NodeName | null {
    const votes = new Map<NodeName, number>();
    for (const n of this.nodes.values()) {
      const l = n.machine !== null && !n.paused ? this.leaderOf(n) : null;
      if (l !== null) votes.set(l, (votes.get(l) ?? 0) + 1);
    }
    let best: NodeName | null = null;
    for (const [name, k] of votes) if (best === null || k > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  /** Node n's wall clock: virtual time plus its offset. */
  protected wall(n: N): number {
    return this.sched.now() + n.offsetMs;
  }

  /**
   * A client's request to node `id` over a local connection: refused when it is down, reset when
   * it dies first; else `deliver` hands it to the running node under a fresh request id, and
   * `answer` gets what answer(n, rid, ...) gives it, a link's time later.
   */
  protected request(id: NodeName, answer: (a: A | Lost) => void, deliver: (n: N, rid: number) => void): void {
    const n = this.node(id);
    if (n.machine === null) return answer({ type: 'refused' });
    const life = n.life;
    this.sched.after(CLIENT_LINK_MS, () => {
      if (n.life !== life) return answer({ type: 'reset' });
      this.whenRunning(n, () => {
        const rid = this.nextRid++;
        n.pending.set(rid, (a) => this.sched.after(CLIENT_LINK_MS, () => answer(a)));
        deliver(n, rid);
      });
    });
  }

  /** Answers client request `rid` of node n (nothing when it has none: answered already, or of an earlier life). */
  protected answer(n: N, rid: number, a: A): void {
    const answer = n.pending.get(rid);
    n.pending.delete(rid);
    answer?.(a);
  }

  /** Sends one message from -> to over the network: `deliver` runs at each arrival the partition lets through, when `to` runs. */
  protected transmit(from: N, to: N, deliver: () => void): void {
    for (const d of this.network.delays(from.id, to.id)) {
      this.sched.after(d, () => {
        if (!this.network.connected(from.id, to.id)) return;
        this.whenRunning(to, deliver);
      });
    }
  }

  /** Runs `task` now, or at resume when the node is paused; never for a node that died meanwhile. */
  protected whenRunning(n: N, task: () => void): void {
    if (n.machine === null) return;
    if (!n.paused) return task();
    const life = n.life;
    n.backlog.push(() => {
      if (n.life === life) this.whenRunning(n, task);
    });
  }

  /** A handler of node n threw: it is a node error and the node goes down (a crash), except a read of real time, which crashes the run. */
  protected crash(n: N, what: string, err: unknown): void {
    if (err instanceof WallClockRead) throw err; // not the node's failure: the run cannot replay, so it crashes
    this.nodeErrors.push(`${n.id} threw at ${this.sched.now()} ms on ${what}: ${(err as Error)?.message ?? String(err)}`);
    n.disk.kill();
    this.die(n);
  }

  /** Writes `record` to node n's disk, in the open batch. */
  protected persist(n: N, record: unknown): void {
    n.disk.write(record as Rec); // SimDisk stores any JSON value; Rec is only its paxos typing
    n.open.records++;
  }

  /** A send or reply: released now, or held until the sync of the persists before it (behind what is held already). */
  protected hold(n: N, h: H): void {
    if (n.open.records > 0 || n.syncing !== null || n.open.held.length > 0) n.open.held.push(h);
    else this.release(n, h);
  }

  /** Arms timer `name` of node n (replacing an armed one): fire(n, name) after `ms`, if still armed in this life. */
  protected setTimer(n: N, name: string, ms: number): void {
    const gen = ++this.timerGen;
    n.timers.set(name, gen);
    const life = n.life;
    this.sched.after(ms, () => {
      if (n.life !== life || n.timers.get(name) !== gen) return;
      this.whenRunning(n, () => {
        if (n.timers.get(name) !== gen) return;
        n.timers.delete(name);
        this.fire(n, name);
      });
    });
  }

  protected cancelTimer(n: N, name: string): void {
    n.timers.delete(name);
  }

  /** Starts syncing the open batch when no sync is running (group commit); releases what waits on nothing. Call after every handler. */
  protected sync(n: N): void {
    if (n.syncing !== null || n.machine === null) return;
    const batch = n.open;
    if (batch.records === 0) {
      n.open = { records: 0, held: [] };
      for (const h of batch.held) this.release(n, h);
      return;
    }
    n.syncing = batch;
    n.open = { records: 0, held: [] };
    const life = n.life;
    const slow = n.slow;
    const ms = slow ? slow.rng.int(slow.minMs, slow.maxMs) : this.rng.int(SYNC_MS[0], SYNC_MS[1]);
    this.sched.after(ms, () => {
      if (n.life !== life) return;
      this.whenRunning(n, () => {
        this.syncs.count++;
        this.syncs.ms += ms;
        if (slow) {
          this.syncs.slowCount++;
          this.syncs.slowMs += ms;
        }
        n.disk.sync(batch.records);
        n.syncing = null;
        for (const h of batch.held) this.release(n, h);
        this.sync(n);
      });
    });
  }

  /** Node n is down: its life ends, and with it its timers, pause, batches and open requests (their connections drop). */
  private die(n: N): void {
    n.machine = null;
    n.life++;
    n.timers.clear();
    n.paused = false;
    n.backlog = [];
    n.open = { records: 0, held: [] };
    n.syncing = null;
    const pending = [...n.pending.values()];
    n.pending.clear();
    for (const answer of pending) answer({ type: 'reset' });
  }
}
