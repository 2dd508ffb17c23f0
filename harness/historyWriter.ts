/**
 * Streams the history to history.jsonl while the test runs: one Op a line, dense indices,
 * `time` = monotonic nanoseconds since the test started. Lines are written and fdatasync'ed in
 * small batches (every `flushMs` or `batchOps` ops, whichever first), so a crash of the harness
 * loses at most the last batch. The whole history is also kept in memory for the checkers.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { History, Op } from '../ground/history.js';
import { WriteFailed } from './store.js';

export type OpFields = Omit<Op, 'index' | 'time'>;

export interface HistoryWriterOptions {
  flushMs?: number;
  batchOps?: number;
  /** Called with every op as it is appended (progress display). */
  onOp?: (op: Op) => void;
}

export class HistoryWriter {
  readonly ops: History = [];
  private readonly startNs = process.hrtime.bigint();
  private pending: string[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private writeError: Error | undefined;

  private constructor(
    private readonly path: string,
    private readonly file: FileHandle,
    private readonly flushMs: number,
    private readonly batchOps: number,
    private readonly onOp?: (op: Op) => void,
  ) {}

  static async create(path: string, opts: HistoryWriterOptions = {}): Promise<HistoryWriter> {
    const file = await open(path, 'wx');
    return new HistoryWriter(path, file, opts.flushMs ?? 100, opts.batchOps ?? 1000, opts.onOp);
  }

  /** Nanoseconds since the writer (= the test) started; monotonic. */
  now(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  /** Appends one op, stamping index and time; returns the stamped op. */
  append(fields: OpFields): Op {
    if (this.closed) throw new Error(`history: append after close (${fields.f})`);
    if (this.writeError) throw new WriteFailed(this.path, this.writeError);
    const op: Op = { index: this.ops.length, time: this.now(), ...fields };
    this.ops.push(op);
    this.pending.push(JSON.stringify(op) + '\n');
    this.onOp?.(op);
    if (this.pending.length >= this.batchOps) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
    return op;
  }

  /** Writes and fdatasyncs everything appended so far. Flushes are serialised. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        await this.file.write(lines.join(''));
        await this.file.datasync();
      } catch (err) {
        this.writeError ??= err as Error;
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    await this.file.close();
    if (this.writeError) throw new WriteFailed(this.path, this.writeError);
  }
}

/** Reads a history.jsonl back; a torn last line (harness crashed mid-write) is dropped. */
export function readHistory(path: string): History {
  const lines = readFileSync(path, 'utf8').split('\n');
  const ops: History = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let op: Op;
    try {
      op = JSON.parse(line) as Op;
    } catch (err) {
      if (i >= lines.length - 2) return; // torn tail
      throw new Error(`${path}:${i + 1}: not JSON: ${(err as Error).message}`);
    }
    if (op.index !== ops.length) throw new Error(`${path}:${i + 1}: index ${op.index}, expected ${ops.length} (history must be dense)`);
    ops.push(op);
  });
  return ops;
}
