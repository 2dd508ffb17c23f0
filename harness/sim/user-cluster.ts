/**
 * A simulated cluster of a user's nodes (ground/sim.ts: SimSystem) in one process on virtual
 * time, beside cluster.ts (paxos/core's). Same rules as there: messages go through the
 * simulated network (a JSON copy each), timers and client requests are callbacks on the
 * Scheduler, persists go to a SimDisk and the sends and replies after them wait for the sync
 * (group commit), the node's clock is virtual time plus its offset; kill keeps what was
 * written, power loss only what was synced; a paused node's events wait for resume. A handler
 * that throws takes its node down and is recorded in nodeErrors (the node-errors checker).
 */
import type { Rng } from '../../ground/rng.js';
import type { Grudge, NodeName } from '../../ground/runtime.js';
import type { SimContext, SimNode, SimSystem } from '../../ground/sim.js';
import type { Rec } from '../../paxos/core/messages.js';
import { CLIENT_LINK_MS, type Answer } from './cluster.js';
import { SimDisk } from './disk.js';
import { WallClockRead } from './guard.js';
import type { SimNetwork } from './network.js';
import type { Scheduler, Task } from './scheduler.js';

/** What a request came to: the node's reply, or the connection's fate. */
export type UserAnswer = { type: 'reply'; reply: unknown } | Exclude<Answer, { type: 'ok' | 'fail' | 'unknown' }>;

/** One sync of the disk takes SYNC_MS[0]..SYNC_MS[1] virtual ms (as cluster.ts). */
const SYNC_MS: [number, number] = [1, 3];

type Held = { to: NodeName; msg: unknown } | { request: number; reply: unknown };

interface Batch {
  records: number;
  held: Held[];
}

interface UserNode {
  id: NodeName;
  machine: SimNode | null;
  disk: SimDisk;
  rng: Rng;
  timers: Map<string, number>;
  pending: Map<number, (a: UserAnswer) => void>;
  paused: boolean;
  backlog: Task[];
  offsetMs: number;
  life: number;
  open: Batch;
  syncing: Batch | null;
}

export class UserCluster {
  private readonly nodes = new Map<NodeName, UserNode>();
  private timerGen = 0;
  private nextRid = 1;
  /** Handlers that threw (each took its node down, as a crash of a real process would). */
  readonly nodeErrors: string[] = [];
  steps = 0;

  constructor(
    private readonly sched: Scheduler,
    readonly ids: NodeName[],
    private readonly system: SimSystem,
    private readonly bug: string | null,
    /** Each node's stream is forked from it in order, then it draws the sync times. */
    private readonly rng: Rng,
    readonly network: SimNetwork,
  ) {
    for (const id of ids) {
      this.nodes.set(id, { id, machine: null, disk: new SimDisk(), rng: rng.fork(), timers: new Map(), pending: new Map(), paused: false, backlog: [], offsetMs: 0, life: 0, open: { records: 0, held: [] }, syncing: null });
    }
  }

  private node(id: NodeName): UserNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id} in the simulated cluster`);
    return n;
  }

  isUp(id: NodeName): boolean {
    return this.node(id).machine !== null;
  }

  /** Starts a node that is down (no-op when up) from what its disk kept. */
  start(id: NodeName): void {
    const n = this.node(id);
    if (n.machine !== null) return;
    const disk = n.disk.records() as unknown[];
    this.guarded(n, 'start', () => {
      n.machine = this.system.node(this.contextOf(n, n.life), disk);
    });
  }

  kill(id: NodeName): void {
    const n = this.node(id);
    if (n.machine === null) return;
    n.disk.kill();
    this.die(n);
  }

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

  setClockOffset(id: NodeName, ms: number): void {
    this.node(id).offsetMs = ms;
  }

  /** The leader most live nodes name (ties: the first named); null when none knows or the nodes do not say. */
  leader(): NodeName | null {
    const votes = new Map<NodeName, number>();
    for (const n of this.nodes.values()) {
      const l = n.machine && !n.paused ? (n.machine.leader?.() ?? null) : null;
      if (l !== null) votes.set(l, (votes.get(l) ?? 0) + 1);
    }
    let best: NodeName | null = null;
    for (const [name, k] of votes) if (best === null || k > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  /** Hands `request` to node `id` over a local connection; `answer` is called at most once. */
  submit(id: NodeName, request: unknown, answer: (a: UserAnswer) => void): void {
    const n = this.node(id);
    if (n.machine === null) return answer({ type: 'refused' });
    const life = n.life;
    const wire = JSON.parse(JSON.stringify(request)) as unknown;
    this.sched.after(CLIENT_LINK_MS, () => {
      if (n.life !== life) return answer({ type: 'reset' });
      this.whenRunning(n, () => {
        const rid = this.nextRid++;
        n.pending.set(rid, (a) => this.sched.after(CLIENT_LINK_MS, () => answer(a)));
        this.guarded(n, 'request', () => n.machine!.onRequest(rid, wire));
      });
    });
  }

  /** The context of one life of node n: every effect of an older life is ignored. */
  private contextOf(n: UserNode, life: number): SimContext {
    const alive = () => n.life === life && n.machine !== null;
    const holdOrEmit = (e: Held) => {
      if (!alive()) return;
      if (n.open.records > 0 || n.syncing !== null || n.open.held.length > 0) n.open.held.push(e);
      else this.emit(n, e);
    };
    return {
      self: n.id,
      nodes: this.ids,
      bug: this.bug,
      rng: n.rng,
      now: () => this.sched.now() + n.offsetMs,
      send: (to, msg) => {
        this.node(to); // an unknown name is the node's bug: throw inside its handler
        holdOrEmit({ to, msg: JSON.parse(JSON.stringify(msg)) as unknown });
      },
      setTimer: (name, ms) => {
        if (!alive()) return;
        const gen = ++this.timerGen;
        n.timers.set(name, gen);
        this.sched.after(ms, () => {
          if (n.life !== life || n.timers.get(name) !== gen) return;
          this.whenRunning(n, () => {
            if (n.timers.get(name) !== gen) return;
            n.timers.delete(name);
            this.guarded(n, `timer ${name}`, () => n.machine!.onTimer?.(name));
          });
        });
      },
      cancelTimer: (name) => {
        if (alive()) n.timers.delete(name);
      },
      persist: (record) => {
        if (!alive()) return;
        n.disk.write(record as Rec); // SimDisk stores any JSON value; Rec is only its paxos typing
        n.open.records++;
      },
      reply: (request, reply) => holdOrEmit({ request, reply: JSON.parse(JSON.stringify(reply ?? null)) as unknown }),
    };
  }

  private die(n: UserNode): void {
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

  /** Runs `task` now, or at resume when paused; never for a node that died meanwhile. */
  private whenRunning(n: UserNode, task: () => void): void {
    if (n.machine === null) return;
    if (!n.paused) return task();
    const life = n.life;
    n.backlog.push(() => {
      if (n.life === life) this.whenRunning(n, task);
    });
  }

  /** Runs one handler of node n; a throw takes the node down (kill: its disk keeps what was written), except a read of real time, which crashes the run. */
  private guarded(n: UserNode, what: string, handler: () => void): void {
    this.steps++;
    try {
      handler();
    } catch (err) {
      if (err instanceof WallClockRead) throw err; // not the node's failure: the run cannot replay, so it crashes
      this.nodeErrors.push(`${n.id} threw at ${this.sched.now()} ms on ${what}: ${(err as Error)?.message ?? String(err)}`);
      n.disk.kill();
      this.die(n);
      return;
    }
    this.sync(n);
  }

  /** Starts syncing the open batch when no sync runs (group commit); releases what waits on nothing. */
  private sync(n: UserNode): void {
    if (n.syncing !== null || n.machine === null) return;
    const batch = n.open;
    if (batch.records === 0) {
      n.open = { records: 0, held: [] };
      for (const e of batch.held) this.emit(n, e);
      return;
    }
    n.syncing = batch;
    n.open = { records: 0, held: [] };
    const life = n.life;
    this.sched.after(this.rng.int(SYNC_MS[0], SYNC_MS[1]), () => {
      if (n.life !== life) return;
      this.whenRunning(n, () => {
        n.disk.sync(batch.records);
        n.syncing = null;
        for (const e of batch.held) this.emit(n, e);
        this.sync(n);
      });
    });
  }

  private emit(n: UserNode, e: Held): void {
    if ('request' in e) {
      const answer = n.pending.get(e.request);
      n.pending.delete(e.request);
      answer?.({ type: 'reply', reply: e.reply });
      return;
    }
    const from = n.id;
    const to = this.node(e.to);
    for (const d of this.network.delays(from, to.id)) {
      this.sched.after(d, () => {
        if (!this.network.connected(from, to.id)) return;
        this.whenRunning(to, () => this.guarded(to, 'message', () => to.machine!.onMessage?.(from, e.msg)));
      });
    }
  }
}
