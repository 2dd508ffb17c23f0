/**
 * The per-step context: the state being stepped, and the effects it emits. Persists are kept
 * ahead of every other effect of the step, so the ordering rule of types.ts holds by
 * construction. Also the helpers every role shares (waiters, assertions, timers' names).
 */
import type { Rec, Msg, CmdId } from './messages.js';
import type { Durable, State, Volatile, Waiter } from './state.js';
import type { Config, Effect, NodeId, Result } from './types.js';

export const TIMER = {
  /** No sign of a leader for electionTimeoutMs: start the random back-off. */
  election: 'election',
  /** The random back-off ended: campaign. */
  campaign: 'campaign',
  /** Leader: heartbeat round, retransmissions. */
  heartbeat: 'heartbeat',
} as const;

export type CoreEffect = Effect<Msg, Rec>;

export class InvariantError extends Error {}

/** Fails loudly on a broken protocol invariant (a bug in the core, never bad input). */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InvariantError(`paxos core invariant: ${message}`);
}

export class Ctx {
  readonly d: Durable;
  readonly v: Volatile;
  readonly self: NodeId;
  readonly quorum: number;
  /** A snapshot was taken or installed in this step (at most one per step: snapshot.ts). */
  snapshotted = false;
  private readonly persists: CoreEffect[] = [];
  private readonly others: CoreEffect[] = [];

  constructor(readonly config: Config, readonly state: State, readonly wallMs: number) {
    this.d = state.durable;
    this.v = state.volatile;
    this.self = config.self;
    this.quorum = Math.floor(config.nodes.length / 2) + 1;
  }

  /** True once this step has persisted something (so its effects wait for an fsync anyway). */
  get persisting(): boolean {
    return this.persists.length > 0;
  }

  persist(record: Rec): void {
    this.persists.push({ type: 'persist', record });
  }

  /** Promise/accept records: the volatile-acceptor bug drops exactly these. */
  persistAcceptor(record: Rec): void {
    if (this.config.bug !== 'volatile-acceptor') this.persist(record);
  }

  send(to: NodeId, msg: Msg): void {
    assert(to !== this.self, `send to self (${msg.type})`);
    this.others.push({ type: 'send', to, msg });
  }

  broadcast(msg: Msg): void {
    for (const n of this.config.nodes) if (n !== this.self) this.others.push({ type: 'send', to: n, msg });
  }

  setTimer(name: string, ms: number): void {
    this.others.push({ type: 'setTimer', name, ms });
  }

  cancelTimer(name: string): void {
    this.others.push({ type: 'cancelTimer', name });
  }

  reply(id: number, result: Result): void {
    this.others.push({ type: 'reply', id, result });
  }

  effects(): CoreEffect[] {
    return this.persists.length === 0 ? this.others : this.persists.concat(this.others);
  }
}

export function addWaiter(ctx: Ctx, id: CmdId, waiter: Waiter): void {
  const list = (ctx.v.waiters[id] ??= []);
  if (waiter.node !== ctx.self && list.some((w) => w.node === waiter.node)) return; // a duplicated forward
  list.push(waiter);
}

/** Answers one waiter: a local client directly, a forwarding node by forwardReply. */
export function answer(ctx: Ctx, id: CmdId, waiter: Waiter, result: Result): void {
  if (waiter.node === ctx.self) ctx.reply(waiter.rid, result);
  else ctx.send(waiter.node, { type: 'forwardReply', id, result, leader: ctx.v.leader });
}

/** Answers everyone waiting for command `id` (at most once: the waiters are removed). */
export function resolve(ctx: Ctx, id: CmdId, result: Result): void {
  const list = ctx.v.waiters[id];
  if (list === undefined) return;
  delete ctx.v.waiters[id];
  for (const w of list) answer(ctx, id, w, result);
}

/** Answers every remaining waiter with `result` (leadership changed under them). */
export function resolveAll(ctx: Ctx, result: Result): void {
  for (const id of Object.keys(ctx.v.waiters)) resolve(ctx, id, result);
}

export const NOT_LEADER: Result = { type: 'fail', error: 'not-leader', leader: null };
