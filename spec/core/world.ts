/**
 * The real paxos/core under the model checker: a "world" of N nodes running the core's pure
 * `step`, a network, timers, clients and crashes, as a Spec for spec/mc/checker.ts.
 *
 * Network: like Lamport's `msgs`, the set of every packet ever sent; any packet may be
 * delivered at any time, any number of times, or never. That one rule gives loss, duplication
 * and reordering, and keeps the state finite (no counters of copies).
 * Timers: each node's armed timer names; an armed timer may fire at any moment (durations are
 * ignored: real timings are a subset of these orders, which is sound for safety). The `rand` of
 * a timer event only sets a back-off duration, so a fixed small set of values suffices.
 * Crash: the node's state is rebuilt by initState from the records it persisted (durable kept,
 * volatile dropped) and `start` boots it, all in one step (a down node is one that receives
 * nothing for a while, which delivery order already covers).
 * Ghost (history) variable `votes`: every (ballot, value) each acceptor accepted per slot, the
 * refinement mapping to Lamport's Voting (see properties.ts).
 */
import { cmpBallot, canonicalJson, initState, start, step, TIMER, type Ballot, type Config, type CoreEffect, type Msg, type Rec, type State } from '../../paxos/core/index.js';
import type { Command, Event, NodeId, Result } from '../../paxos/core/types.js';
import type { Action, Step } from '../mc/checker.js';
import { canonicalKey, memoKey, setAdd } from '../mc/canonical.js';

export interface ClientOp {
  command: Command;
  /** Nodes the client may send this op to (each is a separate branch). */
  nodes: NodeId[];
}

export interface WorldConfig {
  nodes: NodeId[];
  bug: Config['bug'];
  /** Per client, its ops in order; a client invokes its next op once the previous completed. */
  clients: ClientOp[][];
  /** Most campaigns (ballots started) in a run. */
  maxBallots: number;
  maxCrashes: number;
  /** Most heartbeat-timer firings (leader rounds, retransmissions, catch-up). */
  maxHeartbeats: number;
  /**
   * Most message deliveries in a run (default: unbounded). Without it the reachable space of
   * even two ops is too large to exhaust in CI; with it, "whole bounded space" means every
   * behaviour with at most this many deliveries.
   */
  maxDeliveries?: number;
  /** Only these nodes' campaign timers may fire (default: all). */
  candidates?: NodeId[];
  /** If given, the k-th campaign must be by campaignOrder[k] (scripts who leads, not when). */
  campaignOrder?: NodeId[];
  /** The `rand` values a timer event may carry. */
  rands: number[];
  maxBatch?: number;
}

export interface Packet {
  from: NodeId;
  to: NodeId;
  msg: Msg;
}

/** A client-visible history event: invocation or completion of op `op`. */
export type HistEvent = { t: 'invoke'; op: number; node: NodeId } | { t: 'complete'; op: number; result: Result };

export interface World {
  nodes: readonly State[];
  wal: ReadonlyArray<readonly Rec[]>;
  /** Armed timer names per node, sorted. */
  timers: ReadonlyArray<readonly string[]>;
  /** Every packet ever sent (a set, sorted by canonical key). */
  net: readonly Packet[];
  /** Per client: index of its next op; `waiting` while one is outstanding. */
  clients: ReadonlyArray<{ next: number; waiting: boolean }>;
  history: readonly HistEvent[];
  campaigns: number;
  crashes: number;
  heartbeats: number;
  deliveries: number;
  /** votes[node][slot]: sorted "ballotNumber|valueKey" strings; the Voting history variable. */
  votes: ReadonlyArray<Readonly<Record<string, readonly string[]>>>;
  /** Set when the core threw (an InvariantError is a core bug the properties report). */
  error: string | null;
}

const WALL_MS = 1_000_000;

const flatCache = new WeakMap<WorldConfig, { client: number; index: number; op: ClientOp }[]>();

/** One flat list of every client op, in client order; op ids index into it. */
export function flatOps(cfg: WorldConfig): { client: number; index: number; op: ClientOp }[] {
  let ops = flatCache.get(cfg);
  if (ops === undefined) {
    ops = cfg.clients.flatMap((list, client) => list.map((op, index) => ({ client, index, op })));
    flatCache.set(cfg, ops);
  }
  return ops;
}

/** A deep copy of plain JSON data (messages, records, results: the core's contract). */
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** The request id a client op uses: unique per op, so replies map back to ops. */
export const ridOf = (op: number): number => op + 1;

export function coreConfig(cfg: WorldConfig, self: NodeId): Config {
  return { self, nodes: cfg.nodes, bug: cfg.bug, heartbeatMs: 10, electionTimeoutMs: 100, maxBatch: cfg.maxBatch ?? 2 };
}

/** Ballots as integers for Voting: round * N + node index; ZERO_BALLOT (no promise) is -1. */
export function ballotNumber(cfg: WorldConfig, b: Ballot): number {
  return b[0] === 0 ? -1 : b[0] * cfg.nodes.length + cfg.nodes.indexOf(b[1]);
}

export function initialWorld(cfg: WorldConfig): World {
  let w: World = {
    nodes: [], wal: [], timers: [], net: [], clients: cfg.clients.map(() => ({ next: 0, waiting: false })), history: [],
    campaigns: 0, crashes: 0, heartbeats: 0, deliveries: 0, votes: cfg.nodes.map(() => ({})), error: null,
  };
  for (const id of cfg.nodes) {
    const state = initState(coreConfig(cfg, id), []);
    w = { ...w, nodes: [...w.nodes, state], wal: [...w.wal, []], timers: [...w.timers, []] };
    w = applyEffects(cfg, w, w.nodes.length - 1, start(coreConfig(cfg, id), state));
  }
  return w;
}

/** Executes a step's effects in order (persists first, by the core's construction). */
function applyEffects(cfg: WorldConfig, w: World, n: number, effects: readonly CoreEffect[]): World {
  const ops = flatOps(cfg);
  let wal = w.wal[n];
  let timers = w.timers[n];
  let net = w.net;
  let history = w.history;
  let clients = w.clients;
  for (const e of effects) {
    switch (e.type) {
      case 'persist':
        wal = [...wal, deepFreeze(copy(e.record))];
        break;
      case 'send':
        net = setAdd(net, deepFreeze({ from: cfg.nodes[n], to: e.to, msg: copy(e.msg) }));
        break;
      case 'setTimer':
        timers = timers.includes(e.name) ? timers : [...timers, e.name].sort();
        break;
      case 'cancelTimer':
        timers = timers.filter((t) => t !== e.name);
        break;
      case 'reply': {
        const op = e.id - 1;
        const owner = ops[op];
        if (owner === undefined) throw new Error(`reply to unknown request id ${e.id}`);
        const done = history.some((h) => h.t === 'complete' && h.op === op);
        if (done) throw new Error(`op ${op} answered twice`);
        history = [...history, { t: 'complete', op, result: copy(e.result) }];
        clients = clients.map((c, i) => (i === owner.client ? { ...c, waiting: false } : c));
        break;
      }
    }
  }
  const with_ = <T>(xs: readonly T[], x: T): T[] => xs.map((y, i) => (i === n ? x : y));
  return { ...w, wal: with_(w.wal, wal), timers: with_(w.timers, timers), net, history, clients };
}

const nodeKeys = new WeakMap<State, string>();

/**
 * A node state's canonical key, computed once per state object: worlds share the states of the
 * nodes that did not move, and world states are never mutated once built.
 */
export function nodeKey(state: State): string {
  let key = nodeKeys.get(state);
  if (key === undefined) {
    key = canonicalKey(state);
    nodeKeys.set(state, key);
  }
  return key;
}

/**
 * A deep copy for `step` to mutate. The state is plain JSON data (the core's contract), so
 * parsing its canonical key is a faithful clone (as cloneState's structuredClone, but reusing
 * the key we need anyway, and about twice as fast).
 */
function cloneNode(state: State): State {
  return JSON.parse(nodeKey(state)) as State;
}

/** Runs `event` at node n on a copy, recording new votes in the ghost variable. */
function stepNode(cfg: WorldConfig, w: World, n: number, event: Event<Msg>): World {
  const before = w.nodes[n];
  const state = cloneNode(before);
  let effects: CoreEffect[];
  try {
    effects = step(coreConfig(cfg, cfg.nodes[n]), state, event).effects;
  } catch (err) {
    return { ...w, error: `${cfg.nodes[n]} threw on ${canonicalJson(event)}: ${(err as Error).message}` };
  }
  const nodes = w.nodes.map((s, i) => (i === n ? state : s));
  return applyEffects(cfg, { ...w, nodes, votes: recordVotes(cfg, w.votes, n, before, state) }, n, effects);
}

/** An accepted entry that is new or changed since `before` is a vote. */
function recordVotes(cfg: WorldConfig, votes: World['votes'], n: number, before: State, after: State): World['votes'] {
  let mine = votes[n];
  for (const [slot, acc] of Object.entries(after.durable.accepted)) {
    const old = before.durable.accepted[slot];
    if (old !== undefined && cmpBallot(old.ballot, acc.ballot) === 0 && (old.value === acc.value || canonicalJson(old.value) === canonicalJson(acc.value))) continue;
    const vote = `${ballotNumber(cfg, acc.ballot)}|${canonicalJson(acc.value)}`;
    const list = mine[slot] ?? [];
    if (!list.includes(vote)) mine = { ...mine, [slot]: [...list, vote].sort() };
  }
  return mine === votes[n] ? votes : votes.map((v, i) => (i === n ? mine : v));
}

export function worldActions(cfg: WorldConfig): Action<World>[] {
  const ops = flatOps(cfg);
  const candidates = cfg.candidates ?? cfg.nodes;
  const mayCampaign = (w: World, node: NodeId): boolean =>
    w.campaigns < cfg.maxBallots && candidates.includes(node) && (cfg.campaignOrder === undefined || cfg.campaignOrder[w.campaigns] === node);
  return [
    {
      name: 'Deliver',
      *successors(w) {
        if (w.error || w.deliveries >= (cfg.maxDeliveries ?? Infinity)) return;
        const counted: World = { ...w, deliveries: w.deliveries + 1 };
        for (const p of w.net) {
          const n = cfg.nodes.indexOf(p.to);
          const event: Event<Msg> = { type: 'message', from: p.from, msg: copy(p.msg), wallMs: WALL_MS };
          yield { label: `Deliver ${p.from}->${p.to} ${describeMsg(p.msg)}`, state: stepNode(cfg, counted, n, event) };
        }
      },
    },
    {
      name: 'Timer',
      *successors(w) {
        if (w.error) return;
        for (let n = 0; n < cfg.nodes.length; n++) {
          for (const name of w.timers[n]) {
            // An election timer only arms the campaign timer: firing it where no campaign may
            // follow would add states that differ in nothing observable.
            if ((name === TIMER.campaign || name === TIMER.election) && !mayCampaign(w, cfg.nodes[n])) continue;
            if (name === TIMER.heartbeat && w.heartbeats >= cfg.maxHeartbeats) continue;
            const fired: World = {
              ...w,
              timers: w.timers.map((t, i) => (i === n ? t.filter((x) => x !== name) : t)),
              campaigns: w.campaigns + (name === TIMER.campaign ? 1 : 0),
              heartbeats: w.heartbeats + (name === TIMER.heartbeat ? 1 : 0),
            };
            for (const rand of name === TIMER.election ? cfg.rands : [0]) {
              const event: Event<Msg> = { type: 'timer', name, rand, wallMs: WALL_MS };
              yield { label: `Timer ${cfg.nodes[n]} ${name}${name === TIMER.election ? ` rand=${rand}` : ''}`, state: stepNode(cfg, fired, n, event) };
            }
          }
        }
      },
    },
    {
      name: 'Invoke',
      *successors(w) {
        if (w.error) return;
        for (let c = 0; c < cfg.clients.length; c++) {
          const { next, waiting } = w.clients[c];
          if (waiting || next >= cfg.clients[c].length) continue;
          const op = ops.findIndex((o) => o.client === c && o.index === next);
          const { command, nodes } = cfg.clients[c][next];
          for (const node of nodes) {
            const n = cfg.nodes.indexOf(node);
            const invoked: World = {
              ...w,
              clients: w.clients.map((cl, i) => (i === c ? { next: next + 1, waiting: true } : cl)),
              history: [...w.history, { t: 'invoke', op, node }],
            };
            const event: Event<Msg> = { type: 'client', id: ridOf(op), command, wallMs: WALL_MS };
            yield { label: `Invoke client ${c} ${canonicalJson(command)} at ${node}`, state: stepNode(cfg, invoked, n, event) };
          }
        }
      },
    },
    {
      name: 'Crash',
      *successors(w) {
        if (w.error || w.crashes >= cfg.maxCrashes) return;
        for (let n = 0; n < cfg.nodes.length; n++) yield { label: `Crash+restart ${cfg.nodes[n]}`, state: crash(cfg, w, n) };
      },
    },
  ];
}

/** Durable kept (replayed from the WAL), volatile and timers dropped, then boot. */
function crash(cfg: WorldConfig, w: World, n: number): World {
  const config = coreConfig(cfg, cfg.nodes[n]);
  let state: State;
  try {
    state = initState(config, w.wal[n]);
  } catch (err) {
    return { ...w, error: `${cfg.nodes[n]} failed to recover: ${(err as Error).message}` };
  }
  // Clients waiting on this node's answer never get one: they stay waiting (an `info` op).
  const crashed: World = {
    ...w,
    crashes: w.crashes + 1,
    nodes: w.nodes.map((s, i) => (i === n ? state : s)),
    timers: w.timers.map((t, i) => (i === n ? [] : t)),
  };
  return applyEffects(cfg, crashed, n, start(config, state));
}

export function describeMsg(m: Msg): string {
  const { type, ...rest } = m as Msg & Record<string, unknown>;
  return `${type} ${canonicalJson(rest)}`;
}

/** The canonical key of a world (node states and packets are keyed canonically). */
export function worldKey(w: World): string {
  return `${w.nodes.map(nodeKey).join('|')}#${memoKey(w.wal)}#${memoKey(w.timers)}#${w.net.map(memoKey).join(',')}#${memoKey(w.clients)}#${memoKey(w.history)}#${w.campaigns},${w.crashes},${w.heartbeats},${w.deliveries}#${memoKey(w.votes)}#${w.error ?? ''}`;
}

function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFreeze(v);
  }
  return x;
}

export type { Step };
