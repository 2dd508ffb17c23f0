/**
 * The write-ahead log of one Paxos node: an append-only file of checksummed JSON records.
 *
 * Frame: [payload length u32 LE][crc32 u32 LE][payload: UTF-8 JSON]. The crc covers the length
 * field and the payload, so a flipped bit in either is caught.
 *
 * Recovery reads frames in order. A bad frame with nothing valid after it is a torn tail (the
 * process died mid-append): it is cut off and the file truncated to the last good record, which
 * is safe because nothing in a torn append was ever acknowledged (the driver releases messages
 * only after the fsync). A bad frame FOLLOWED by a valid one is real corruption of acknowledged
 * data: recovery refuses with an error naming the file and offset, never silently dropping it.
 *
 * Appends are group commits: one writev of many frames made durable by O_DSYNC (or followed by
 * one fdatasync).
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';

const HEADER_BYTES = 8;
/** Larger than any record we write; a length beyond it is corruption, not data. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/**
 * How an append becomes durable. 'dsync' (the default) opens the log O_DSYNC, so the one writev
 * of a group commit returns only once the data is on disk: a single system call, and a single
 * thread-pool job instead of two. 'fdatasync' does writev then fdatasync.
 */
export type WalSync = 'dsync' | 'fdatasync';

export class WalCorruptError extends Error {
  override name = 'WalCorruptError';
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`WAL ${file} is corrupt at byte offset ${offset} (${reason}) and valid records follow it; refusing to start rather than drop acknowledged data`);
  }
}

export interface WalOpenResult {
  wal: Wal;
  /** Every intact record, in append order. */
  records: unknown[];
  /** Bytes cut off a torn last record (0 when the file ended cleanly). */
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
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(frameCrc(header, payload), 4);
  return [header, payload];
}

type FrameCheck = { ok: true; end: number; payload: Buffer } | { ok: false; reason: string };

function checkFrame(buf: Buffer, off: number): FrameCheck {
  if (buf.length - off < HEADER_BYTES) return { ok: false, reason: `short header: ${buf.length - off} bytes` };
  const len = buf.readUInt32LE(off);
  if (len === 0 || len > MAX_RECORD_BYTES) return { ok: false, reason: `implausible length ${len}` };
  const end = off + HEADER_BYTES + len;
  if (end > buf.length) return { ok: false, reason: `frame of ${len} bytes runs past end of file` };
  const header = buf.subarray(off, off + HEADER_BYTES);
  const payload = buf.subarray(off + HEADER_BYTES, end);
  if (frameCrc(header, payload) !== buf.readUInt32LE(off + 4)) return { ok: false, reason: 'checksum mismatch' };
  return { ok: true, end, payload };
}

/** True when some byte offset after `from` starts a frame with a valid checksum. */
function validFrameAfter(buf: Buffer, from: number): boolean {
  for (let p = from; p + HEADER_BYTES < buf.length; p++) {
    if (checkFrame(buf, p).ok) return true;
  }
  return false;
}

/** Makes a newly created file's directory entry durable. */
function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function encodeAll(records: readonly unknown[]): { buffers: Buffer[]; total: number } {
  const buffers: Buffer[] = [];
  let total = 0;
  for (const r of records) {
    const [h, p] = encodeFrame(r);
    buffers.push(h, p);
    total += h.length + p.length;
  }
  return { buffers, total };
}

export class Wal {
  private appending = false;
  private closed = false;

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
   * before the node accepts any traffic. Throws WalCorruptError on mid-file corruption.
   */
  static open(file: string, sync: WalSync = 'dsync'): WalOpenResult {
    const existed = fs.existsSync(file);
    const buf = existed ? fs.readFileSync(file) : Buffer.alloc(0);
    const records: unknown[] = [];
    let off = 0;
    while (off < buf.length) {
      const frame = checkFrame(buf, off);
      if (!frame.ok) {
        if (validFrameAfter(buf, off + 1)) throw new WalCorruptError(file, off, frame.reason);
        break;
      }
      try {
        records.push(JSON.parse(frame.payload.toString('utf8')));
      } catch (err) {
        // The checksum matched, so these are the bytes we wrote: a bug, not a torn write.
        throw new WalCorruptError(file, off, `checksummed record is not JSON: ${(err as Error).message}`);
      }
      off = frame.end;
    }
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
   * Appends records with one writev and one fdatasync; resolves once they are durable.
   * Calls must not overlap (the driver's group commit serialises them). A failed append
   * leaves the log in an unknown state: the caller must stop the node.
   */
  async append(records: readonly unknown[]): Promise<void> {
    if (this.closed) throw new Error(`WAL ${this.file} is closed`);
    if (this.appending) throw new Error('WAL appends must not overlap');
    if (records.length === 0) return;
    this.appending = true;
    try {
      const { buffers, total } = encodeAll(records);
      const written = await new Promise<number>((resolve, reject) =>
        fs.writev(this.fd, buffers, this.bytes, (err, n) => (err ? reject(err) : resolve(n))),
      );
      if (written !== total) throw new Error(`short write to WAL ${this.file}: ${written} of ${total} bytes`);
      if (this.sync === 'fdatasync') await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
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
    const { buffers, total } = encodeAll(records);
    let written = 0;
    // writevSync takes at most IOV_MAX buffers per call on some platforms: go in chunks.
    for (let i = 0; i < buffers.length; i += 1024) written += fs.writevSync(this.fd, buffers.slice(i, i + 1024), this.bytes + written);
    if (written !== total) throw new Error(`short write to WAL ${this.file}: ${written} of ${total} bytes`);
    if (this.sync === 'fdatasync') fs.fdatasyncSync(this.fd);
    this.bytes += total;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
