/**
 * DATA_DIR/decided.jsonl: every slot this node applied, one `{"slot","digest","command"}` line
 * each, so that GET /debug/log still answers for slots the log compaction dropped (the
 * harness's agreement checker needs every node's whole decided log: an acknowledged write must
 * be in it). A debugging record like events.jsonl: it grows with the run, is never read on
 * recovery, and is fsynced only before the WAL drops slots (so a crash does not leave a hole
 * below the log). Slots a node skipped by installing a peer's snapshot are not in it.
 */
import fs from 'node:fs';

/** Every this many lines, an index entry (slot -> byte offset) for reading from a slot. */
const INDEX_EVERY = 256;
const READ_CHUNK = 1 << 20;

export interface ArchivedEntry {
  slot: number;
  digest: string;
  command: unknown;
}

export class DecidedArchive {
  private readonly fd: number;
  private size: number;
  private pending: string[] = [];
  /** Highest slot written; lines at or below are skipped (a restart re-archives its kept log). */
  lastSlot = 0;
  /** [slot, offset] of every INDEX_EVERY-th line; null until the existing file is scanned. */
  private index: [number, number][] | null = null;
  private lines = 0;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a+', 0o644);
    this.size = fs.fstatSync(this.fd).size;
    this.scan();
  }

  /** Builds the index and finds the last slot; cuts a torn last line (never fsynced). */
  private scan(): void {
    const index: [number, number][] = [];
    let lines = 0;
    let end = 0; // byte offset after the last complete line
    forEachLine(this.fd, 0, this.size, (line, off) => {
      const slot = slotOf(line);
      if (slot !== null) {
        if (lines % INDEX_EVERY === 0) index.push([slot, off]);
        lines++;
        if (slot > this.lastSlot) this.lastSlot = slot;
      }
      end = off + Buffer.byteLength(line) + 1;
      return true;
    });
    if (end < this.size) {
      fs.ftruncateSync(this.fd, end);
      this.size = end;
    }
    this.index = index;
    this.lines = lines;
  }

  /** Queues applied entries (written by flush). */
  append(entries: readonly ArchivedEntry[]): void {
    for (const e of entries) {
      if (e.slot <= this.lastSlot) continue;
      this.lastSlot = e.slot;
      this.pending.push(`${JSON.stringify(e)}\n`);
    }
  }

  /** Writes what is queued (no fsync). */
  flush(): void {
    if (this.pending.length === 0) return;
    let off = this.size;
    for (const line of this.pending) {
      if (this.lines % INDEX_EVERY === 0) this.index!.push([slotOf(line)!, off]);
      this.lines++;
      off += Buffer.byteLength(line);
    }
    const data = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    let written = 0;
    while (written < data.length) written += fs.writeSync(this.fd, data, written, data.length - written, this.size + written);
    this.size += data.length;
  }

  /** Makes everything written durable: before the WAL drops slots. */
  sync(): void {
    this.flush();
    fs.fdatasyncSync(this.fd);
  }

  /** Up to `limit` entries with slot >= from and < below, in slot order. */
  read(from: number, below: number, limit: number): ArchivedEntry[] {
    this.flush();
    const out: ArchivedEntry[] = [];
    let start = 0;
    for (const [slot, off] of this.index!) if (slot <= from) start = off;
    forEachLine(this.fd, start, this.size, (line) => {
      const slot = slotOf(line);
      if (slot === null || slot < from) return true;
      if (slot >= below || out.length >= limit) return false;
      out.push(JSON.parse(line) as ArchivedEntry);
      return true;
    });
    return out;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }
}

/** Calls `fn(line, byteOffset)` for each complete line in [start, end) until it returns false. */
function forEachLine(fd: number, start: number, end: number, fn: (line: string, off: number) => boolean): void {
  let rest = Buffer.alloc(0);
  let restOff = start;
  for (let off = start; off < end; ) {
    const chunk = Buffer.alloc(Math.min(READ_CHUNK, end - off));
    const n = fs.readSync(fd, chunk, 0, chunk.length, off);
    if (n <= 0) return;
    off += n;
    const buf = rest.length === 0 ? chunk.subarray(0, n) : Buffer.concat([rest, chunk.subarray(0, n)]);
    let p = 0;
    for (let nl = buf.indexOf(10, p); nl !== -1; nl = buf.indexOf(10, p)) {
      if (!fn(buf.toString('utf8', p, nl), restOff + p)) return;
      p = nl + 1;
    }
    rest = Buffer.from(buf.subarray(p));
    restOff += p;
  }
}

/** The slot of an archive line (it starts {"slot":N,...}), or null for a malformed one. */
function slotOf(line: string): number | null {
  const m = /^\{"slot":(\d+),/.exec(line);
  return m === null ? null : Number(m[1]);
}
