/**
 * A simulated cluster of paxos/core instances (pure state machines) in one process, on virtual
 * time: a thin driver of host.ts, which keeps each node's lives, disk and group commit, pauses,
 * timers, client link and clock (and so every fault). Here, a node is the core: each message,
 * timer and client command is one step(), whose effects go to the host in order (persists to
 * the disk, sends and replies held behind them, timers armed or cancelled); a restart recovers
 * from the disk. Beside that, what only paxos has: the nodes' event logs (events.ts), the
 * decided logs and applied states collected at the end, and paxos/sim's acceptor invariants
 * watched from outside. This drives the core as paxos/node.ts does, but it is not node.ts: its
 * transport, WAL and HTTP are not run.
 */
import type { Rng } from '../../ground/rng.js';
import type { NodeName } from '../../ground/runtime.js';
import type { CoreEffect } from '../../paxos/core/context.js';
import { appliedState, decidedEntries, initState, start, status, step, type AppliedState, type DecidedEntry, type State } from '../../paxos/core/index.js';
import type { Msg } from '../../paxos/core/messages.js';
import { Invariants } from '../../paxos/sim/invariants.js';
import type { BugName, Command, Config, Event, Result } from '../../paxos/core/types.js';
import { SimEventLog } from './events.js';
import { hostNode, SimHost, type HostNode, type Lost } from './host.js';
import type { SimNetwork } from './network.js';
import type { Scheduler } from './scheduler.js';

/** What a client's command came to: the core's result, or the connection's fate. */
export type Answer = Result | Lost;

/** The real node's defaults (paxos/main.ts, paxos/db.ts FIRST_ELECTION_TIMEOUT_MS). */
const CORE_TIMING = { heartbeatMs: 50, electionTimeoutMs: 300, firstElectionTimeoutMs: 100, maxBatch: 512 };

/** A node: the core's state as its machine, its sends and replies as held effects. */
interface CoreNode extends HostNode<State, CoreEffect, Result> {
  config: Config;
  events: SimEventLog;
  /** Role and leader as last logged (a change is a local event); role '' before the first. */
  role: string;
  leader: NodeName | null;
}

export class SimCluster extends SimHost<State, CoreEffect, Result, CoreNode> {
  /** Acceptor violations already moved into nodeErrors. */
  private reported = 0;
  private lastMsg: Msg | null = null;
  private lastCopy: Msg | null = null;
  /** Acceptor monotonicity across restarts, watched from outside the nodes (paxos/sim/invariants.ts): a break is a node error. */
  private readonly acceptors = new Invariants();

  constructor(sched: Scheduler, ids: NodeName[], bug: BugName | null, rng: Rng, network: SimNetwork) {
    super(sched, ids, rng, network);
    for (const id of ids) {
      const config: Config = { self: id, nodes: ids, bug, ...CORE_TIMING };
      const events = new SimEventLog(id, ids, () => sched.now() * 1e6);
      this.nodes.set(id, { ...hostNode<State, CoreEffect, Result>(id), config, events, role: '', leader: null });
    }
  }

  /** Starts a node that is down (no-op when up): it recovers from its disk. */
  start(id: NodeName): void {
    const n = this.node(id);
    if (n.machine !== null) return;
    try {
      n.machine = initState(n.config, n.disk.records());
    } catch (err) {
      this.nodeErrors.push(`${id} failed to recover at ${this.sched.now()} ms: ${(err as Error).message}`);
      return;
    }
    this.acceptors.recovered(id, n.machine.durable.promised, this.sched.now());
    this.noteViolations();
    const effects = start(n.config, n.machine);
    n.events.boot(incarnationOf(effects));
    n.events.local('recover', n.machine.volatile.commitIndex);
    n.role = '';
    this.effects(n, effects);
    this.noteView(n);
  }

  /** Each node's event log, as events.jsonl holds it (events.ts). */
  eventLogs(): Record<NodeName, string[]> {
    return Object.fromEntries([...this.nodes.values()].map((n) => [n.id, n.events.text()]));
  }

  /** Hands `command` to node `id` as a client would (over a local connection); `answer` is called once. */
  submit(id: NodeName, command: Command, answer: (a: Answer) => void): void {
    this.request(id, answer, (n, rid) => this.step(n, { type: 'client', id: rid, command, wallMs: this.wall(n) }));
  }

  /** Node `id`'s decided log (null when it is down), as Db.decidedLog reads it. */
  decidedLog(id: NodeName): DecidedEntry[] | null {
    const s = this.node(id).machine;
    return s === null ? null : decidedEntries(s, 0, Number.MAX_SAFE_INTEGER);
  }

  /** Node `id`'s applied state (null when it is down), as Db.stateDigests reads it. */
  appliedState(id: NodeName): AppliedState | null {
    const s = this.node(id).machine;
    return s === null ? null : appliedState(s);
  }

  protected leaderOf(n: CoreNode): NodeName | null {
    return status(n.machine!).leader;
  }

  protected fire(n: CoreNode, name: string): void {
    this.step(n, { type: 'timer', name, rand: this.rng.float(), wallMs: this.wall(n) });
  }

  private step(n: CoreNode, event: Event<Msg>): void {
    this.steps++;
    let effects: CoreEffect[];
    try {
      effects = step(n.config, n.machine!, event).effects;
    } catch (err) {
      this.crash(n, event.type, err);
      return;
    }
    this.effects(n, effects);
    this.noteView(n);
  }

  /** Moves newly broken acceptor invariants into nodeErrors (the node-errors checker). */
  private noteViolations(): void {
    const v = this.acceptors.violations;
    if (v.length > this.reported) {
      for (const m of v.slice(this.reported)) this.nodeErrors.push(m);
      this.reported = v.length;
    }
  }

  /** Logs a change of role or leader as a local event, as paxos/node.ts does. */
  private noteView(n: CoreNode): void {
    if (n.machine === null) return;
    const v = n.machine.volatile;
    if (v.role === n.role && v.leader === n.leader) return;
    const roleChanged = v.role !== n.role;
    n.role = v.role;
    n.leader = v.leader;
    n.events.local(roleChanged ? `role-${v.role}` : 'leader-change', v.commitIndex);
  }

  /** Hands a step's effects to the host in order, then lets it sync. */
  private effects(n: CoreNode, effects: CoreEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'persist':
          this.persist(n, e.record);
          break;
        case 'send':
        case 'reply':
          this.hold(n, e);
          break;
        case 'setTimer':
          this.setTimer(n, e.name, e.ms);
          break;
        case 'cancelTimer':
          this.cancelTimer(n, e.name);
          break;
      }
    }
    this.sync(n);
  }

  protected release(n: CoreNode, e: CoreEffect): void {
    if (e.type === 'reply') return this.answer(n, e.id, e.result);
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
    this.transmit(n, to, () => {
      to.events.receive(stamp, msg.type, from, slot);
      this.step(to, { type: 'message', from, msg, wallMs: this.wall(to) });
    });
  }
}

/** The incarnation the core's boot effects persist ({t: 'boot', inc}), as paxos/node.ts reads it. */
function incarnationOf(effects: readonly CoreEffect[]): number {
  for (const e of effects) if (e.type === 'persist' && e.record.t === 'boot') return e.record.inc;
  throw new Error('the core booted without persisting a boot record');
}
