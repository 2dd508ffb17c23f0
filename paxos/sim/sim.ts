/**
 * The deterministic simulator: 3 or 5 pure cores in one process, driven from one seed (the
 * project's Rng; no Map-order or wall-time dependence, so a seed replays exactly). A network
 * of in-flight messages with random delay, drop, duplication (hence reordering), partitions
 * that come and go (often isolating the leader), crash + restart from persisted records only
 * (often the leader), optional wall-clock skew, timers on simulated time, random client
 * commands at random nodes, batch size and pipeline depth varied per seed; optionally process
 * pauses, and crashes aimed inside a step's persists (torn: the records up to a point are
 * durable, the rest and every send and reply of the step are lost). Snapshots every 2-24 slots
 * in 3 seeds of 4 and a dedup window of 2-16 in half (from a stream of their own, so schedules
 * do not change): restarts from a snapshot file plus a compacted WAL (a crash may fall between
 * writing the one and rewriting the other), laggards catching up by a peer's snapshot, late
 * duplicates against a small dedup window. swarm.ts draws all of
 * these per seed (options.ts). A fault phase is followed by a healed quiet phase. Checked
 * (invariants.ts): agreement, validity and acceptor monotonicity as they happen; at the end
 * convergence, no lost acknowledged update, no decided `not-leader` command, and liveness after
 * the heal. linearizability.ts judges the clients' results.
 */
import { Rng } from '../../ground/rng.js';
import { canonicalJson } from '../../ground/canonical.js';
import type { CoreEffect } from '../core/context.js';
import { initState, start, status, step, walCarry, type State } from '../core/index.js';
import type { Msg, Rec } from '../core/messages.js';
import type { Command, Config, Event, NodeId, Result } from '../core/types.js';
import { Invariants } from './invariants.js';
import { DEFAULT_SIM, type SimOptions } from './options.js';
import { EventQueue } from './queue.js';

export { DEFAULT_SIM, LINEARIZABLE_SIM, replayCommand, type SimOptions } from './options.js';

/** One client operation as the simulated clients saw it (for liveness and history checks). */
export interface SimOp {
  node: NodeId;
  rid: number;
  command: Command;
  invokeAt: number;
  completeAt: number | null;
  result: Result | null;
}

export interface SimResult {
  options: SimOptions;
  violations: string[];
  ops: SimOp[];
  steps: number;
  /** What the faults amounted to (to show a run was not trivially calm). */
  faults: { crashes: number; torn: number; pauses: number; partitions: number; dropped: number; duplicated: number; ballots: number; snapshots: number; snapshotInstalls: number; snapshotRestarts: number };
  /** Decided slots at the end (highest commit index). */
  slots: number;
  okAfterHeal: number;
  /** Each live node's status at the end (for diagnosis). */
  final: ReturnType<typeof status>[];
}

type SimEvent =
  | { kind: 'deliver'; to: NodeId; from: NodeId; msg: Msg | null }
  | { kind: 'timer'; node: NodeId; name: string; gen: number }
  | { kind: 'client'; client?: number; turn?: number }
  | { kind: 'crash' }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'partition' }
  | { kind: 'heal' }
  | { kind: 'skew' }
  | { kind: 'pause' };

interface SimNode {
  id: NodeId;
  config: Config;
  state: State | null;
  /** The snapshot file (a `snap` record) and the WAL, as bytes: what survives a crash. */
  snap: string | null;
  records: string[];
  timers: Record<string, number>;
  pending: Map<number, SimOp>;
  skewMs: number;
  /** Armed by a torn crash: dies inside its next step that persists. */
  tornCrash: boolean;
  /** Handles no event before this simulated time (a process pause). */
  pausedUntil: number;
}

const KEYS = ['a', 'b', 'c', 'd', 'e'];
/** How long a closed-loop client waits for an answer before its next command. */
const CLIENT_TIMEOUT_MS = 500;
/** Longest the run continues past its end for in-flight work to finish (simulated ms). */
const DRAIN_MS = 3000;

export function simulate(partial: Partial<SimOptions> & { seed: number; nodes: number }): SimResult {
  const options: SimOptions = { ...DEFAULT_SIM, bug: null, ...partial };
  return new Simulation(options).run();
}

class Simulation {
  private readonly rng: Rng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: SimNode[];
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly inv = new Invariants();
  private readonly ops: SimOp[] = [];
  private now = 0;
  private steps = 0;
  private readonly faults = { crashes: 0, torn: 0, pauses: 0, partitions: 0, dropped: 0, duplicated: 0, ballots: 0, snapshots: 0, snapshotInstalls: 0, snapshotRestarts: 0 };
  /** Distinct ballots that became leader (an election count). */
  private readonly leaderBallots = new Set<string>();
  private timerGen = 0;
  private nextRid = 1;
  private nextValue = 1;
  /** Partition: node -> group; messages cross only within a group. Null = healed. */
  private groups: Map<NodeId, number> | null = null;
  private healed = false;
  private lastMsg: unknown = null;
  private lastCopy: Msg | null = null;
  /** Closed-loop clients: the request each waits for, and its current turn (stale turns are ignored). */
  private readonly waitingFor: (number | null)[];
  private readonly clientTurn: number[];

  constructor(private readonly o: SimOptions) {
    if (!Number.isSafeInteger(o.nodes) || o.nodes < 1 || o.nodes > 9) throw new Error(`nodes must be 1..9, got ${o.nodes}`);
    this.rng = new Rng(o.seed);
    const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    // Batching and pipelining vary per seed: 1 and 1 is plain Multi-Paxos, larger ones batch.
    const maxBatch = this.rng.int(1, 8);
    const maxInflight = this.rng.int(1, 6);
    // Snapshots (often, so that restarts from one and catch-up by one happen) and the dedup
    // window, drawn from a stream of their own: the run's schedule is the same as without them.
    const compaction = new Rng(o.seed ^ 0x5eed5).fork();
    const snapshotEvery = compaction.chance(0.75) ? compaction.int(2, 24) : 0;
    const dedupWindow = compaction.chance(0.5) ? compaction.int(2, 16) : undefined;
    this.nodes = ids.map((id) => ({
      id,
      config: { self: id, nodes: ids, bug: o.bug, heartbeatMs: 50, electionTimeoutMs: 200, maxBatch, maxInflight, snapshotEvery, ...(dedupWindow ? { dedupWindow } : {}) },
      state: null, snap: null, records: [], timers: {}, pending: new Map(), skewMs: 0, tornCrash: false, pausedUntil: 0,
    }));
    for (const n of this.nodes) this.byId.set(n.id, n);
    this.waitingFor = Array.from({ length: o.clients }, () => null);
    this.clientTurn = Array.from({ length: o.clients }, () => 0);
  }

  run(): SimResult {
    const o = this.o;
    for (const n of this.nodes) this.boot(n);
    if (o.clients === 0) this.queue.push(this.rng.int(0, o.clientEveryMs * 2), { kind: 'client' });
    for (let c = 0; c < o.clients; c++) this.nextTurn(c, this.rng.int(0, o.clientEveryMs * 2));
    if (o.crashes) this.queue.push(this.rng.int(100, 400), { kind: 'crash' });
    if (o.partitions) this.queue.push(this.rng.int(100, 400), { kind: 'partition' });
    if (o.clockSkewMs > 0) this.queue.push(this.rng.int(100, 400), { kind: 'skew' });
    if (o.pauseMaxMs > 0) this.queue.push(this.rng.int(100, 400), { kind: 'pause' });
    this.queue.push(o.faultMs, { kind: 'heal' });
    const end = o.faultMs + o.quietMs;
    // After the end, keep running (no new clients, no faults) until the work still in flight
    // is done and every node has caught up, for at most DRAIN_MS: convergence is "eventually".
    for (let ev = this.queue.pop(); ev !== undefined && ev.at <= end + DRAIN_MS; ev = this.queue.pop()) {
      this.now = ev.at;
      this.handle(ev.item);
      if (this.inv.violations.length > 0) break;
      if (this.now > end && this.quiescent()) break;
    }
    const live = this.nodes.filter((n) => n.state !== null).map((n) => ({ id: n.id, state: n.state! }));
    if (this.inv.violations.length === 0) this.inv.converged(live);
    if (this.inv.violations.length === 0 && live.length > 0) this.inv.outcomes(this.ops);
    const okAfterHeal = this.ops.filter((op) => op.invokeAt >= o.faultMs && op.result?.type === 'ok').length;
    if (this.inv.violations.length === 0 && okAfterHeal === 0) this.inv.fail('liveness: no client command completed after the heal');
    return {
      options: o, violations: this.inv.violations, ops: this.ops, steps: this.steps,
      faults: { ...this.faults, ballots: this.leaderBallots.size },
      slots: Math.max(0, ...live.map((n) => n.state.volatile.commitIndex)), okAfterHeal,
      final: live.map((n) => status(n.state)),
    };
  }

  private handle(e: SimEvent): void {
    const o = this.o;
    switch (e.kind) {
      case 'deliver': {
        const node = this.byId.get(e.to)!;
        if (node.pausedUntil > this.now) return this.queue.push(node.pausedUntil, e);
        if (node.state === null || !this.connected(e.from, e.to)) return;
        this.step(node, { type: 'message', from: e.from, msg: e.msg!, wallMs: this.wall(node) });
        return;
      }
      case 'timer': {
        const node = this.byId.get(e.node)!;
        if (node.pausedUntil > this.now) return this.queue.push(node.pausedUntil, e);
        if (node.state === null || node.timers[e.name] !== e.gen) return;
        delete node.timers[e.name];
        this.step(node, { type: 'timer', name: e.name, rand: this.rng.int(0, 0x3fffffff) / 0x40000000, wallMs: this.wall(node) });
        return;
      }
      case 'client': {
        const c = e.client;
        if (c !== undefined && e.turn !== this.clientTurn[c]) return; // answered meanwhile: a later turn is due
        if (this.now >= o.faultMs + o.quietMs - 1000) return;
        if (c === undefined) this.queue.push(this.now + this.rng.int(1, o.clientEveryMs * 2), { kind: 'client' });
        else this.nextTurn(c, CLIENT_TIMEOUT_MS); // gives up waiting then, unless answered sooner
        const up = this.nodes.filter((n) => n.state !== null && n.pausedUntil <= this.now);
        if (up.length === 0) return;
        const node = this.rng.pick(up);
        const command = this.randomCommand();
        const op: SimOp = { node: node.id, rid: this.nextRid++, command, invokeAt: this.now, completeAt: null, result: null };
        this.ops.push(op);
        node.pending.set(op.rid, op);
        this.inv.submit(node.id, op.rid, command);
        if (c !== undefined) this.waitingFor[c] = op.rid;
        this.step(node, { type: 'client', id: op.rid, command, wallMs: this.wall(node) });
        return;
      }
      case 'crash': {
        if (this.healed) return;
        this.queue.push(this.now + this.rng.int(o.crashEveryMs[0], o.crashEveryMs[1]), { kind: 'crash' });
        const up = this.nodes.filter((n) => n.state !== null);
        // Keep a majority up most of the time; sometimes take down more (availability drops, safety must not).
        if (up.length <= Math.floor(o.nodes / 2) + (this.rng.chance(0.2) ? 0 : 1)) return;
        // Often the leader: its crash is what exercises phase 1, adoption and recovery.
        const leaders = up.filter((n) => n.state!.volatile.role === 'leader');
        const node = leaders.length > 0 && this.rng.chance(o.leaderCrashP) ? this.rng.pick(leaders) : this.rng.pick(up);
        if (o.tornCrashP > 0 && this.rng.chance(o.tornCrashP)) node.tornCrash = true;
        else this.crash(node);
        return;
      }
      case 'pause': {
        if (this.healed) return;
        this.queue.push(this.now + this.rng.int(100, 800), { kind: 'pause' });
        const leaders = this.nodes.filter((n) => n.state?.volatile.role === 'leader');
        const node = leaders.length > 0 && this.rng.chance(0.5) ? this.rng.pick(leaders) : this.rng.pick(this.nodes);
        node.pausedUntil = this.now + this.rng.int(1, o.pauseMaxMs);
        this.faults.pauses++;
        return;
      }
      case 'restart': {
        const node = this.byId.get(e.node)!;
        if (node.state === null) this.boot(node);
        return;
      }
      case 'partition': {
        if (this.healed) return;
        if (this.groups !== null && this.rng.chance(0.5)) this.groups = null;
        else {
          this.groups = new Map();
          this.faults.partitions++;
          // Often isolate a leader in a minority: the case leases and stale leaders are about.
          const leader = this.nodes.find((n) => n.state?.volatile.role === 'leader');
          const ids = this.rng.shuffle(this.nodes.map((n) => n.id));
          const shuffled = leader !== undefined && this.rng.chance(0.5) ? [leader.id, ...ids.filter((id) => id !== leader.id)] : ids;
          const cut = this.rng.int(1, shuffled.length - 1);
          shuffled.forEach((id, i) => this.groups!.set(id, i < cut ? 0 : 1));
        }
        // Long enough, sometimes, for the majority side to elect a leader and commit behind it.
        const longest = this.rng.chance(0.3) ? o.partitionMaxMs : Math.max(50, Math.round((o.partitionMaxMs * 4) / 9));
        this.queue.push(this.now + this.rng.int(50, longest), { kind: 'partition' });
        return;
      }
      case 'skew': {
        if (this.healed) return;
        this.queue.push(this.now + this.rng.int(20, 200), { kind: 'skew' });
        // Half the time the leader's clock: a lease is only as good as its holder's clock.
        const leaders = this.nodes.filter((n) => n.state?.volatile.role === 'leader');
        const target = leaders.length > 0 && this.rng.chance(0.5) ? this.rng.pick(leaders) : this.rng.pick(this.nodes);
        target.skewMs = this.rng.int(-o.clockSkewMs, o.clockSkewMs);
        return;
      }
      case 'heal': {
        this.healed = true;
        this.groups = null;
        for (const n of this.nodes) {
          n.skewMs = 0;
          n.tornCrash = false;
          n.pausedUntil = 0;
          if (n.state === null) this.boot(n);
        }
        // Clients still waiting on an answer lost in the faults give up and go on now.
        this.waitingFor.forEach((rid) => rid !== null && this.answered(rid));
        return;
      }
    }
  }

  private nextTurn(client: number, afterMs: number): void {
    this.queue.push(this.now + afterMs, { kind: 'client', client, turn: ++this.clientTurn[client] });
  }

  /** A closed-loop client waiting for request `rid` has its answer: it thinks, then goes on. */
  private answered(rid: number): void {
    const c = this.waitingFor.indexOf(rid);
    if (c === -1) return;
    this.waitingFor[c] = null;
    this.nextTurn(c, this.rng.int(1, this.o.clientEveryMs * 2));
  }

  /** Every node up, none with proposals or queued commands, all at one commit index. */
  private quiescent(): boolean {
    let commit = -1;
    for (const n of this.nodes) {
      const v = n.state?.volatile;
      if (v === undefined || v.inflight > 0 || v.queue.length > 0) return false;
      if (commit !== -1 && v.commitIndex !== commit) return false;
      commit = v.commitIndex;
    }
    return true;
  }

  private randomCommand(): Command {
    const keys = this.o.keys === KEYS.length ? KEYS : KEYS.slice(0, this.o.keys);
    const key = this.rng.pick(keys);
    const r = this.rng.int(0, 999) / 1000;
    const reads = this.o.readShare;
    if (r < reads) return { op: 'read', key };
    if (r < reads + (1 - reads) * 0.6 || (!this.o.txns && r < reads + (1 - reads) * 0.8)) return { op: 'write', key, value: this.nextValue++ };
    if (r < reads + (1 - reads) * 0.8 || !this.o.txns) return { op: 'cas', key, from: this.rng.int(0, Math.max(0, this.nextValue - 1)), to: this.nextValue++ };
    const k2 = this.rng.pick(keys);
    return { op: 'txn', ops: [['r', key, null], ['w', k2, this.nextValue++]] };
  }

  private wall(node: SimNode): number {
    return this.now + node.skewMs;
  }

  private connected(a: NodeId, b: NodeId): boolean {
    return this.healed || this.groups === null || this.groups.get(a) === this.groups.get(b);
  }

  private boot(node: SimNode): void {
    try {
      const records = node.snap === null ? node.records : [node.snap, ...node.records];
      node.state = initState(node.config, records.map((r) => JSON.parse(r) as Rec));
      if (node.snap !== null) this.faults.snapshotRestarts++;
      this.inv.recovered(node.id, node.state.durable.promised, this.now);
      this.effects(node, start(node.config, node.state));
    } catch (err) {
      this.inv.fail(`${node.id} failed to recover at t=${this.now}: ${(err as Error).message}`);
    }
  }

  /** The node dies (its in-memory state is gone) and comes back later from its records. */
  private crash(node: SimNode): void {
    node.state = null;
    node.timers = {};
    node.tornCrash = false;
    node.pausedUntil = 0;
    for (const op of node.pending.values()) {
      op.result = { type: 'unknown', error: 'crashed' };
      this.answered(op.rid);
    }
    node.pending.clear();
    this.faults.crashes++;
    this.queue.push(this.now + this.rng.int(20, this.o.restartMaxMs), { kind: 'restart', node: node.id });
  }

  private step(node: SimNode, event: Event<Msg>): void {
    this.steps++;
    let effects: CoreEffect[];
    try {
      effects = step(node.config, node.state!, event).effects;
    } catch (err) {
      this.inv.fail(`${node.id} threw at t=${this.now} on ${canonicalJson(event)}: ${(err as Error).message}`);
      return;
    }
    const v = node.state!.volatile;
    if (v.role === 'leader') this.leaderBallots.add(`${v.ballot[0]}/${v.ballot[1]}`);
    // Decisions made in this step whose (cache) record is deferred: check them now, too.
    for (const rec of v.unflushed) if (rec.t === 'decide') this.decided(node, rec.s);
    this.effects(node, effects, node.tornCrash ? this.tornAt(effects) : null);
  }

  /**
   * Checks a decision against every other. A deferred decide record may be written after a
   * later snapshot compacted its slot away: it was checked at the end of the step that decided
   * it (the log keeps a whole interval below each snapshot), so it is skipped then.
   */
  private decided(node: SimNode, slot: number): void {
    const value = node.state!.durable.decided[slot];
    if (value !== undefined) this.inv.decided(node.id, slot, value, this.now);
    else if (slot >= node.state!.durable.logFrom) this.inv.fail(`${node.id} wrote a decide record for slot ${slot} it has not decided`);
  }

  /**
   * Where a torn crash stops a step's effects, run in order: at its k-th persist (k random,
   * 0..all; all = after the last). Effects before that point happened, none after. A step
   * without persists is not the one: no crash (null).
   */
  private tornAt(effects: CoreEffect[]): number | null {
    const persists: number[] = [];
    effects.forEach((e, i) => e.type === 'persist' && persists.push(i));
    if (persists.length === 0) return null;
    const k = this.rng.int(0, persists.length);
    this.faults.torn++;
    return k < persists.length ? persists[k] : persists[k - 1] + 1;
  }

  /** Runs `effects` in order; a crash at index `crashAt` (null: none) ends them. */
  private effects(node: SimNode, effects: CoreEffect[], crashAt: number | null = null): void {
    const o = this.o;
    for (let i = 0; i < effects.length; i++) {
      if (i === crashAt) return this.crash(node);
      const eff = effects[i];
      switch (eff.type) {
        case 'persist': {
          const rec = eff.record;
          if (rec.t === 'snap') {
            // The node shell: the snapshot file is made durable, then the WAL is rewritten as
            // what must survive beyond it. A crash in the step may fall between the two.
            node.snap = JSON.stringify(rec);
            if (rec.from === rec.i + 1) this.faults.snapshotInstalls++;
            else this.faults.snapshots++;
            if (crashAt !== null && this.rng.chance(0.5)) return this.crash(node);
            node.records = walCarry(node.config, node.state!).map((r) => JSON.stringify(r));
            break;
          }
          node.records.push(JSON.stringify(rec)); // as a WAL holds it: bytes
          if (rec.t === 'decide') this.decided(node, rec.s);
          break;
        }
        case 'send': {
          const m = eff.msg;
          if (m.type === 'promise' || m.type === 'accepted') this.inv.acknowledged(node.id, m.type, m.ballot, this.now);
          if (!this.connected(node.id, eff.to)) break;
          // One draw decides drop, duplicate and both delays (the PRNG is the costly part).
          const r = this.rng.int(0, 0x3fffffff);
          const drop = this.healed ? 0 : o.dropP;
          const dup = this.healed ? 0 : o.dupP;
          if ((r & 0x3ff) < drop * 1024) {
            this.faults.dropped++;
            break;
          }
          if (eff.msg !== this.lastMsg) {
            // A copy through JSON, as on a real wire; a broadcast's one object is copied once
            // and its receivers share the copy (the core never mutates a message).
            this.lastMsg = eff.msg;
            this.lastCopy = JSON.parse(JSON.stringify(eff.msg)) as Msg;
          }
          const deliver: SimEvent = { kind: 'deliver', to: eff.to, from: node.id, msg: this.lastCopy };
          this.queue.push(this.now + 1 + ((r >>> 10) & 0x3ff) % o.maxDelayMs, deliver);
          if (((r >>> 20) & 0x3ff) < dup * 1024 && ++this.faults.duplicated) this.queue.push(this.now + 1 + ((r >>> 10) & 0x3ff) % o.maxDelayMs + this.rng.int(0, o.maxDelayMs), deliver);
          break;
        }
        case 'setTimer':
          node.timers[eff.name] = ++this.timerGen;
          this.queue.push(this.now + eff.ms, { kind: 'timer', node: node.id, name: eff.name, gen: this.timerGen });
          break;
        case 'cancelTimer':
          delete node.timers[eff.name];
          break;
        case 'reply': {
          const op = node.pending.get(eff.id);
          if (op === undefined) {
            this.inv.fail(`${node.id} replied to request ${eff.id}, which is not pending there (a second reply?)`);
            break;
          }
          node.pending.delete(eff.id);
          op.completeAt = this.now;
          op.result = eff.result;
          this.answered(op.rid);
          break;
        }
      }
    }
    if (crashAt === effects.length) this.crash(node);
  }
}
