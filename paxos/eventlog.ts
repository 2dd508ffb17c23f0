/**
 * Logical time of one node: a Lamport clock and a vector clock, stamped on every message
 * envelope and merged on receipt, plus the event log (DATA_DIR/events.jsonl) the report reads
 * to draw happens-before (space-time) diagrams.
 *
 * One JSON line per event: {node, lamport, vc, kind: send|recv|local, type, peer, slot, time}.
 * `time` is the node's wall clock (Date.now(), skewed under the clock nemesis): a label for
 * humans, never used for ordering. Lines are buffered and written once per tick (or every 64 KiB),
 * never fsynced: the log is diagnostics, not state.
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

export class LogicalClock {
  lamport = 0;
  readonly vc: number[];
  private readonly selfIndex: number;

  constructor(
    readonly self: NodeId,
    readonly nodes: readonly NodeId[],
  ) {
    this.selfIndex = nodes.indexOf(self);
    if (this.selfIndex < 0) throw new Error(`${self} is not among the nodes ${nodes.join(',')}`);
    this.vc = nodes.map(() => 0);
  }

  /** A local event (also the first half of a send). */
  tick(): void {
    this.lamport++;
    this.vc[this.selfIndex]++;
  }

  /** Advances the clocks for a send and returns the stamp to put on the envelope. */
  send(): Stamp {
    this.tick();
    return { lt: this.lamport, vc: this.vc.slice() };
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

  vcObject(): Record<NodeId, number> {
    const out: Record<NodeId, number> = {};
    this.nodes.forEach((n, i) => (out[n] = this.vc[i]));
    return out;
  }
}

export function isStamp(x: unknown, n: number): x is Stamp {
  const s = x as Stamp;
  return (
    typeof s === 'object' && s !== null && Number.isSafeInteger(s.lt) && s.lt >= 0 &&
    Array.isArray(s.vc) && s.vc.length === n && s.vc.every((c) => Number.isSafeInteger(c) && c >= 0)
  );
}

export type EventKind = 'send' | 'recv' | 'local';

export class EventLog {
  private fd: number;
  private buf: string[] = [];
  private bytes = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly clock: LogicalClock,
  ) {
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

  /** Records an event at the clock's current time (call after the clock moved). */
  record(kind: EventKind, type: string, peer: NodeId | null, slot: number | null): void {
    if (this.closed) return;
    const line = JSON.stringify({
      node: this.clock.self,
      lamport: this.clock.lamport,
      vc: this.clock.vcObject(),
      kind,
      type,
      peer,
      slot,
      time: Date.now(),
    });
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
