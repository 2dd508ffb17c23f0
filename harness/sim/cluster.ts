/**
 * A simulated cluster of paxos/core instances (pure state machines) in one process, on virtual
 * time: each node steps on messages from the simulated network (network.ts), its timers, and
 * client commands; persists go to its simulated disk (disk.ts) and the sends and replies after
 * them wait for the sync; its wall clock is virtual time plus its offset (the clock nemesis).
 * Nodes are killed (state gone, disk kept; restart recovers from the disk), lose power (the
 * unsynced records go too), pause (every event for it waits until resume), and get slow disks
 * (each sync takes minMs..maxMs, the slow-disk nemesis; it outlives restarts, as faultfs's
 * setting outlives the process above it). This drives
 * the core as paxos/node.ts does, but it is not node.ts: its transport, WAL and HTTP are not run.
 */
import { Rng } from '../../ground/rng.js';
import type { Grudge, NodeName, SlowDisk } from '../../ground/runtime.js';
import type { CoreEffect } from '../../paxos/core/context.js';
import { appliedState, decidedEntries, initState, start, status, step, type AppliedState, type DecidedEntry, type State } from '../../paxos/core/index.js';
import type { Msg } from '../../paxos/core/messages.js';
import { Invariants } from '../../paxos/sim/invariants.js';
import type { BugName, Command, Config, Event, Result } from '../../paxos/core/types.js';
import { SimDisk } from './disk.js';
import { SimEventLog } from './events.js';
import type { SimNetwork } from './network.js';
import type { Scheduler, Task } from './scheduler.js';

/** What a client's command came to: the core's result, or the connection's fate. */
export type Answer = Result | { type: 'refused' } | { type: 'reset' };

/** The real node's defaults (paxos/main.ts, paxos/db.ts FIRST_ELECTION_TIMEOUT_MS). */
const CORE_TIMING = { heartbeatMs: 50, electionTimeoutMs: 300, firstElectionTimeoutMs: 100, maxBatch: 512 };
/** One way between a client and its node (same host), virtual ms. */
export const CLIENT_LINK_MS = 1;
/** One sync of the disk takes SYNC_MS[0]..SYNC_MS[1] virtual ms. */
const SYNC_MS: [number, number] = [1, 3];

interface Batch {
  records: number;
  held: CoreEffect[];
}

interface SimNode {
  id: NodeName;
  config: Config;
  state: State | null;
  disk: SimDisk;
  /** Timer name -> the generation armed last (a fired timer of an older one is stale). */
  timers: Map<string, number>;
  /** Client requests the node has, by request id. */
  pending: Map<number, (a: Answer) => void>;
  paused: boolean;
  /** What arrived while paused, in order. */
  backlog: Task[];
  offsetMs: number;
  /** Bumped at every death: events of an earlier life are dropped. */
  life: number;
  /** Records and effects since the last sync began; the batch being synced. */
  open: Batch;
  syncing: Batch | null;
  events: SimEventLog;
  /** Role and leader as last logged (a change is a local event); role '' before the first. */
  role: string;
  leader: NodeName | null;
  /** The slow-disk fault in force: each sync's duration drawn from its own seeded stream. */
  slow: { minMs: number; maxMs: number; rng: Rng } | null;
}

export class SimCluster {
  private readonly nodes = new Map<NodeName, SimNode>();
  private timerGen = 0;
  /** Acceptor violations already moved into coreErrors. */
  private reported = 0;
  private nextRid = 1;
  private lastMsg: Msg | null = null;
  private lastCopy: Msg | null = null;
  /**
   * Cores that threw (each took its node down, as a crash of the real node would), and the
   * acceptor invariants broken (what no history may show: a promise forgotten across a restart).
   */
  readonly coreErrors: string[] = [];
  /** Acceptor monotonicity across restarts, watched from outside the nodes (paxos/sim/invariants.ts). */
  private readonly acceptors = new Invariants();
  steps = 0;
  /** Syncs completed and the virtual ms they took, in all and on slow disks (for tests and the bench). */
  readonly syncs = { count: 0, ms: 0, slowCount: 0, slowMs: 0 };

  constructor(
    private readonly sched: Scheduler,
    readonly ids: NodeName[],
    bug: BugName | null,
    private readonly rng: Rng,
    readonly network: SimNetwork,
  ) {
    for (const id of ids) {
      const config: Config = { self: id, nodes: ids, bug, ...CORE_TIMING };
      const events = new SimEventLog(id, ids, () => sched.now() * 1e6);
      this.nodes.set(id, { id, config, state: null, disk: new SimDisk(), timers: new Map(), pending: new Map(), paused: false, backlog: [], offsetMs: 0, life: 0, open: { records: 0, held: [] }, syncing: null, events, role: '', leader: null, slow: null });
    }
  }

  private node(id: NodeName): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id} in the simulated cluster`);
    return n;
  }

  isUp(id: NodeName): boolean {
    return this.node(id).state !== null;
  }

  /** Starts a node that is down (no-op when up): it recovers from its disk. */
  start(id: NodeName): void {
    const n = this.node(id);
    if (n.state !== null) return;
    try {
      n.state = initState(n.config, n.disk.records());
    } catch (err) {
      this.coreErrors.push(`${id} failed to recover at ${this.sched.now()} ms: ${(err as Error).message}`);
      return;
    }
    this.acceptors.recovered(id, n.state.durable.promised, this.sched.now());
    this.noteViolations();
    const effects = start(n.config, n.state);
    n.events.boot(incarnationOf(effects));
    n.events.local('recover', n.state.volatile.commitIndex);
    n.role = '';
    this.effects(n, effects);
    this.noteView(n);
  }

  /** Each node's event log, as events.jsonl holds it (events.ts). */
  eventLogs(): Record<NodeName, string[]> {
    return Object.fromEntries([...this.nodes.values()].map((n) => [n.id, n.events.text()]));
  }

  /** The process dies: memory, timers, held sends and open requests are gone; the disk keeps what was written. */
  kill(id: NodeName): void {
    const n = this.node(id);
    if (n.state === null) return;
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

  private die(n: SimNode): void {
    n.state = null;
    n.life++;
    n.timers.clear();
    n.paused = false;
    n.backlog = [];
    n.open = { records: 0, held: [] };
    n.syncing = null;
    const pending = [...n.pending.values()];
    n.pending.clear();
    for (const answer of pending) answer({ type: 'reset' }); // the connection drops with the process
  }

  pause(id: NodeName): void {
    const n = this.node(id);
    if (n.state !== null) n.paused = true;
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

  /** Node `id`'s wall clock now: virtual time plus its offset (what its core is told). */
  wallClock(id: NodeName): number {
    return this.wall(this.node(id));
  }

  /** Hands `command` to node `id` as a client would (over a local connection); `answer` is called once. */
  submit(id: NodeName, command: Command, answer: (a: Answer) => void): void {
    const n = this.node(id);
    if (n.state === null) return answer({ type: 'refused' });
    const life = n.life;
    this.sched.after(CLIENT_LINK_MS, () => {
      if (n.life !== life) return answer({ type: 'reset' });
      this.whenRunning(n, () => {
        const rid = this.nextRid++;
        n.pending.set(rid, (a) => this.sched.after(CLIENT_LINK_MS, () => answer(a)));
        this.step(n, { type: 'client', id: rid, command, wallMs: this.wall(n) });
      });
    });
  }

  /** The leader most live nodes name (ties: the first named); null when none knows. */
  leader(): NodeName | null {
    const votes = new Map<NodeName, number>();
    for (const n of this.nodes.values()) {
      const l = n.state && !n.paused ? status(n.state).leader : null;
      if (l !== null) votes.set(l, (votes.get(l) ?? 0) + 1);
    }
    let best: NodeName | null = null;
    for (const [name, k] of votes) if (best === null || k > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  /** Node `id`'s decided log (null when it is down), as Db.decidedLog reads it. */
  decidedLog(id: NodeName): DecidedEntry[] | null {
    const s = this.node(id).state;
    return s === null ? null : decidedEntries(s, 0, Number.MAX_SAFE_INTEGER);
  }

  /** Node `id`'s applied state (null when it is down), as Db.stateDigests reads it. */
  appliedState(id: NodeName): AppliedState | null {
    const s = this.node(id).state;
    return s === null ? null : appliedState(s);
  }

  private wall(n: SimNode): number {
    return this.sched.now() + n.offsetMs;
  }

  /** Runs `task` now, or at resume when the node is paused; never for a node that died meanwhile. */
  private whenRunning(n: SimNode, task: () => void): void {
    if (n.state === null) return;
    if (!n.paused) return task();
    const life = n.life;
    n.backlog.push(() => {
      if (n.life === life) this.whenRunning(n, task);
    });
  }

  private step(n: SimNode, event: Event<Msg>): void {
    this.steps++;
    let effects: CoreEffect[];
    try {
      effects = step(n.config, n.state!, event).effects;
    } catch (err) {
      this.coreErrors.push(`${n.id} threw at ${this.sched.now()} ms on ${event.type}: ${(err as Error).message}`);
      this.kill(n.id);
      return;
    }
    this.effects(n, effects);
    this.noteView(n);
  }

  /** Moves newly broken acceptor invariants into coreErrors (the node-errors checker). */
  private noteViolations(): void {
    const v = this.acceptors.violations;
    if (v.length > this.reported) {
      for (const m of v.slice(this.reported)) this.coreErrors.push(m);
      this.reported = v.length;
    }
  }

  /** Logs a change of role or leader as a local event, as paxos/node.ts does. */
  private noteView(n: SimNode): void {
    if (n.state === null) return;
    const v = n.state.volatile;
    if (v.role === n.role && v.leader === n.leader) return;
    const roleChanged = v.role !== n.role;
    n.role = v.role;
    n.leader = v.leader;
    n.events.local(roleChanged ? `role-${v.role}` : 'leader-change', v.commitIndex);
  }

  /** Runs a step's effects in order; sends and replies after a persist wait for its sync. */
  private effects(n: SimNode, effects: CoreEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'persist':
          n.disk.write(e.record);
          n.open.records++;
          break;
        case 'send':
        case 'reply':
          if (n.open.records > 0 || n.syncing !== null || n.open.held.length > 0) n.open.held.push(e);
          else this.emit(n, e);
          break;
        case 'setTimer': {
          const gen = ++this.timerGen;
          n.timers.set(e.name, gen);
          const life = n.life;
          this.sched.after(e.ms, () => {
            if (n.life !== life || n.timers.get(e.name) !== gen) return;
            this.whenRunning(n, () => {
              if (n.timers.get(e.name) !== gen) return;
              n.timers.delete(e.name);
              this.step(n, { type: 'timer', name: e.name, rand: this.rng.float(), wallMs: this.wall(n) });
            });
          });
          break;
        }
        case 'cancelTimer':
          n.timers.delete(e.name);
          break;
      }
    }
    this.sync(n);
  }

  /** Starts syncing the open batch when no sync is running (group commit); releases what waits on nothing. */
  private sync(n: SimNode): void {
    if (n.syncing !== null || n.state === null) return;
    const batch = n.open;
    if (batch.records === 0) {
      n.open = { records: 0, held: [] };
      for (const e of batch.held) this.emit(n, e);
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
        for (const e of batch.held) this.emit(n, e);
        this.sync(n);
      });
    });
  }

  private emit(n: SimNode, e: CoreEffect): void {
    if (e.type === 'reply') {
      const answer = n.pending.get(e.id);
      n.pending.delete(e.id);
      answer?.(e.result);
      return;
    }
    if (e.type !== 'send') return;
    if (e.msg !== this.lastMsg) {
      // A copy through JSON, as on a real wire; a broadcast's one object is copied once.
      this.lastMsg = e.msg;
      this.lastCopy = JSON.parse(JSON.stringify(e.msg)) as Msg;
    }
    const msg = this.lastCopy!;
    if (msg.type === 'promise' || msg.type === 'accepted') {
      this.acceptors.acknowledged(n.id, msg.type, msg.ballot, this.sched.now());
      this.noteViolations();
    }
    const from = n.id;
    const to = this.node(e.to);
    const slot = 'slot' in msg ? msg.slot : null;
    const stamp = n.events.send(msg.type, to.id, slot);
    for (const d of this.network.delays(from, to.id)) {
      this.sched.after(d, () => {
        if (!this.network.connected(from, to.id)) return;
        this.whenRunning(to, () => {
          to.events.receive(stamp, msg.type, from, slot);
          this.step(to, { type: 'message', from, msg, wallMs: this.wall(to) });
        });
      });
    }
  }
}

/** The incarnation the core's boot effects persist ({t: 'boot', inc}), as paxos/node.ts reads it. */
function incarnationOf(effects: readonly CoreEffect[]): number {
  for (const e of effects) if (e.type === 'persist' && e.record.t === 'boot') return e.record.inc;
  throw new Error('the core booted without persisting a boot record');
}
