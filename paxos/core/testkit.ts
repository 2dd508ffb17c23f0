/**
 * Helpers for the core's unit tests: build a node, feed it events, pick effects apart, and a
 * tiny synchronous network that delivers every message at once (no faults; the simulator
 * does faults).
 */
import { initState, start, step, walCarry, type State } from './index.js';
import type { CoreEffect } from './context.js';
import type { Msg, Rec } from './messages.js';
import type { BugName, Command, Config, NodeId, Result } from './types.js';

export interface TestNode {
  config: Config;
  state: State;
  records: Rec[];
}

export function config(self: NodeId, nodes: NodeId[] = ['n1', 'n2', 'n3'], bug: BugName | null = null, extra: Partial<Config> = {}): Config {
  return { self, nodes, bug, heartbeatMs: 50, electionTimeoutMs: 200, maxBatch: 4, ...extra };
}

export function node(self: NodeId, nodes?: NodeId[], bug: BugName | null = null, extra: Partial<Config> = {}, records: Rec[] = []): TestNode {
  const c = config(self, nodes, bug, extra);
  const n: TestNode = { config: c, state: initState(c, records), records: [...records] };
  keep(n, start(c, n.state));
  return n;
}

/** Keeps persisted records as the node shell does: a snapshot restarts the WAL (walCarry). */
function keep(n: TestNode, effects: CoreEffect[]): CoreEffect[] {
  for (const e of effects) {
    if (e.type !== 'persist') continue;
    if (e.record.t === 'snap') n.records = [e.record, ...walCarry(n.config, n.state)];
    else n.records.push(e.record);
  }
  return effects;
}

export function deliver(n: TestNode, from: NodeId, msg: Msg, wallMs = 0): CoreEffect[] {
  return keep(n, step(n.config, n.state, { type: 'message', from, msg, wallMs }).effects);
}

export function fire(n: TestNode, name: string, rand = 0.5, wallMs = 0): CoreEffect[] {
  return keep(n, step(n.config, n.state, { type: 'timer', name, rand, wallMs }).effects);
}

export function client(n: TestNode, id: number, command: Command, wallMs = 0): CoreEffect[] {
  return keep(n, step(n.config, n.state, { type: 'client', id, command, wallMs }).effects);
}

export const sends = (effects: CoreEffect[], type?: Msg['type']) =>
  effects.flatMap((e) => (e.type === 'send' && (type === undefined || e.msg.type === type) ? [{ to: e.to, msg: e.msg }] : []));
export const persists = (effects: CoreEffect[]) => effects.flatMap((e) => (e.type === 'persist' ? [e.record] : []));
export const replies = (effects: CoreEffect[]) =>
  effects.flatMap((e) => (e.type === 'reply' ? [{ id: e.id, result: e.result as Result }] : []));

/** Every node in one process; `settle` delivers messages (FIFO) until none are left. */
export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  readonly replies: { node: NodeId; id: number; result: Result }[] = [];
  private inflight: { from: NodeId; to: NodeId; msg: Msg }[] = [];
  /** Links that drop everything (both directions). */
  readonly cut = new Set<string>();

  constructor(ids: NodeId[] = ['n1', 'n2', 'n3'], bug: BugName | null = null, extra: Partial<Config> = {}) {
    for (const id of ids) this.nodes.set(id, node(id, ids, bug, extra));
  }

  get(id: NodeId): TestNode {
    return this.nodes.get(id)!;
  }

  absorb(from: NodeId, effects: CoreEffect[]): void {
    for (const e of effects) {
      if (e.type === 'send') this.inflight.push({ from, to: e.to, msg: JSON.parse(JSON.stringify(e.msg)) as Msg });
      if (e.type === 'reply') this.replies.push({ node: from, id: e.id, result: e.result as Result });
    }
  }

  fire(id: NodeId, name: string, rand = 0.5): void {
    this.absorb(id, fire(this.get(id), name, rand));
  }

  client(id: NodeId, rid: number, command: Command): void {
    this.absorb(id, client(this.get(id), rid, command));
  }

  settle(limit = 10_000): void {
    for (let i = 0; this.inflight.length > 0; i++) {
      if (i > limit) throw new Error('cluster did not settle');
      const m = this.inflight.shift()!;
      if (this.cut.has(`${m.from}-${m.to}`) || this.cut.has(`${m.to}-${m.from}`)) continue;
      this.absorb(m.to, deliver(this.get(m.to), m.from, m.msg));
    }
  }

  /** Makes `id` leader: election timer, back-off timer, all messages delivered. */
  elect(id: NodeId): void {
    this.fire(id, 'election');
    this.fire(id, 'campaign');
    this.settle();
  }

  /** Simulates a crash and restart of `id` from its persisted records. */
  restart(id: NodeId): void {
    const old = this.get(id);
    const n = node(id, old.config.nodes, old.config.bug, old.config, JSON.parse(JSON.stringify(old.records)) as Rec[]);
    this.nodes.set(id, n);
  }
}
