/**
 * The real Paxos node: the driver that runs the pure core (paxos/core) with real I/O.
 *
 * Events in: client requests (HTTP), peer messages (TCP), timers (setTimeout, monotonic). Each
 * is one `step`. Effects out, honouring the core's rule (types.ts): every persist of a step is
 * fsynced before any send/reply of that step leaves. Group commit: persists of every step in a
 * tick (and of every step while an append is running) go to the WAL in one durable append (an
 * O_DSYNC writev); their sends and replies are held and released afterwards, strictly in order.
 * Timers are local and take effect at once.
 *
 * One process per data dir: DATA_DIR/node.pid names the owner; a live owner makes a second
 * node refuse to start (two writers would interleave the WAL).
 *
 * Every message travels in an envelope {lt, vc, id, m} with this node's Lamport time, vector
 * clock and the message's unique id (eventlog.ts); send and receive events go to
 * DATA_DIR/events.jsonl, whose buffered send lines are written before the messages leave.
 * Important events (recovery, role and leader changes) go to stdout and DATA_DIR/node.log.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { Rng } from '../ground/rng.js';
import { isCoreBug, type PlantedBug } from './bugs.js';
import type { Command, Config, Effect, Event, NodeId, Result } from './core/types.js';
import type { Wal, WalSync } from './wal.js';
import { boot, recover, type Recovered } from './datadir.js';
import { ARCHIVE_FILE, EVENT_FILE, NODE_LOG_FILE, PID_FILE, SNAPSHOT_FILE, WAL_FILE } from './files.js';
import { DecidedArchive } from './archive.js';
import { writeLogFileSync } from './wal.js';
import { Transport, type HostPort } from './transport.js';
import { EventLog, LogicalClock, isMessageIdField, isStamp, type Stamp } from './eventlog.js';
import { createHttpServer, type AppliedStateView, type KvBackend, type LogPage, type StatusView } from './http.js';

/** What the driver needs of the core (paxos/core/index.ts provides it). */
export interface Core<S = unknown> {
  /** Rebuilds the state from persisted records, in order (empty: a fresh node). */
  initState(config: Config, records: readonly unknown[]): S;
  /** The boot effects (persist the incarnation as a {t: 'boot', inc} record, arm the first timers). */
  start(config: Config, state: S): Effect[];
  /** One event in; may mutate `state` and return it. */
  step(config: Config, state: S, event: Event<any>): { state: S; effects: Effect[] };
  status(state: S): StatusView;
  decidedEntries(state: S, from: number, limit: number): Array<{ slot: number; digest: string; command: unknown }>;
  /** Recent digests of the applied state machine, and its whole map at the applied index. */
  appliedState(state: S): AppliedStateView;
  /** The records a compacted WAL holds after the latest snapshot (persisted as a `snap` record). */
  walCarry(config: Config, state: S): unknown[];
  /** Slots below `logFrom` are compacted out of the core's log. */
  logBounds(state: S): { snapIndex: number; logFrom: number };
}

export interface NodeOptions {
  id: NodeId;
  listen: HostPort;
  client: HostPort;
  peers: Record<NodeId, HostPort>;
  dataDir: string;
  bug: PlantedBug | null;
  heartbeatMs: number;
  electionTimeoutMs: number;
  /** Election timeout of a fresh node in a starting cluster (Config.firstElectionTimeoutMs). */
  firstElectionTimeoutMs?: number;
  requestTimeoutMs: number;
  maxBatch: number;
  /** Slots in phase 2 at once; undefined = the core's default. */
  maxInflight?: number;
  eventLog: boolean;
  /** Append+fsync on the event loop thread instead of the thread pool. */
  walInline?: boolean;
  /** How appends become durable (default O_DSYNC). */
  walSync?: WalSync;
  /** Snapshot and compact the log every this many applied slots (0: never). */
  snapshotEvery?: number;
}

type Output = Extract<Effect, { type: 'send' } | { type: 'reply' }>;

interface Envelope {
  lt: number;
  vc: number[];
  /** The message's unique id; absent only from nodes built before ids existed. */
  id?: unknown;
  m: { type?: unknown; slot?: unknown };
}

export { EVENT_FILE, NODE_LOG_FILE, PID_FILE, WAL_FILE }; // the data dir's files (files.ts)

/** Takes DATA_DIR/node.pid unless a live paxos node process holds it. */
function claimDataDir(dir: string): void {
  const file = path.join(dir, PID_FILE);
  let holder = NaN;
  try {
    holder = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    // no pid file: the dir is free
  }
  if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid) {
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${holder}/cmdline`, 'utf8');
    } catch {
      // not running (a SIGKILLed node leaves its pid file behind)
    }
    if (cmdline.includes('main.js')) throw new Error(`data dir ${dir} is in use by process ${holder}`);
  }
  fs.writeFileSync(file, `${process.pid}\n`);
}

/** Removes DATA_DIR/node.pid if this process holds it. */
function releaseDataDir(dir: string): void {
  const file = path.join(dir, PID_FILE);
  try {
    if (Number(fs.readFileSync(file, 'utf8').trim()) === process.pid) fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

/** The incarnation the core persists at boot ({t: 'boot', inc}): unique among this node's boots. */
function bootIncarnation(effects: readonly Effect[]): number {
  for (const e of effects) {
    const record = e.type === 'persist' ? (e.record as { t?: unknown; inc?: unknown } | null) : null;
    if (record?.t === 'boot' && Number.isSafeInteger(record.inc) && (record.inc as number) >= 1) return record.inc as number;
  }
  throw new Error(`the core's boot effects persist no {t: 'boot', inc} record: ${JSON.stringify(effects).slice(0, 200)}`);
}

export class PaxosNode<S = unknown> implements KvBackend {
  private state: S;
  private readonly config: Config;
  private readonly rng = new Rng(randomInt(0, 2 ** 31));
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pendingClients = new Map<number, { resolve: (r: Result) => void; timer: NodeJS.Timeout }>();
  private nextRequestId = 1;
  /** Persists and outputs of steps whose WAL append has not started yet. */
  private records: unknown[] = [];
  private outputs: Output[] = [];
  private flushScheduled = false;
  private appending: Promise<void> | null = null;
  private readonly counters = { steps: 0, clientRequests: 0, clientTimeouts: 0, walAppends: 0, walRecords: 0, walAppendMs: 0, snapshots: 0, snapshotBytes: 0, compactMs: 0 };
  private readonly archive: DecidedArchive;
  private closing = false;
  private readonly clock: LogicalClock;
  private readonly events: EventLog | null;
  /** The core's boot effects, computed up front: they name the incarnation the message ids use. */
  private readonly bootEffects: Effect[];
  private readonly logFd: number;
  private lastView: { role: string; leader: string | null } = { role: '', leader: null };
  private transport!: Transport;
  private server!: http.Server;

  private constructor(
    private readonly core: Core<S>,
    readonly opts: NodeOptions,
    private readonly wal: Wal,
    recovered: readonly unknown[],
  ) {
    this.config = PaxosNode.configOf(opts);
    const nodes = this.config.nodes;
    this.logFd = fs.openSync(path.join(opts.dataDir, NODE_LOG_FILE), 'a');
    this.state = core.initState(this.config, recovered);
    this.bootEffects = core.start(this.config, this.state);
    this.clock = new LogicalClock(opts.id, nodes, bootIncarnation(this.bootEffects));
    this.events = opts.eventLog ? new EventLog(path.join(opts.dataDir, EVENT_FILE), this.clock) : null;
    this.archive = new DecidedArchive(path.join(opts.dataDir, ARCHIVE_FILE));
  }

  /** The core's view of this node's configuration. */
  static configOf(opts: NodeOptions): Config {
    return {
      self: opts.id,
      nodes: Object.keys(opts.peers),
      bug: isCoreBug(opts.bug) ? opts.bug : null,
      heartbeatMs: opts.heartbeatMs,
      electionTimeoutMs: opts.electionTimeoutMs,
      ...(opts.firstElectionTimeoutMs !== undefined ? { firstElectionTimeoutMs: opts.firstElectionTimeoutMs } : {}),
      maxBatch: opts.maxBatch,
      ...(opts.maxInflight !== undefined ? { maxInflight: opts.maxInflight } : {}),
      ...(opts.snapshotEvery !== undefined ? { snapshotEvery: opts.snapshotEvery } : {}),
    };
  }

  /**
   * Recovers from the data dir, makes the boot record durable (datadir.ts: refusing lost state),
   * binds both ports, and starts the core.
   */
  static async start<S>(core: Core<S>, opts: NodeOptions): Promise<PaxosNode<S>> {
    claimDataDir(opts.dataDir);
    let recovered: Recovered;
    try {
      // Stryker disable next-line all: planted bug, not the protocol (paxos/bugs.ts)
      recovered = recover(opts.dataDir, opts.id, opts.bug === 'lazy-fsync' ? 'lazy' : (opts.walSync ?? 'dsync'));
    } catch (err) {
      releaseDataDir(opts.dataDir);
      throw err;
    }
    const { wal, records, tornBytes, walRecords } = recovered;
    let node: PaxosNode<S>;
    try {
      node = new PaxosNode(core, opts, wal, records);
    } catch (err) {
      wal.close();
      releaseDataDir(opts.dataDir);
      throw err;
    }
    try {
      const bootRecords = node.bootEffects.flatMap((e) => (e.type === 'persist' ? [e.record] : []));
      boot(opts.dataDir, opts.id, recovered, node.clock.incarnation, bootRecords);
    } catch (err) {
      await node.close();
      throw err;
    }
    const s = core.status(node.state);
    node.log(`incarnation ${node.clock.incarnation}: recovered ${walRecords} WAL records${records.length > walRecords ? ` after a snapshot of slot ${core.logBounds(node.state).snapIndex}` : ''}${tornBytes ? ` (cut a torn last group of ${tornBytes} bytes)` : ''}; commit index ${s.commitIndex}${opts.bug ? `; PLANTED BUG ${opts.bug}` : ''}`);
    node.events?.local('recover', s.commitIndex);
    try {
      await node.listen();
    } catch (err) {
      await node.close();
      throw err;
    }
    // The boot records are durable already (boot above); the rest of the boot effects run now.
    node.run(() => ({ state: node.state, effects: node.bootEffects.filter((e) => e.type !== 'persist') }));
    return node;
  }

  private async listen(): Promise<void> {
    this.transport = new Transport({
      self: this.opts.id,
      listen: this.opts.listen,
      peers: this.opts.peers,
      onMessage: (from, env) => this.onPeerMessage(from, env),
      log: (line) => this.log(line),
    });
    await this.transport.start();
    const server = createHttpServer(this);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.client.port, this.opts.client.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as { port: number };
    this.log(`serving clients on http://${this.opts.client.host}:${addr.port}, peers on ${this.opts.listen.host}:${this.opts.listen.port}`);
  }

  /** The bound client port (useful with --client HOST:0). */
  get clientPort(): number {
    return (this.server.address() as { port: number }).port;
  }

  // ---- KvBackend (the HTTP layer) ----

  submit(command: Command): Promise<Result> {
    if (this.closing) return Promise.resolve({ type: 'fail', error: 'shutting-down', leader: null });
    const id = this.nextRequestId++;
    this.counters.clientRequests++;
    return new Promise<Result>((resolve) => {
      const timer = setTimeout(() => {
        // No answer in time: the command may still be decided later. Outcome unknown.
        this.pendingClients.delete(id);
        this.counters.clientTimeouts++;
        resolve({ type: 'unknown', error: 'timeout' });
      }, this.opts.requestTimeoutMs);
      this.pendingClients.set(id, { resolve, timer });
      this.run(() => this.core.step(this.config, this.state, { type: 'client', id, command, wallMs: Date.now() }));
    });
  }

  stats(): Record<string, number> {
    return {
      ...this.counters,
      walBytes: this.wal.size,
      eventLoopUtilization: performance.eventLoopUtilization().utilization,
      messagesSent: this.transport.stats.sent,
      messagesReceived: this.transport.stats.received,
      messagesDropped: this.transport.stats.dropped,
      transportFlushes: this.transport.stats.flushes,
    };
  }

  status(): StatusView {
    return this.core.status(this.state);
  }

  /** Compacted slots come from the archive (archive.ts), the rest from the core's log. */
  decidedLog(from: number, limit: number): LogPage {
    const { logFrom } = this.core.logBounds(this.state);
    const entries = from < logFrom ? this.archive.read(from, logFrom, limit) : [];
    if (entries.length < limit) entries.push(...this.core.decidedEntries(this.state, Math.max(from, logFrom), limit - entries.length));
    const next = entries.length ? entries[entries.length - 1].slot + 1 : from;
    return { entries, next };
  }

  appliedState(): AppliedStateView {
    return this.core.appliedState(this.state);
  }

  // ---- the driver loop ----

  private onPeerMessage(from: NodeId, raw: unknown): void {
    const env = raw as Envelope;
    if (!isStamp(env, this.config.nodes.length) || !isMessageIdField(env.id) || typeof env.m !== 'object' || env.m === null || typeof env.m.type !== 'string') {
      this.log(`dropping malformed message from ${from}: ${JSON.stringify(raw)?.slice(0, 120)}`);
      return;
    }
    if (this.closing) return;
    this.clock.receive(env as Stamp);
    this.events?.record('recv', env.m.type as string, from, typeof env.m.slot === 'number' ? env.m.slot : null, env.id as string | undefined);
    this.run(() => this.core.step(this.config, this.state, { type: 'message', from, msg: env.m, wallMs: Date.now() }));
  }

  private onTimer(name: string): void {
    this.timers.delete(name);
    if (this.closing) return;
    this.run(() => this.core.step(this.config, this.state, { type: 'timer', name, rand: this.rng.float(), wallMs: Date.now() }));
  }

  /** Runs one step and takes its effects: timers now, persists and outputs into the batch. */
  private run(stepFn: () => { state: S; effects: Effect[] }): void {
    let result: { state: S; effects: Effect[] };
    this.counters.steps++;
    try {
      result = stepFn();
    } catch (err) {
      this.fatal(`core step failed: ${(err as Error).stack ?? String(err)}`);
    }
    this.state = result.state;
    for (const e of result.effects) {
      switch (e.type) {
        case 'persist':
          this.records.push(e.record);
          break;
        case 'send':
        case 'reply':
          this.outputs.push(e);
          break;
        case 'setTimer': {
          const old = this.timers.get(e.name);
          if (old) clearTimeout(old);
          this.timers.set(e.name, setTimeout(() => this.onTimer(e.name), e.ms));
          break;
        }
        case 'cancelTimer': {
          const old = this.timers.get(e.name);
          if (old) clearTimeout(old);
          this.timers.delete(e.name);
          break;
        }
      }
    }
    this.noteView();
    this.archiveApplied();
    if (!this.flushScheduled && (this.records.length || this.outputs.length)) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Queues newly applied slots for the archive (before a later snapshot can drop them). */
  private archiveApplied(): void {
    const commit = this.core.status(this.state).commitIndex;
    const last = this.archive.lastSlot;
    if (commit <= last) return;
    this.archive.append(this.core.decidedEntries(this.state, last + 1, commit - last).filter((e) => e.slot <= commit));
  }

  /**
   * A snapshot was persisted: archive, then the snapshot file, then the WAL rewritten to what
   * lies beyond it, each durable before the next (datadir.ts). Runs between appends, so the
   * carry covers every record stepped so far; synchronous (every snapshotEvery slots).
   */
  private compact(snap: unknown): void {
    const t0 = performance.now();
    this.archive.sync();
    this.counters.snapshotBytes = writeLogFileSync(path.join(this.opts.dataDir, SNAPSHOT_FILE), [snap]);
    this.wal.rewriteSync(this.core.walCarry(this.config, this.state));
    this.counters.snapshots++;
    this.counters.compactMs += performance.now() - t0;
    const { i, from } = snap as { i: number; from: number };
    // Installed from a peer (the log starts right after it), not taken every snapshotEvery slots.
    if (from === i + 1) this.log(`installed a peer's snapshot of slot ${i} (this node was behind its log)`);
  }

  /**
   * Group commit. While an append runs, new steps accumulate; when it ends, everything
   * accumulated goes in the next append. Outputs are released only after every record
   * stepped before them is durable, so no message or reply ever outruns its persist.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.appending) return; // the running append re-flushes when it ends
    // Closing: what is not yet durable is dropped, exactly as a crash would (nothing that
    // depends on it has left the node).
    if (this.closing) return;
    const records = this.records;
    const outputs = this.outputs;
    this.records = [];
    this.outputs = [];
    this.archive.flush();
    if (records.length === 0) {
      this.release(outputs);
      return;
    }
    const snap = records.findLast((r) => (r as { t?: unknown }).t === 'snap');
    if (snap !== undefined) {
      try {
        this.compact(snap);
      } catch (err) {
        this.fatal(`compaction in ${this.opts.dataDir} failed: ${(err as Error).message}`);
      }
      this.release(outputs);
      return;
    }
    this.counters.walAppends++;
    this.counters.walRecords += records.length;
    if (this.opts.walInline) {
      const t0 = performance.now();
      try {
        this.wal.appendSync(records);
        this.counters.walAppendMs += performance.now() - t0;
      } catch (err) {
        this.fatal(`WAL append to ${this.wal.file} failed: ${(err as Error).message}`);
      }
      this.release(outputs);
      return;
    }
    const t0 = performance.now();
    this.appending = this.wal.append(records).then(
      () => {
        this.counters.walAppendMs += performance.now() - t0;
        this.appending = null;
        this.release(outputs);
        if (this.records.length || this.outputs.length) this.flush();
      },
      (err: Error) => this.fatal(`WAL append to ${this.wal.file} failed: ${err.message}`),
    );
  }

  private release(outputs: Output[]): void {
    let sent = false;
    for (const e of outputs) {
      if (e.type === 'send') {
        const stamp = this.clock.send();
        const msg = e.msg as Envelope['m'];
        // Sent first so the line can say whether the transport refused it; nothing leaves before
        // the flush below (the transport holds frames corked or queued until then).
        const queued = this.transport.send(e.to, { lt: stamp.lt, vc: stamp.vc, id: stamp.id, m: msg });
        this.events?.record('send', String(msg.type), e.to, typeof msg.slot === 'number' ? msg.slot : null, stamp.id, !queued);
        sent = true;
      } else {
        const waiting = this.pendingClients.get(e.id);
        if (!waiting) continue; // timed out already: the late answer is dropped
        this.pendingClients.delete(e.id);
        clearTimeout(waiting.timer);
        waiting.resolve(e.result);
      }
    }
    // Send lines reach the file before their messages reach the wire (the transport holds them
    // corked until flush), so a receiver never logs a message whose send a SIGKILL erased.
    if (sent) this.events?.flush();
    this.transport.flush();
  }

  /** Logs role and leader changes (stdout, node.log, and the event log). */
  private noteView(): void {
    const s = this.core.status(this.state);
    if (s.role === this.lastView.role && s.leader === this.lastView.leader) return;
    this.log(`role ${s.role}, leader ${s.leader ?? 'unknown'}, ballot [${s.ballot.join(',')}], commit index ${s.commitIndex}`);
    this.events?.local(s.role !== this.lastView.role ? `role-${s.role}` : 'leader-change', s.commitIndex);
    this.lastView = { role: s.role, leader: s.leader };
  }

  log(line: string): void {
    const text = `${new Date().toISOString()} ${this.opts.id}: ${line}\n`;
    process.stdout.write(text);
    try {
      fs.writeSync(this.logFd, text);
    } catch {
      // the node log is best effort; stdout has the line
    }
  }

  private fatal(message: string): never {
    this.log(`FATAL: ${message}`);
    this.events?.flush();
    process.exit(1);
  }

  /** Stops taking requests, finishes a running WAL append, and closes every resource. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const [id, w] of this.pendingClients) {
      clearTimeout(w.timer);
      w.resolve({ type: 'unknown', error: 'shutting-down' });
      this.pendingClients.delete(id);
    }
    if (this.server) {
      const server = this.server;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 200).unref();
      await closed;
    }
    await this.appending;
    await this.transport?.close();
    this.events?.close();
    this.archive.close();
    this.wal.close();
    fs.closeSync(this.logFd);
    releaseDataDir(this.opts.dataDir);
  }
}
