/**
 * A simulated cluster of a user's nodes (ground/sim.ts: SimSystem) in one process on virtual
 * time: a thin driver of host.ts, as cluster.ts is for paxos/core, so a user's nodes live, die,
 * pause, sync and take every fault by the same rules. Here, a node is the user's SimNode: each
 * message, timer and client request is one call of its handler, and its SimContext hands the
 * host what it does (persist, send and reply held behind persists, timers); a restart builds a
 * fresh SimNode from what its disk kept. Messages, requests and replies are copied through
 * JSON, as on a wire. A handler that throws takes its node down and is a node error.
 */
import type { Rng } from '../../ground/rng.js';
import type { NodeName } from '../../ground/runtime.js';
import type { SimContext, SimNode, SimSystem } from '../../ground/sim.js';
import { hostNode, SimHost, type HostNode, type Lost } from './host.js';
import type { SimNetwork } from './network.js';
import type { Scheduler } from './scheduler.js';

/** What a request came to: the node's reply, or the connection's fate. */
export type UserAnswer = Reply | Lost;
type Reply = { type: 'reply'; reply: unknown };

/** A send (to a node) or a reply (to a request), held until the persists before it are synced. */
type Held = { to: UserNode; msg: unknown } | { request: number; reply: unknown };

interface UserNode extends HostNode<SimNode, Held, Reply> {
  /** The node's own stream (ctx.rng), kept across restarts. */
  rng: Rng;
}

const copy = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

export class UserCluster extends SimHost<SimNode, Held, Reply, UserNode> {
  constructor(
    sched: Scheduler,
    ids: NodeName[],
    private readonly system: SimSystem,
    private readonly bug: string | null,
    /** Each node's stream is forked from it in order, then it draws the sync times. */
    rng: Rng,
    network: SimNetwork,
  ) {
    super(sched, ids, rng, network);
    for (const id of ids) this.nodes.set(id, { ...hostNode<SimNode, Held, Reply>(id), rng: rng.fork() });
  }

  start(id: NodeName): void {
    const n = this.node(id);
    if (n.machine !== null) return;
    const disk = n.disk.records() as unknown[];
    this.guarded(n, 'start', () => {
      n.machine = this.system.node(this.contextOf(n, n.life), disk);
    });
  }

  /** Hands `request` to node `id` over a local connection; `answer` is called at most once. */
  submit(id: NodeName, request: unknown, answer: (a: UserAnswer) => void): void {
    const wire = copy(request);
    this.request(id, answer, (n, rid) => this.guarded(n, 'request', () => n.machine!.onRequest(rid, wire)));
  }

  protected leaderOf(n: UserNode): NodeName | null {
    return n.machine!.leader?.() ?? null;
  }

  protected fire(n: UserNode, name: string): void {
    this.guarded(n, `timer ${name}`, () => n.machine!.onTimer?.(name));
  }

  protected release(n: UserNode, e: Held): void {
    if ('request' in e) return this.answer(n, e.request, { type: 'reply', reply: e.reply });
    const from = n.id;
    const to = e.to;
    this.transmit(n, to, () => this.guarded(to, 'message', () => to.machine!.onMessage?.(from, e.msg)));
  }

  /** The context of one life of node n: every effect of an older life is ignored. */
  private contextOf(n: UserNode, life: number): SimContext {
    // The life alone: while SimSystem.node() builds the node there is no machine yet, and what it does then counts.
    const alive = () => n.life === life;
    const hold = (e: Held) => {
      if (alive()) this.hold(n, e);
    };
    return {
      self: n.id,
      nodes: this.ids,
      bug: this.bug,
      rng: n.rng,
      now: () => this.wall(n),
      send: (to, msg) => {
        const node = this.node(to); // an unknown name is the node's bug: throw inside its handler
        hold({ to: node, msg: copy(msg) });
      },
      setTimer: (name, ms) => {
        if (alive()) this.setTimer(n, name, ms);
      },
      cancelTimer: (name) => {
        if (alive()) this.cancelTimer(n, name);
      },
      persist: (record) => {
        if (alive()) this.persist(n, record);
      },
      reply: (request, reply) => hold({ request, reply: copy(reply ?? null) }),
    };
  }

  /** Runs one handler of node n, then lets the host sync what it persisted; a throw is the host's crash. */
  private guarded(n: UserNode, what: string, handler: () => void): void {
    this.steps++;
    try {
      handler();
    } catch (err) {
      this.crash(n, what, err);
      return;
    }
    this.sync(n);
  }
}
