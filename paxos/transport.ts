/**
 * Peer-to-peer transport of a Paxos node: TCP with length-prefixed JSON frames.
 *
 * Each node dials every peer for its OWN outgoing messages (first frame: a hello with its id)
 * and only reads from the connections it accepts. Peer addresses come solely from --peers: in
 * the local runtime each one is the fault proxy's listener for that node, so the source of an
 * inbound connection says nothing about who is on the other end; the hello does. Its own entry
 * in --peers (every node gets the same list) is never dialled: a node does not message itself.
 *
 * Loss is acceptable (Paxos tolerates it), unbounded memory is not: when a peer's socket does
 * not drain (a proxy that stalls a partitioned link instead of closing it) or the peer is
 * unreachable, messages beyond a byte cap are dropped and counted. Writes made in one tick are
 * corked and leave in one syscall per peer.
 */
import net from 'node:net';
import type { NodeId } from './core/types.js';

/** Frame: [payload length u32 BE][UTF-8 JSON]. */
const LEN_BYTES = 4;
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;

export interface HostPort {
  host: string;
  port: number;
}

/** Parses "host:port" (IPv4 or a name; port 0 = ephemeral for listeners). Throws a one-line Error. */
export function parseHostPort(text: string, allowPortZero = false): HostPort {
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(text);
  if (!m) throw new Error(`bad address ${JSON.stringify(text)}: expected host:port`);
  const port = Number(m[2]);
  if (port > 65535 || (port === 0 && !allowPortZero)) throw new Error(`bad address ${JSON.stringify(text)}: port out of range`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export function encodeFrame(obj: unknown): Buffer {
  const json = JSON.stringify(obj);
  const len = Buffer.byteLength(json);
  if (len > MAX_FRAME_BYTES) throw new Error(`frame of ${len} bytes exceeds ${MAX_FRAME_BYTES}`);
  const buf = Buffer.allocUnsafe(LEN_BYTES + len);
  buf.writeUInt32BE(len, 0);
  buf.write(json, LEN_BYTES, 'utf8');
  return buf;
}

/** Splits a byte stream into JSON frames. Throws on an oversized or non-JSON frame. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(data: Buffer): unknown[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const out: unknown[] = [];
    if (this.buffered < LEN_BYTES) return out;
    let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    let off = 0;
    while (buf.length - off >= LEN_BYTES) {
      const len = buf.readUInt32BE(off);
      if (len > MAX_FRAME_BYTES) throw new Error(`incoming frame of ${len} bytes exceeds ${MAX_FRAME_BYTES}`);
      if (buf.length - off - LEN_BYTES < len) break;
      out.push(JSON.parse(buf.toString('utf8', off + LEN_BYTES, off + LEN_BYTES + len)));
      off += LEN_BYTES + len;
    }
    buf = buf.subarray(off);
    this.chunks = buf.length ? [buf] : [];
    this.buffered = buf.length;
    return out;
  }
}

export interface TransportOptions {
  self: NodeId;
  listen: HostPort;
  /** Where to send to each peer (self may be present and is ignored). */
  peers: Record<NodeId, HostPort>;
  /** Bytes buffered per peer (unsent in the socket, or queued while disconnected) before dropping. */
  maxBufferedBytes?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Receives every frame a peer sent us, after its hello. */
  onMessage: (from: NodeId, msg: unknown) => void;
  /** Human-readable notices (connects, drops, bad frames). */
  log?: (line: string) => void;
}

export interface TransportStats {
  sent: number;
  received: number;
  dropped: number;
  /** Corked batches pushed to a socket (about one write system call each). */
  flushes: number;
}

class Outbound {
  socket: net.Socket | null = null;
  connected = false;
  /** Frames waiting for a connection. */
  queue: Buffer[] = [];
  queuedBytes = 0;
  backoffMs: number;
  retry: NodeJS.Timeout | null = null;
  corked = false;
  connectedAt = 0;
  droppedSinceLog = 0;

  constructor(
    readonly peer: NodeId,
    readonly addr: HostPort,
    backoffMinMs: number,
  ) {
    this.backoffMs = backoffMinMs;
  }
}

export class Transport {
  readonly stats: TransportStats = { sent: 0, received: 0, dropped: 0, flushes: 0 };
  private server: net.Server | null = null;
  private readonly out = new Map<NodeId, Outbound>();
  private readonly inbound = new Set<net.Socket>();
  private readonly corked = new Set<Outbound>();
  private uncorkScheduled = false;
  private closed = false;
  private readonly maxBuffered: number;
  private readonly backoffMin: number;
  private readonly backoffMax: number;

  constructor(private readonly opts: TransportOptions) {
    this.maxBuffered = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.backoffMin = opts.backoffMinMs ?? 20;
    this.backoffMax = opts.backoffMaxMs ?? 1000;
    for (const [peer, addr] of Object.entries(opts.peers)) {
      if (peer !== opts.self) this.out.set(peer, new Outbound(peer, addr, this.backoffMin));
    }
  }

  /** Binds the peer listener and starts dialling every peer. Resolves with the bound port. */
  async start(): Promise<number> {
    const server = net.createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.listen.port, this.opts.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log(`peer listener error: ${err.message}`));
    for (const o of this.out.values()) this.dial(o);
    return (server.address() as net.AddressInfo).port;
  }

  /** Queues one message to a peer; false when it was dropped (buffer cap, closed). */
  send(to: NodeId, msg: unknown): boolean {
    const o = this.out.get(to);
    if (!o) throw new Error(`send to unknown peer ${to}`);
    if (this.closed) return false;
    let frame: Buffer;
    try {
      frame = encodeFrame(msg);
    } catch (err) {
      // Too big to ever send: dropping it is a message loss, which Paxos tolerates.
      this.log(`dropping a message to ${to}: ${(err as Error).message}`);
      this.stats.dropped++;
      return false;
    }
    if (o.connected && o.socket) {
      if (o.socket.writableLength + frame.length > this.maxBuffered) return this.drop(o);
      if (!o.corked) {
        o.socket.cork();
        o.corked = true;
        this.corked.add(o);
        this.scheduleUncork();
      }
      o.socket.write(frame);
    } else {
      if (o.queuedBytes + frame.length > this.maxBuffered) return this.drop(o);
      o.queue.push(frame);
      o.queuedBytes += frame.length;
    }
    this.stats.sent++;
    return true;
  }

  /** Bytes this process holds for a peer (unsent socket data plus the reconnect queue). */
  buffered(peer: NodeId): number {
    const o = this.out.get(peer);
    if (!o) throw new Error(`unknown peer ${peer}`);
    return (o.socket?.writableLength ?? 0) + o.queuedBytes;
  }

  /** Pushes every corked write onto the wire now (also happens by itself once per tick). */
  flush(): void {
    for (const o of this.corked) {
      o.corked = false;
      o.socket?.uncork();
      this.stats.flushes++;
    }
    this.corked.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const o of this.out.values()) {
      if (o.retry) clearTimeout(o.retry);
      o.socket?.destroy();
    }
    for (const s of this.inbound) s.destroy();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private drop(o: Outbound): false {
    this.stats.dropped++;
    if (o.droppedSinceLog++ === 0) this.log(`link to ${o.peer} is not draining: dropping messages`);
    return false;
  }

  private scheduleUncork(): void {
    if (this.uncorkScheduled) return;
    this.uncorkScheduled = true;
    setImmediate(() => {
      this.uncorkScheduled = false;
      this.flush();
    });
  }

  private dial(o: Outbound): void {
    if (this.closed) return;
    o.retry = null;
    const socket = net.connect({ host: o.addr.host, port: o.addr.port, noDelay: true });
    o.socket = socket;
    socket.setKeepAlive(true, 1000);
    socket.on('connect', () => {
      o.connected = true;
      o.connectedAt = performance.now(); // monotonic: immune to the clock nemesis
      o.droppedSinceLog = 0;
      socket.cork();
      socket.write(encodeFrame({ hello: this.opts.self }));
      for (const f of o.queue) socket.write(f);
      socket.uncork();
      o.queue = [];
      o.queuedBytes = 0;
    });
    socket.on('data', () => {
      // Peers never write on our outbound connections; ignore anything that arrives.
    });
    socket.on('error', () => {
      // 'close' follows; reconnection is handled there.
    });
    socket.on('close', () => {
      if (o.socket !== socket) return;
      const wasUp = o.connected;
      o.connected = false;
      o.socket = null;
      if (o.corked) {
        o.corked = false;
        this.corked.delete(o);
      }
      if (this.closed) return;
      // A connection that lived a while means the peer was fine: retry quickly. A proxy that
      // accepts and immediately closes must not make us spin, so back off otherwise.
      if (wasUp && performance.now() - o.connectedAt > 1000) o.backoffMs = this.backoffMin;
      else o.backoffMs = Math.min(this.backoffMax, o.backoffMs * 2);
      if (wasUp) this.log(`lost connection to ${o.peer}`);
      o.retry = setTimeout(() => this.dial(o), o.backoffMs);
    });
  }

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    const decoder = new FrameDecoder();
    let from: NodeId | null = null;
    socket.on('data', (data: Buffer) => {
      let frames: unknown[];
      try {
        frames = decoder.push(data);
      } catch (err) {
        this.log(`bad frame from ${from ?? 'unidentified peer'}: ${(err as Error).message}; closing`);
        socket.destroy();
        return;
      }
      for (const f of frames) {
        if (from === null) {
          const hello = (f as { hello?: unknown } | null)?.hello;
          if (typeof hello !== 'string' || !this.out.has(hello)) {
            this.log(`inbound connection without a valid hello (${JSON.stringify(f)?.slice(0, 80)}); closing`);
            socket.destroy();
            return;
          }
          from = hello;
          continue;
        }
        this.stats.received++;
        this.opts.onMessage(from, f);
        if (socket.destroyed) return;
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.inbound.delete(socket));
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }
}
