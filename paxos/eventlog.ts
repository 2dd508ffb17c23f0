/**
 * Logical time of one node: a Lamport clock and a vector clock, stamped on every message
 * envelope and merged on receipt, a unique id per message, plus the event log
 * (DATA_DIR/events.jsonl) the report reads to draw happens-before (space-time) diagrams.
 *
 * One JSON line per event: {node, lamport, vc, kind: send|recv|local, type, peer, slot, msg,
 * dropped, time}. `msg` (send and recv only) is the message's id `<node>:<incarnation>:<seq>`:
 * the sender's id, its incarnation (the core's boot counter, persisted in the WAL before any
 * message of that incarnation leaves, so it never repeats) and a per-incarnation counter. The
 * send and every receive of one message carry the same id, which is how the report pairs them
 * exactly. `dropped: true` (on a send; absent otherwise) says the sender's transport refused
 * the message (its link to the peer was not draining, or it was shutting down). `time` is the
 * node's wall clock (Date.now(), skewed under the clock nemesis): a label for humans, never
 * used for ordering. Lines are buffered and written once per tick (or every 64 KiB), never
 * fsynced: the log is diagnostics, not state. The driver flushes the log before it hands
 * messages to the network, so a SIGKILL never loses the send line of a message that was
 * received (the page cache outlives the process).
 *
 * Restarts: the clocks continue from the last line of the existing log plus a margin larger
 * than the most lines a SIGKILL can lose from the buffer, so no two events of a node ever carry
 * the same vector time.
 */
import fs from 'node:fs';
import type { NodeId } from './core/types.js';

const FLUSH_BYTES = 64 * 1024;
/** Every line is longer than 60 bytes, so a full buffer holds fewer lines than this. */
export const RESTART_MARGIN = Math.ceil(FLUSH_BYTES / 60) + 1;

/** What travels with every message: Lamport time and the vector clock in `nodes` order. */
export interface Stamp {
  lt: number;
  vc: number[];
}

/** A stamp for a message leaving this node: the clock plus the message's unique id. */
export interface SendStamp extends Stamp {
  id: string;
}

/** Longest message id accepted from a peer (ours are far shorter). */
export const MAX_MESSAGE_ID_LENGTH = 128;

/** `<node>:<incarnation>:<seq>`: who sent it, in which incarnation, and its number in it. */
export function messageId(node: NodeId, incarnation: number, seq: number): string {
  return `${node}:${incarnation}:${seq}`;
}

/** The parts of a message id (node ids may contain ':'; the last two fields are numbers), or null. */
export function parseMessageId(id: string): { node: NodeId; incarnation: number; seq: number } | null {
  const m = /^(.+):(\d+):(\d+)$/.exec(id);
  if (!m) return null;
  const incarnation = Number(m[2]);
  const seq = Number(m[3]);
  if (!Number.isSafeInteger(incarnation) || !Number.isSafeInteger(seq) || incarnation < 1 || seq < 1) return null;
  return { node: m[1], incarnation, seq };
}

export class LogicalClock {
  lamport = 0;
  readonly vc: number[];
  /** Messages this incarnation has sent so far. */
  sent = 0;
  private readonly selfIndex: number;
  private readonly idPrefix: string;

  /** `incarnation`: this boot's number, unique among the node's boots (the core's, from the WAL). */
  constructor(
    readonly self: NodeId,
    readonly nodes: readonly NodeId[],
    readonly incarnation: number,
  ) {
    this.selfIndex = nodes.indexOf(self);
    if (this.selfIndex < 0) throw new Error(`${self} is not among the nodes ${nodes.join(',')}`);
    if (!Number.isSafeInteger(incarnation) || incarnation < 1) throw new Error(`incarnation must be a positive integer, not ${incarnation}`);
    this.vc = nodes.map(() => 0);
    this.idPrefix = `${self}:${incarnation}:`;
  }

  /** A local event (also the first half of a send). */
  tick(): void {
    this.lamport++;
    this.vc[this.selfIndex]++;
  }

  /** Advances the clocks for a send and returns the stamp (with a fresh id) to put on the envelope. */
  send(): SendStamp {
    this.tick();
    return { lt: this.lamport, vc: this.vc.slice(), id: this.idPrefix + ++this.sent };
  }

  /** Merges a received stamp: Lamport max+1, vector element-wise max then increment. */
  receive(stamp: Stamp): void {
    if (!isStamp(stamp, this.nodes.length)) throw new Error(`malformed clock stamp ${JSON.stringify(stamp)}`);
    this.lamport = Math.max(this.lamport, stamp.lt) + 1;
    for (let i = 0; i < this.vc.length; i++) if (stamp.vc[i] > this.vc[i]) this.vc[i] = stamp.vc[i];
    this.vc[this.selfIndex]++;
  }

  /** Jumps forward past everything a previous incarnation may have stamped. */
  resumeFrom(lamport: number, ownCount: number): void {
    this.lamport = Math.max(this.lamport, lamport + RESTART_MARGIN);
    this.vc[this.selfIndex] = Math.max(this.vc[this.selfIndex], ownCount + RESTART_MARGIN);
  }
}

export function isStamp(x: unknown, n: number): x is Stamp {
  const s = x as Stamp;
  return (
    typeof s === 'object' && s !== null && Number.isSafeInteger(s.lt) && s.lt >= 0 &&
    Array.isArray(s.vc) && s.vc.length === n && s.vc.every((c) => Number.isSafeInteger(c) && c >= 0)
  );
}

/** A message id as a peer may send it: absent (a node from before ids), or a short non-empty string. */
export function isMessageIdField(x: unknown): x is string | undefined {
  return x === undefined || (typeof x === 'string' && x.length > 0 && x.length <= MAX_MESSAGE_ID_LENGTH);
}

export type EventKind = 'send' | 'recv' | 'local';

export class EventLog {
  private fd: number;
  private buf: string[] = [];
  private bytes = 0;
  private scheduled = false;
  private closed = false;
  /** `{"node":"<self>","lamport":` */
  private readonly lineHead: string;
  /** `"<node>":` for each vector clock entry, with the separating comma from the second on. */
  private readonly vcKeys: string[];
  private readonly quotedNodes = new Map<NodeId, string>();

  constructor(
    readonly file: string,
    private readonly clock: LogicalClock,
  ) {
    this.lineHead = `{"node":${JSON.stringify(clock.self)},"lamport":`;
    this.vcKeys = clock.nodes.map((n, i) => `${i ? ',' : ''}${JSON.stringify(n)}:`);
    const tail = lastLine(file);
    if (tail) {
      const own = tail.vc?.[clock.self];
      if (typeof tail.lamport === 'number' && typeof own === 'number') clock.resumeFrom(tail.lamport, own);
    }
    this.fd = fs.openSync(file, 'a');
    // A SIGKILL mid-write may have left a partial last line: start ours on a fresh line.
    const size = fs.fstatSync(this.fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      const rfd = fs.openSync(file, 'r');
      fs.readSync(rfd, last, 0, 1, size - 1);
      fs.closeSync(rfd);
      if (last[0] !== 0x0a) fs.writeSync(this.fd, '\n');
    }
  }

  /**
   * Records an event at the clock's current time (call after the clock moved). `msg`: the
   * message id, for send and recv events; `dropped`: a send the transport refused.
   *
   * The line is assembled from pre-quoted parts rather than through an object and
   * JSON.stringify: this runs for every message in and out, and the node ids and keys never
   * change. Strings that come from messages (type, id) are still JSON-quoted.
   */
  record(kind: EventKind, type: string, peer: NodeId | null, slot: number | null, msg?: string, dropped = false): void {
    if (this.closed) return;
    const vc = this.clock.vc;
    let line = this.lineHead + this.clock.lamport + ',"vc":{';
    for (let i = 0; i < vc.length; i++) line += this.vcKeys[i] + vc[i];
    line += `},"kind":"${kind}","type":${JSON.stringify(type)},"peer":${peer === null ? 'null' : this.quoted(peer)}`;
    line += `,"slot":${slot !== null && Number.isFinite(slot) ? slot : 'null'}`;
    if (msg !== undefined) line += `,"msg":${JSON.stringify(msg)}`;
    if (dropped) line += ',"dropped":true';
    line += `,"time":${Date.now()}}`;
    this.buf.push(line);
    this.bytes += line.length + 1;
    if (this.bytes >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  private quoted(node: NodeId): string {
    let q = this.quotedNodes.get(node);
    if (q === undefined) {
      q = JSON.stringify(node);
      this.quotedNodes.set(node, q);
    }
    return q;
  }

  /** A local event: advances the clock, then records it. */
  local(type: string, slot: number | null = null): void {
    this.clock.tick();
    this.record('local', type, null, slot);
  }

  flush(): void {
    if (this.buf.length === 0 || this.closed) return;
    const data = this.buf.join('\n') + '\n';
    this.buf = [];
    this.bytes = 0;
    fs.writeSync(this.fd, data);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/** The last complete, parseable line of a JSON-lines file, or null. */
function lastLine(file: string): { lamport?: number; vc?: Record<string, number> } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 2 * FLUSH_BYTES);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        return JSON.parse(lines[i]);
      } catch {
        // a torn or empty line: look further back
      }
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
