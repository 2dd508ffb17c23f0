/**
 * The deterministic simulator: 3 or 5 pure cores in one process, driven from one seed (the
 * project's Rng; no Map-order or wall-time dependence, so a seed replays exactly). A network
 * of in-flight messages with random delay, drop, duplication (hence reordering), partitions
 * that come and go (often isolating the leader), crash + restart from persisted records only
 * (often the leader), optional wall-clock skew, timers on simulated time, random client
 * commands at random nodes, batch size and pipeline depth varied per seed. A fault phase is
 * followed by a healed quiet phase. Checked (invariants.ts): agreement and validity on every
 * decision; at the end convergence, no lost acknowledged update, no decided `not-leader`
 * command, and liveness after the heal. linearizability.ts judges the clients' results.
 */
import { Rng } from '../../harness/rng.js';
import { canonicalJson } from '../core/canonical.js';
import type { CoreEffect } from '../core/context.js';
import { initState, start, status, step, type State } from '../core/index.js';
import type { Msg, Rec } from '../core/messages.js';
import type { BugName, Command, Config, Event, NodeId, Result } from '../core/types.js';
import { Invariants } from './invariants.js';
import { EventQueue } from './queue.js';

export interface SimOptions {
  seed: number;
  nodes: number;
  bug: BugName | null;
  /** Simulated ms of faults, then of healed quiet (clients stop for the last second). */
  faultMs: number;
  quietMs: number;
  dropP: number;
  dupP: number;
  maxDelayMs: number;
  /** Mean ms between client commands. */
  clientEveryMs: number;
  crashes: boolean;
  partitions: boolean;
  /** Wall-clock skew per node (the lease-skew bug reads it), up to this many ms either way. */
  clockSkewMs: number;
  /** Also submit multi-key txns (the linearizability oracle cannot judge them). */
  txns: boolean;
  /** Share of client commands that are reads. */
  readShare: number;
}

export const DEFAULT_SIM: Omit<SimOptions, 'seed' | 'nodes' | 'bug'> = {
  faultMs: 1500, quietMs: 1500, dropP: 0.05, dupP: 0.03, maxDelayMs: 15, clientEveryMs: 12,
  crashes: true, partitions: true, clockSkewMs: 0, txns: true, readShare: 0.35,
};

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
  faults: { crashes: number; partitions: number; dropped: number; duplicated: number; ballots: number };
  /** Decided slots at the end (highest commit index). */
  slots: number;
  okAfterHeal: number;
  /** Each live node's status at the end (for diagnosis). */
  final: ReturnType<typeof status>[];
}

type SimEvent =
  | { kind: 'deliver'; to: NodeId; from: NodeId; msg: Msg | null }
  | { kind: 'timer'; node: NodeId; name: string; gen: number }
  | { kind: 'client' }
  | { kind: 'crash' }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'partition' }
  | { kind: 'heal' }
  | { kind: 'skew' };

interface SimNode {
  id: NodeId;
  config: Config;
  state: State | null;
  records: string[];
  timers: Record<string, number>;
  pending: Map<number, SimOp>;
  skewMs: number;
}

const KEYS = ['a', 'b', 'c'];
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
  private readonly faults = { crashes: 0, partitions: 0, dropped: 0, duplicated: 0, ballots: 0 };
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

  constructor(private readonly o: SimOptions) {
    if (!Number.isSafeInteger(o.nodes) || o.nodes < 1 || o.nodes > 9) throw new Error(`nodes must be 1..9, got ${o.nodes}`);
    this.rng = new Rng(o.seed);
    const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    // Batching and pipelining vary per seed: 1 and 1 is plain Multi-Paxos, larger ones batch.
    const maxBatch = this.rng.int(1, 8);
    const maxInflight = this.rng.int(1, 6);
    this.nodes = ids.map((id) => ({
      id,
      config: { self: id, nodes: ids, bug: o.bug, heartbeatMs: 50, electionTimeoutMs: 200, maxBatch, maxInflight },
      state: null, records: [], timers: {}, pending: new Map(), skewMs: 0,
    }));
    for (const n of this.nodes) this.byId.set(n.id, n);
  }

  run(): SimResult {
    const o = this.o;
    for (const n of this.nodes) this.boot(n);
    this.queue.push(this.rng.int(0, o.clientEveryMs * 2), { kind: 'client' });
    if (o.crashes) this.queue.push(this.rng.int(100, 400), { kind: 'crash' });
    if (o.partitions) this.queue.push(this.rng.int(100, 400), { kind: 'partition' });
    if (o.clockSkewMs > 0) this.queue.push(this.rng.int(100, 400), { kind: 'skew' });
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
    if (this.inv.violations.length === 0 && live.length > 0) this.inv.outcomes(this.ops, live[0].state);
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
        if (node.state === null || !this.connected(e.from, e.to)) return;
        this.step(node, { type: 'message', from: e.from, msg: e.msg!, wallMs: this.wall(node) });
        return;
      }
      case 'timer': {
        const node = this.byId.get(e.node)!;
        if (node.state === null || node.timers[e.name] !== e.gen) return;
        delete node.timers[e.name];
        this.step(node, { type: 'timer', name: e.name, rand: this.rng.int(0, 0x3fffffff) / 0x40000000, wallMs: this.wall(node) });
        return;
      }
      case 'client': {
        if (this.now < o.faultMs + o.quietMs - 1000) this.queue.push(this.now + this.rng.int(1, o.clientEveryMs * 2), { kind: 'client' });
        else return;
        const up = this.nodes.filter((n) => n.state !== null);
        if (up.length === 0) return;
        const node = this.rng.pick(up);
        const command = this.randomCommand();
        const op: SimOp = { node: node.id, rid: this.nextRid++, command, invokeAt: this.now, completeAt: null, result: null };
        this.ops.push(op);
        node.pending.set(op.rid, op);
        this.inv.submit(node.id, op.rid, command);
        this.step(node, { type: 'client', id: op.rid, command, wallMs: this.wall(node) });
        return;
      }
      case 'crash': {
        if (this.healed) return;
        this.queue.push(this.now + this.rng.int(100, 600), { kind: 'crash' });
        const up = this.nodes.filter((n) => n.state !== null);
        // Keep a majority up most of the time; sometimes take down more (availability drops, safety must not).
        if (up.length <= Math.floor(o.nodes / 2) + (this.rng.chance(0.2) ? 0 : 1)) return;
        // Often the leader: its crash is what exercises phase 1, adoption and recovery.
        const leaders = up.filter((n) => n.state!.volatile.role === 'leader');
        const node = leaders.length > 0 && this.rng.chance(0.4) ? this.rng.pick(leaders) : this.rng.pick(up);
        this.crash(node);
        this.faults.crashes++;
        this.queue.push(this.now + this.rng.int(20, 500), { kind: 'restart', node: node.id });
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
        this.queue.push(this.now + this.rng.int(50, this.rng.chance(0.3) ? 900 : 400), { kind: 'partition' });
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
          if (n.state === null) this.boot(n);
        }
        return;
      }
    }
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
    const key = this.rng.pick(KEYS);
    const r = this.rng.int(0, 999) / 1000;
    const reads = this.o.readShare;
    if (r < reads) return { op: 'read', key };
    if (r < reads + (1 - reads) * 0.6 || (!this.o.txns && r < reads + (1 - reads) * 0.8)) return { op: 'write', key, value: this.nextValue++ };
    if (r < reads + (1 - reads) * 0.8 || !this.o.txns) return { op: 'cas', key, from: this.rng.int(0, Math.max(0, this.nextValue - 1)), to: this.nextValue++ };
    const k2 = this.rng.pick(KEYS);
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
      node.state = initState(node.config, node.records.map((r) => JSON.parse(r) as Rec));
      this.effects(node, start(node.config, node.state));
    } catch (err) {
      this.inv.fail(`${node.id} failed to recover at t=${this.now}: ${(err as Error).message}`);
    }
  }

  private crash(node: SimNode): void {
    node.state = null;
    node.timers = {};
    for (const op of node.pending.values()) op.result = { type: 'unknown', error: 'crashed' };
    node.pending.clear();
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
    for (const rec of v.unflushed) if (rec.t === 'decide') this.inv.decided(node.id, rec.s, node.state!.durable.decided[rec.s], this.now);
    this.effects(node, effects);
  }

  private effects(node: SimNode, effects: CoreEffect[]): void {
    const o = this.o;
    for (const eff of effects) {
      switch (eff.type) {
        case 'persist': {
          node.records.push(JSON.stringify(eff.record)); // as a WAL holds it: bytes
          const rec = eff.record;
          if (rec.t === 'decide') this.inv.decided(node.id, rec.s, node.state!.durable.decided[rec.s], this.now);
          break;
        }
        case 'send': {
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
          break;
        }
      }
    }
  }
}

/** The one-line command that replays a run exactly (`linearizable`: also run the oracle). */
export function replayCommand(o: Partial<SimOptions> & Pick<SimOptions, 'seed' | 'nodes'>, linearizable = false): string {
  const flags = [`--seed ${o.seed}`, `--nodes ${o.nodes}`];
  if (o.bug) flags.push(`--bug ${o.bug}`);
  if (o.clockSkewMs) flags.push(`--clock-skew ${o.clockSkewMs}`);
  // Fault-regime options that differ from the defaults.
  const regime: [keyof SimOptions, string][] = [['maxDelayMs', '--max-delay'], ['dropP', '--drop'], ['dupP', '--dup'], ['faultMs', '--fault-ms'], ['quietMs', '--quiet-ms']];
  for (const [key, flag] of regime) {
    if (o[key] !== undefined && o[key] !== DEFAULT_SIM[key as keyof typeof DEFAULT_SIM]) flags.push(`${flag} ${o[key]}`);
  }
  if (linearizable) flags.push('--linearizable');
  return `npx tsc -p tsconfig.json && node dist/paxos/sim/replay.js ${flags.join(' ')}`;
}

/** The options the linearizability oracle needs: no txns, half reads. */
export const LINEARIZABLE_SIM: Partial<SimOptions> = { txns: false, readShare: 0.5 };
