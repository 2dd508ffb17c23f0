/**
 * The write-ahead log of one Paxos node: an append-only file of checksummed JSON records,
 * written in group commits.
 *
 * Layout: the file is a sequence of groups, one per append. A group is a 12-byte header
 * [magic "PXG1"][body length u32 LE][crc32 of the first 8 bytes u32 LE] followed by its body:
 * frames [payload length u32 LE][crc32 u32 LE][payload: UTF-8 JSON], the crc covering the length
 * field and the payload. The body length is exactly the bytes of the group's frames.
 *
 * Recovery rule. A group whose header is intact but which runs past the end of the file is the
 * last append, torn (the process or machine died mid-writev); it is cut off whole, provided what
 * is there of it is a clean prefix: complete frames that check, then at most one incomplete frame
 * whose length stays inside the group (or a few bytes of a header that match the magic). Anything
 * else refuses to start with WalCorruptError naming the file and byte offset: a complete frame
 * or group header with a bad checksum, an implausible length, a zeroed or garbled tail, random
 * bytes, a group that does not end where its header says.
 *
 * Why that never drops an acknowledged record: a record is acknowledged (a message or reply that
 * depends on it leaves the node) only after the append that holds it returned durable, and
 * appends never overlap, so only the last group can be incomplete, and an incomplete group's
 * append never returned: nothing in it was acknowledged. The length that bounds what is cut comes
 * from a checksummed header written in the same writev as the group, so damage cannot pass for a
 * tear unless it forges a header checksum (2^-32) or removes bytes from the end of the file,
 * which no log can tell from a tear. A tear of an O_DSYNC pwritev is a prefix of the group; a
 * file system that exposes zeroed blocks after a crash gets a refusal, not a silent cut.
 * Whole groups lost from the end (or the whole file) are caught by the data dir's node.id, which
 * records the highest incarnation booted (see datadir.ts).
 *
 * Appends are group commits: one writev of the header and its frames made durable by O_DSYNC
 * (or followed by one fdatasync).
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

const FRAME_HEADER_BYTES = 8;
/** Bytes of a group header: magic, body length, crc32 of the two. */
export const GROUP_HEADER_BYTES = 12;
const GROUP_MAGIC = Buffer.from('PXG1', 'latin1');
/** Larger than any record we write; a length beyond it is corruption, not data. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/**
 * How an append becomes durable. 'dsync' (the default) opens the log O_DSYNC, so the one writev
 * of a group commit returns only once the data is on disk: a single system call, and a single
 * thread-pool job instead of two. 'fdatasync' does writev then fdatasync. 'lazy' is the
 * planted bug lazy-fsync (paxos/bugs.ts): writev, and an fdatasync every LAZY_SYNC_EVERY appends.
 */
export type WalSync = 'dsync' | 'fdatasync' | 'lazy';

/** How many appends the lazy-fsync bug lets pass between two syncs. */
export const LAZY_SYNC_EVERY = 8;

export class WalCorruptError extends Error {
  override name = 'WalCorruptError';
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`WAL ${file} is corrupt at byte offset ${offset} (${reason}); refusing to start rather than drop acknowledged data`);
  }
}

export interface WalOpenResult {
  wal: Wal;
  /** Every record of every complete group, in append order. */
  records: unknown[];
  /** Bytes of a torn last group cut off (0 when the file ended cleanly). */
  tornBytes: number;
}

function frameCrc(header: Buffer, payload: Uint8Array): number {
  return crc32(payload, crc32(header.subarray(0, 4)));
}

/** Encodes one record as [header, payload] buffers. */
export function encodeFrame(record: unknown): [Buffer, Buffer] {
  const json = JSON.stringify(record);
  if (json === undefined) throw new Error('WAL record must be JSON-serialisable');
  const payload = Buffer.from(json, 'utf8');
  if (payload.length === 0 || payload.length > MAX_RECORD_BYTES) throw new Error(`WAL record of ${payload.length} bytes is out of range`);
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(frameCrc(header, payload), 4);
  return [header, payload];
}

function encodeGroupHeader(bodyBytes: number): Buffer {
  if (bodyBytes > 0xffffffff) throw new Error(`WAL group of ${bodyBytes} bytes is too large`);
  const header = Buffer.allocUnsafe(GROUP_HEADER_BYTES);
  GROUP_MAGIC.copy(header, 0);
  header.writeUInt32LE(bodyBytes, 4);
  header.writeUInt32LE(crc32(header.subarray(0, 8)), 8);
  return header;
}

/** A frame that checks; one cut short by the end of the file (a tear); or one that is damaged. */
type FrameCheck = { ok: true; end: number; payload: Buffer } | { ok: false; incomplete: boolean; reason: string };

/** Checks the frame at `off` of a group that ends at `groupEnd` (which may lie past the file's end). */
function checkFrame(buf: Buffer, off: number, groupEnd: number): FrameCheck {
  const damaged = (reason: string): FrameCheck => ({ ok: false, incomplete: false, reason });
  if (groupEnd - off < FRAME_HEADER_BYTES) return damaged(`frame header crosses the end of its group`);
  if (buf.length - off < FRAME_HEADER_BYTES) return { ok: false, incomplete: true, reason: 'short frame header' };
  const len = buf.readUInt32LE(off);
  if (len === 0 || len > MAX_RECORD_BYTES) return damaged(`implausible frame length ${len}`);
  const end = off + FRAME_HEADER_BYTES + len;
  if (end > groupEnd) return damaged(`frame of ${len} bytes runs past the end of its group`);
  if (end > buf.length) return { ok: false, incomplete: true, reason: 'short frame' };
  const header = buf.subarray(off, off + FRAME_HEADER_BYTES);
  const payload = buf.subarray(off + FRAME_HEADER_BYTES, end);
  if (frameCrc(header, payload) !== buf.readUInt32LE(off + 4)) return damaged('frame checksum mismatch');
  return { ok: true, end, payload };
}

/**
 * Reads every complete group (the rule is the module's docstring). Returns their records and
 * where they end: the file's length, or the start of a torn last group.
 */
function scan(file: string, buf: Buffer): { records: unknown[]; end: number } {
  const records: unknown[] = [];
  let off = 0;
  while (off < buf.length) {
    const rest = buf.length - off;
    if (rest < GROUP_HEADER_BYTES) {
      const n = Math.min(rest, GROUP_MAGIC.length);
      if (buf.subarray(off, off + n).equals(GROUP_MAGIC.subarray(0, n))) break; // a torn group header
      throw new WalCorruptError(file, off, `${rest} trailing bytes that do not start a group header`);
    }
    if (!buf.subarray(off, off + GROUP_MAGIC.length).equals(GROUP_MAGIC)) throw new WalCorruptError(file, off, 'no group header here');
    if (crc32(buf.subarray(off, off + 8)) !== buf.readUInt32LE(off + 8)) throw new WalCorruptError(file, off, 'group header checksum mismatch');
    const body = buf.readUInt32LE(off + 4);
    if (body === 0) throw new WalCorruptError(file, off, 'empty group');
    const groupEnd = off + GROUP_HEADER_BYTES + body;
    const torn = groupEnd > buf.length;
    const group: unknown[] = [];
    for (let p = off + GROUP_HEADER_BYTES; p < Math.min(groupEnd, buf.length); ) {
      const frame = checkFrame(buf, p, groupEnd);
      if (!frame.ok) {
        if (torn && frame.incomplete) break;
        throw new WalCorruptError(file, p, frame.reason);
      }
      try {
        group.push(JSON.parse(frame.payload.toString('utf8')));
      } catch (err) {
        // The checksum matched, so these are the bytes we wrote: a bug, not a torn write.
        throw new WalCorruptError(file, p, `checksummed record is not JSON: ${(err as Error).message}`);
      }
      p = frame.end;
    }
    // A torn group's append never returned, so none of its records was acknowledged: drop it whole.
    if (torn) break;
    records.push(...group);
    off = groupEnd;
  }
  return { records, end: off };
}

/** Makes a newly created or renamed file's directory entry durable. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** One group: its header and frames as writev buffers. */
function encodeGroup(records: readonly unknown[]): { buffers: Buffer[]; total: number } {
  const buffers: Buffer[] = [Buffer.alloc(0)];
  let body = 0;
  for (const r of records) {
    const [h, p] = encodeFrame(r);
    buffers.push(h, p);
    body += h.length + p.length;
  }
  buffers[0] = encodeGroupHeader(body);
  return { buffers, total: GROUP_HEADER_BYTES + body };
}

/**
 * Writes `records` as a one-group log file atomically and durably (temporary file, fsync,
 * rename, fsync of the directory); returns its size. Also the snapshot file's format.
 */
export function writeLogFileSync(file: string, records: readonly unknown[]): number {
  const { buffers, total } = encodeGroup(records);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    let written = 0;
    for (let i = 0; i < buffers.length; i += 1024) written += fs.writevSync(fd, buffers.slice(i, i + 1024), written);
    if (written !== total) throw new Error(`short write to ${tmp}: ${written} of ${total} bytes`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(path.resolve(file)));
  return total;
}

/** Reads a log file written whole (writeLogFileSync): its records; any damage throws WalCorruptError. */
export function readLogFileSync(file: string): unknown[] {
  const buf = fs.readFileSync(file);
  const { records, end } = scan(file, buf);
  // Renamed into place only once complete and durable: even a torn tail is damage here.
  if (end !== buf.length) throw new WalCorruptError(file, end, 'incomplete group in a file written whole');
  return records;
}

export class Wal {
  private appending = false;
  private closed = false;
  /** Appends since open (the lazy-fsync bug's count). */
  private lazyAppends = 0;

  private constructor(
    readonly file: string,
    private fd: number,
    private bytes: number,
    /** 'dsync': the fd is O_DSYNC, each writev returns durable; 'fdatasync': writev, then fdatasync. */
    readonly sync: WalSync,
  ) {}

  /** Size of the log in bytes. */
  get size(): number {
    return this.bytes;
  }

  /**
   * Opens (creating if absent) and recovers the log. Synchronous: it runs once at start-up,
   * before the node accepts any traffic. Throws WalCorruptError on anything but a torn last group.
   */
  static open(file: string, sync: WalSync = 'dsync'): WalOpenResult {
    const existed = fs.existsSync(file);
    const buf = existed ? fs.readFileSync(file) : Buffer.alloc(0);
    const { records, end: off } = scan(file, buf);
    const tornBytes = buf.length - off;
    const { O_RDWR, O_CREAT, O_DSYNC } = fs.constants;
    const fd = fs.openSync(file, O_RDWR | O_CREAT | (sync === 'dsync' ? O_DSYNC : 0), 0o644);
    try {
      if (tornBytes > 0) {
        fs.ftruncateSync(fd, off);
        fs.fsyncSync(fd);
      }
      if (!existed) fsyncDir(path.dirname(path.resolve(file)));
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return { wal: new Wal(file, fd, off, sync), records, tornBytes };
  }

  /**
   * Appends records as one group: one writev, durable by O_DSYNC or a following fdatasync;
   * resolves once they are durable.
   * Calls must not overlap (the driver's group commit serialises them). A failed append
   * leaves the log in an unknown state: the caller must stop the node.
   */
  async append(records: readonly unknown[]): Promise<void> {
    if (this.closed) throw new Error(`WAL ${this.file} is closed`);
    if (this.appending) throw new Error('WAL appends must not overlap');
    if (records.length === 0) return;
    this.appending = true;
    try {
      const { buffers, total } = encodeGroup(records);
      const written = await new Promise<number>((resolve, reject) =>
        fs.writev(this.fd, buffers, this.bytes, (err, n) => (err ? reject(err) : resolve(n))),
      );
      if (written !== total) throw new Error(`short write to WAL ${this.file}: ${written} of ${total} bytes`);
      if (this.syncDue()) await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
      this.bytes += total;
    } finally {
      this.appending = false;
    }
  }

  /**
   * The same append done on the calling thread: writev + fdatasync without the two thread-pool
   * round trips. Cheaper when fsync is fast and CPUs are contended (each hand-off to a pool
   * thread costs a wake-up); it blocks the event loop for the fsync's duration.
   */
  appendSync(records: readonly unknown[]): void {
    if (this.closed) throw new Error(`WAL ${this.file} is closed`);
    if (this.appending) throw new Error('WAL appends must not overlap');
    if (records.length === 0) return;
    const { buffers, total } = encodeGroup(records);
    let written = 0;
    // writevSync takes at most IOV_MAX buffers per call on some platforms: go in chunks.
    for (let i = 0; i < buffers.length; i += 1024) written += fs.writevSync(this.fd, buffers.slice(i, i + 1024), this.bytes + written);
    if (written !== total) throw new Error(`short write to WAL ${this.file}: ${written} of ${total} bytes`);
    if (this.syncDue()) fs.fdatasyncSync(this.fd);
    this.bytes += total;
  }

  /** Whether this append ends with an fdatasync ('dsync' needs none: the writev was durable). */
  private syncDue(): boolean {
    return this.sync === 'fdatasync' || (this.sync === 'lazy' && ++this.lazyAppends % LAZY_SYNC_EVERY === 0);
  }

  /**
   * Replaces the whole log with `records` (one group): written to a temporary file, fsynced,
   * renamed over the log, the directory fsynced; then appends go to the new file. Atomic: a
   * crash leaves the old log or the new one, whole. Must not overlap an append.
   */
  rewriteSync(records: readonly unknown[]): void {
    if (this.closed) throw new Error(`WAL ${this.file} is closed`);
    if (this.appending) throw new Error('a WAL rewrite must not overlap an append');
    const total = writeLogFileSync(this.file, records);
    const { O_RDWR, O_DSYNC } = fs.constants;
    const fd = fs.openSync(this.file, O_RDWR | (this.sync === 'dsync' ? O_DSYNC : 0));
    fs.closeSync(this.fd);
    this.fd = fd;
    this.bytes = total;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
