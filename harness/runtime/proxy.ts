/**
 * The fault proxy of the local runtime: one TCP listener per destination node. Every node is
 * given the same peer list, whose address for node b is proxy(b), forwarding to b's real
 * listener; so every byte between nodes passes through here and the harness can drop, delay
 * and stall it without root. The list is the same on every node (b included: its own entry is
 * proxy(b) too, and a node's connections to itself are forwarded), because real systems such
 * as etcd are configured that way (one --initial-cluster for all members).
 *
 * Faults act per directed link (source, destination), so the proxy must know who dialled: the
 * destination is the listener, the source is the node whose process tree holds the client end
 * of the accepted connection (dialler.ts: /proc/net/tcp -> socket inode -> pid -> node). A
 * connection whose source cannot be identified is refused (reset), counted and logged: it is
 * never let through, where it would bypass every fault.
 *
 * Fault model (decided here, framing-agnostic: the proxy never parses the node protocol, so any
 * Db works and no stream is ever corrupted):
 *
 * - partition(grudge): grudge[b] = nodes b drops traffic from (Jepsen's). Every byte flowing
 *   from a to b is read and DISCARDED, on every connection, whichever side opened it. The
 *   connections stall: they are not closed, and a FIN or RST from a never reaches b either. New
 *   connections across a blocked pair are accepted from the dialling node but not dialled
 *   onwards (as a SYN dropped by iptables, the dial just hangs).
 * - Discarding bytes leaves a gap in the stream; forwarding again after it would corrupt any
 *   framing. So the moment a pair is unblocked (heal, or a new grudge), every connection that
 *   lost bytes is RESET on both sides, as a TCP timeout would after a partition long enough.
 *   Connections that lost nothing continue untouched. A new connection then starts clean.
 * - shape(from, to, {delayMs, jitterMs, lossPct}): bytes from -> to are delivered after delayMs
 *   plus a uniform jitter in [-jitterMs, +jitterMs], never reordered within a connection (TCP).
 *   Loss is modelled as TCP experiences it: a lost chunk is retransmitted after a retransmission
 *   timeout (RTO, 200 ms minimum, doubling per consecutive loss of the same chunk, capped), so
 *   loss shows up as latency with head-of-line blocking, never as a gap. A chunk lost more than
 *   `maxRetransmits` times in a row times the connection out: it is reset (at the moment TCP
 *   would give up). lossPct 100 therefore stalls the link and eventually resets it.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Rng } from '../../ground/rng.js';
import type { Grudge, LinkShape, NodeName } from '../../ground/runtime.js';
import { DiallerIndex } from './dialler.js';

export interface ProxyOptions {
  /** Address the proxy listeners bind (loopback only). */
  host?: string;
  rng?: Rng;
  /** TCP's minimum retransmission timeout (Linux: 200 ms). */
  rtoMinMs?: number;
  /** TCP's maximum retransmission timeout (Linux: 120 s). */
  rtoMaxMs?: number;
  /** Consecutive losses of one chunk before the connection times out (Linux tcp_retries2: 15). */
  maxRetransmits?: number;
  /** Where a line goes for each refused connection (the local runtime: <runDir>/proxy.log). */
  log?: (line: string) => void;
}

export interface Address {
  host: string;
  port: number;
}

const pairKey = (src: NodeName, dst: NodeName) => `${src}\u0000${dst}`;

export function validateShape(shape: LinkShape): void {
  const ok = (x: number) => Number.isFinite(x) && x >= 0;
  if (!ok(shape.delayMs) || !ok(shape.jitterMs) || !ok(shape.lossPct) || shape.lossPct > 100) {
    throw new RangeError(`bad link shape ${JSON.stringify(shape)}: delayMs, jitterMs >= 0 and 0 <= lossPct <= 100`);
  }
}

export class FaultProxy {
  private readonly host: string;
  private readonly rng: Rng;
  readonly rtoMinMs: number;
  readonly rtoMaxMs: number;
  readonly maxRetransmits: number;
  private readonly log: (line: string) => void;
  private readonly dests = new Map<NodeName, Destination>();
  readonly diallers = new DiallerIndex<NodeName>();
  private readonly blocked = new Set<string>();
  private readonly shapes = new Map<string, LinkShape>();
  private refusals = 0;
  private closed = false;

  constructor(opts: ProxyOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.rng = opts.rng ?? new Rng(0);
    this.rtoMinMs = opts.rtoMinMs ?? 200;
    this.rtoMaxMs = opts.rtoMaxMs ?? 120_000;
    this.maxRetransmits = opts.maxRetransmits ?? 15;
    this.log = opts.log ?? (() => {});
  }

  /**
   * Opens the listener for `node`, forwarding to its real peer listener `target`; returns the
   * address every node (itself included) must dial to reach it. `pid`: the node's process, when
   * it runs already (else setPid once it does).
   */
  async addNode(node: NodeName, target: Address, pid?: number): Promise<Address> {
    if (this.closed) throw new Error('proxy is closed');
    if (this.dests.has(node)) throw new Error(`node ${node} exists already`);
    const dest = new Destination(this, node, target);
    this.dests.set(node, dest);
    if (pid !== undefined) this.setPid(node, pid);
    const port = await dest.listen(this.host);
    return { host: this.host, port };
  }

  /** The process `node` runs as (again after every restart); null while it is down. */
  setPid(node: NodeName, pid: number | null): void {
    if (!this.dests.has(node)) throw new Error(`unknown node ${node}`);
    this.diallers.setPid(node, pid);
  }

  /** Replaces the grudge in force (an empty grudge heals). Validates node names. */
  partition(grudge: Grudge): void {
    const next = new Set<string>();
    for (const [dst, srcs] of Object.entries(grudge)) {
      if (!this.dests.has(dst)) throw new Error(`grudge names unknown node ${dst}`);
      for (const src of srcs) {
        if (!this.dests.has(src)) throw new Error(`grudge names unknown node ${src}`);
        if (src !== dst) next.add(pairKey(src, dst));
      }
    }
    this.blocked.clear();
    for (const k of next) this.blocked.add(k);
    // Unblocking a pair must reset the connections that lost bytes before anything is forwarded.
    for (const dest of this.dests.values()) for (const conn of [...dest.conns]) conn.reevaluate();
  }

  heal(): void {
    this.partition({});
  }

  shape(from: NodeName, to: NodeName, shape: LinkShape | null): void {
    if (!this.dests.has(from) || !this.dests.has(to)) throw new Error(`shape names unknown link ${from} -> ${to}`);
    if (shape === null) this.shapes.delete(pairKey(from, to));
    else {
      validateShape(shape);
      this.shapes.set(pairKey(from, to), { ...shape });
    }
  }

  /** No partition and no shape in force anywhere: every chunk may go straight through. */
  get faultFree(): boolean {
    return this.blocked.size === 0 && this.shapes.size === 0;
  }

  isBlocked(src: NodeName, dst: NodeName): boolean {
    return this.blocked.has(pairKey(src, dst));
  }

  shapeOf(src: NodeName, dst: NodeName): LinkShape | undefined {
    return this.shapes.get(pairKey(src, dst));
  }

  /** Delivery delay of one chunk under `shape`, or 'timeout' when TCP would give up on it. */
  delayFor(shape: LinkShape): { ms: number; timeout: boolean } {
    const jitter = shape.jitterMs > 0 ? (this.rng.float() * 2 - 1) * shape.jitterMs : 0;
    let ms = Math.max(0, shape.delayMs + jitter);
    const p = shape.lossPct / 100;
    let rto = Math.max(this.rtoMinMs, 2 * shape.delayMs);
    for (let lost = 0; p > 0 && this.rng.chance(p); lost++) {
      if (lost >= this.maxRetransmits) return { ms, timeout: true };
      ms += rto;
      rto = Math.min(rto * 2, this.rtoMaxMs);
    }
    return { ms, timeout: false };
  }

  /** Open proxied connections per directed link "from->to" (for tests and diagnostics). */
  connectionCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const dest of this.dests.values()) for (const c of dest.conns) out[`${c.from}->${c.to}`] = (out[`${c.from}->${c.to}`] ?? 0) + 1;
    return out;
  }

  /** Connections refused because no node's process held their client end (not those whose dialler was gone already). */
  get refused(): number {
    return this.refusals;
  }

  /** Called by a listener: who dialled this accepted socket? Null (and logged) when nobody we know. */
  async identify(dest: Destination, sock: net.Socket): Promise<NodeName | null> {
    if (sock.remoteAddress === undefined || sock.remotePort === undefined || sock.localAddress === undefined || sock.localPort === undefined) {
      this.refuse(dest, 'the socket closed before it could be identified');
      return null;
    }
    let who;
    try {
      who = await this.diallers.identify({ address: sock.remoteAddress, port: sock.remotePort }, { address: sock.localAddress, port: sock.localPort });
    } catch (e) {
      who = { node: null, reason: `lookup failed: ${(e as Error).message}` } as const;
    }
    if (who.node === null) {
      // A dialler that is gone (closed, killed) bypasses nothing: logged, not counted as refused.
      if ('gone' in who && who.gone) this.log(`${new Date().toISOString()} dropped a connection to ${dest.node}'s peer address, closed before it was identified: ${who.reason}`);
      else this.refuse(dest, who.reason);
      return null;
    }
    return who.node;
  }

  private refuse(dest: Destination, reason: string): void {
    this.refusals++;
    this.log(`${new Date().toISOString()} refused a connection to ${dest.node}'s peer address: source not identified: ${reason}`);
  }

  /** Closes every listener and resets every connection. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.dests.values()].map((d) => d.close()));
  }
}

/** The listener for one destination node: every node's connections to it arrive here. */
class Destination {
  readonly conns = new Set<Conn>();
  private server: net.Server | null = null;

  constructor(readonly proxy: FaultProxy, readonly node: NodeName, readonly target: Address) {}

  listen(host: string): Promise<number> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (sock) => {
      if (this.server === null) return void sock.resetAndDestroy(); // accepted while closing
      sock.on('error', () => {}); // while it is looked up (paused): a reset by the dialler
      void this.proxy.identify(this, sock).then((from) => {
        // Refused like a port nobody listens on: an RST, so the dialler retries rather than hangs.
        if (from === null || this.server === null || sock.destroyed) return void (sock.destroyed || sock.resetAndDestroy());
        this.conns.add(new Conn(this, from, sock));
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: 0 }, () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of [...this.conns]) c.reset();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** One proxied connection: `down` was accepted from node `from`, `up` dials the destination. */
class Conn {
  up: net.Socket | null = null;
  readonly to: NodeName;
  /** Bytes from -> to, and the answers to -> from. */
  private readonly fwd: Flow;
  private readonly back: Flow;
  private done = false;

  constructor(readonly dest: Destination, readonly from: NodeName, readonly down: net.Socket) {
    this.to = dest.node;
    this.fwd = new Flow(this, from, this.to);
    this.back = new Flow(this, this.to, from);
    down.on('error', () => {});
    down.on('close', (hadError) => this.sideClosed(this.fwd, hadError));
    this.fwd.listen(down);
    down.resume();
    if (!this.anyBlocked()) this.dial();
  }

  get proxy(): FaultProxy {
    return this.dest.proxy;
  }

  private anyBlocked(): boolean {
    return this.proxy.isBlocked(this.from, this.to) || this.proxy.isBlocked(this.to, this.from);
  }

  private dial(): void {
    const { target } = this.dest;
    const up = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    this.up = up;
    up.on('error', () => {});
    up.on('close', (hadError) => this.sideClosed(this.back, hadError));
    this.back.listen(up);
    up.on('connect', () => {
      this.fwd.attach(up);
      this.back.attach(this.down);
    });
  }

  /** Called whenever the grudge changes. */
  reevaluate(): void {
    if (this.done) return;
    const fwdBlocked = this.proxy.isBlocked(this.from, this.to);
    const backBlocked = this.proxy.isBlocked(this.to, this.from);
    if ((this.fwd.gap && !fwdBlocked) || (this.back.gap && !backBlocked)) return this.reset();
    if (!this.up && !fwdBlocked && !backBlocked) this.dial();
  }

  /** The socket feeding `flow` closed: pass an abortive close on unless the flow is blocked. */
  private sideClosed(flow: Flow, hadError: boolean): void {
    if (this.done) return;
    if (this.proxy.isBlocked(flow.srcNode, flow.dstNode)) {
      // The FIN/RST is dropped like any other byte: the other side stalls until heal resets it.
      flow.gap = true;
      return;
    }
    if (hadError) return this.reset();
    // Clean closes were already forwarded as FINs by the flows.
    if (this.down.destroyed && (!this.up || this.up.destroyed)) this.finish();
  }

  /** RST on both sides (what a timed-out or refused TCP connection looks like). */
  reset(): void {
    if (this.done) return;
    this.finish();
    for (const s of [this.down, this.up]) if (s && !s.destroyed) abort(s);
  }

  private finish(): void {
    this.done = true;
    this.fwd.stop();
    this.back.stop();
    this.dest.conns.delete(this);
  }
}

/**
 * Closes a socket with an RST when the OS allows it. libuv refuses an abortive close
 * (uv_tcp_close_reset -> EINVAL) while a shutdown is pending, i.e. after end() whose FIN waits
 * behind bytes the peer does not read; Node then leaves the handle open in a closing state and
 * its exit cleanup spins forever on it. Such a socket gets a plain close instead: its peer is
 * being torn down anyway, and what it sees is a FIN after the queued bytes, or nothing.
 */
function abort(s: net.Socket): void {
  if (s.writableEnded && !s.writableFinished) s.destroy();
  else s.resetAndDestroy();
}

/** One direction of a connection: bytes read from srcNode's socket go to dstNode's socket. */
class Flow {
  private src: net.Socket | null = null;
  private dst: net.Socket | null = null;
  private readonly queue: Array<{ chunk: Buffer | null; due: number }> = [];
  private lastDue = 0;
  private timer: NodeJS.Timeout | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** True once a byte (or FIN) of this flow was discarded: the stream can never resume. */
  gap = false;

  constructor(readonly conn: Conn, readonly srcNode: NodeName, readonly dstNode: NodeName) {}

  listen(src: net.Socket): void {
    this.src = src;
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => this.push(null));
  }

  /** The destination is connected: deliver what waited for it. */
  attach(dst: net.Socket): void {
    this.dst = dst;
    this.pump();
  }

  private get proxy(): FaultProxy {
    return this.conn.proxy;
  }

  /** `null` stands for the FIN (end of stream); it is delayed and dropped like data. */
  private push(chunk: Buffer | null): void {
    if (this.stopped) return;
    // The fast path of a fault-free run (every byte between nodes comes through here): nothing
    // queued ahead of this chunk, so it is forwarded now, without delay bookkeeping.
    if (this.dst && this.queue.length === 0 && this.proxy.faultFree) {
      this.forward(this.dst, chunk);
      return;
    }
    if (this.proxy.isBlocked(this.srcNode, this.dstNode)) {
      this.gap = true;
      return;
    }
    const shape = this.proxy.shapeOf(this.srcNode, this.dstNode);
    let due = performance.now(); // monotonic: a wall-clock step must not reorder or stall delivery
    if (shape) {
      const d = this.proxy.delayFor(shape);
      if (d.timeout) {
        // TCP gives up on this chunk: nothing after it is delivered, then the connection resets.
        this.stopped = true;
        this.timeoutTimer = setTimeout(() => this.conn.reset(), d.ms);
        return;
      }
      due += d.ms;
    }
    due = Math.max(due, this.lastDue); // TCP never reorders within a stream
    this.lastDue = due;
    this.queue.push({ chunk, due });
    this.pump();
  }

  private pump(): void {
    if (this.stopped || !this.dst || this.timer) return;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0].due <= now) {
      const { chunk } = this.queue.shift()!;
      if (this.proxy.isBlocked(this.srcNode, this.dstNode)) {
        this.gap = true; // in flight when the partition began: dropped at the receiver
        continue;
      }
      this.forward(this.dst, chunk);
    }
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, this.queue[0].due - now);
    }
  }

  private forward(dst: net.Socket, chunk: Buffer | null): void {
    if (dst.destroyed) return;
    if (chunk === null) dst.end();
    else if (!dst.write(chunk)) this.backpressure(dst);
  }

  /** The receiver is slow (or paused): stop reading from the sender until it drains, as TCP's window would. */
  private backpressure(dst: net.Socket): void {
    const src = this.src;
    if (!src || src.isPaused()) return;
    src.pause();
    dst.once('drain', () => {
      if (!this.stopped) src.resume();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.timer, this.timeoutTimer]) if (t) clearTimeout(t);
    this.timer = this.timeoutTimer = null;
    this.queue.length = 0;
  }
}
