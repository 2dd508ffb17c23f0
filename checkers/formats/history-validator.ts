/**
 * Validates a history one event at a time, in file order, whatever format it came from (our
 * JSONL, Jepsen EDN). Every rule a checker silently relies on is enforced here, and a breach
 * names the source line: dense index, known type, well-typed fields, time monotonic per
 * process, invoke/complete pairing, and "a crashed (info) process never invokes again".
 * Nemesis events are not paired: they may carry any known type (ours record `info`; Jepsen
 * records an `invoke` and an `info` per fault).
 */
import { stringifyExact } from '../../ground/exact-json.js';
import type { Op, OpType, Process } from '../../ground/history.js';

/** A malformed history: `line` is 1-based in the source file; the CLI prints `file:line: message`. */
export class HistoryFormatError extends Error {
  override name = 'HistoryFormatError';
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

/**
 * How deep an op's values may nest. The checkers and models walk values recursively (a value
 * nested 100k deep overflowed the stack); real histories nest a few levels.
 */
export const MAX_NESTING = 100;

/** Whether `v` nests arrays or objects more than MAX_NESTING levels deep (recursing at most that far). */
export function tooDeep(v: unknown, depth = 0): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (depth > MAX_NESTING) return true;
  if (Array.isArray(v)) return v.some((x) => tooDeep(x, depth + 1));
  for (const key in v) if (tooDeep((v as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

export const NESTED_TOO_DEEP = `nested deeper than ${MAX_NESTING} levels`;

export const OP_TYPES: readonly OpType[] = ['invoke', 'ok', 'fail', 'info'];

const isOpType = (t: unknown): t is OpType => typeof t === 'string' && (OP_TYPES as readonly string[]).includes(t);

/** Checks one op's fields and types (no cross-event rules); returns the problem or null. */
export function opShapeProblem(op: Record<string, unknown>): string | null {
  if (!Number.isSafeInteger(op.index) || (op.index as number) < 0) return `"index" must be a non-negative integer, got ${show(op.index)}`;
  if (!Number.isSafeInteger(op.time) || (op.time as number) < 0) return `"time" must be non-negative integer nanoseconds, got ${show(op.time)}`;
  const p = op.process;
  if (!(p === 'nemesis' || (Number.isSafeInteger(p) && (p as number) >= 0))) return `"process" must be a non-negative integer or "nemesis", got ${show(p)}`;
  if (!isOpType(op.type)) return `"type" must be one of ${OP_TYPES.join('|')}, got ${show(op.type)}`;
  if (typeof op.f !== 'string' || op.f === '') return `"f" must be a non-empty string, got ${show(op.f)}`;
  for (const field of ['key', 'node', 'error'] as const) {
    if (op[field] !== undefined && typeof op[field] !== 'string') return `"${field}" must be a string when present, got ${show(op[field])}`;
  }
  return null;
}

export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = stringifyExact(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

interface OpenInvoke {
  f: string;
  line: number;
}

export class HistoryValidator {
  private count = 0;
  private readonly lastTime = new Map<Process, number>();
  private readonly open = new Map<Process, OpenInvoke>();
  /** Processes whose last completion was `info`: they must never invoke again. */
  private readonly crashed = new Map<Process, number>();

  /** Validates the next event (taken from source line `line`); throws HistoryFormatError. */
  accept(raw: Record<string, unknown>, line: number): Op {
    const fail = (detail: string): never => {
      throw new HistoryFormatError(line, detail);
    };
    if (tooDeep(raw)) fail(NESTED_TOO_DEEP); // first: describing a field (show) recurses too
    const problem = opShapeProblem(raw);
    if (problem) fail(problem);
    const op = raw as unknown as Op;
    if (op.index !== this.count) fail(`"index" is ${op.index}, expected ${this.count} (indices are dense, from 0, in file order)`);
    this.count++;

    const previous = this.lastTime.get(op.process);
    if (previous !== undefined && op.time < previous) fail(`time goes backwards for process ${String(op.process)}: ${op.time} after ${previous}`);
    this.lastTime.set(op.process, op.time);

    if (op.process === 'nemesis') return op;
    const open = this.open.get(op.process);
    if (op.type === 'invoke') {
      if (open) fail(`process ${op.process} invokes ${op.f} while its ${open.f} from line ${open.line} has not completed`);
      const crashedAt = this.crashed.get(op.process);
      if (crashedAt !== undefined) fail(`process ${op.process} invokes again after crashing (info at line ${crashedAt}); a crashed process continues under a new id`);
      this.open.set(op.process, { f: op.f, line });
    } else {
      if (!open) fail(`${op.type} ${op.f} of process ${op.process} has no open invocation`);
      if (open!.f !== op.f) fail(`${op.type} of process ${op.process} has f ${show(op.f)} but its invocation (line ${open!.line}) has f ${show(open!.f)}`);
      this.open.delete(op.process);
      if (op.type === 'info') this.crashed.set(op.process, line);
    }
    return op;
  }

  /** Events accepted so far. */
  get size(): number {
    return this.count;
  }

  /** Invocations that never completed (the test ended first): legal, reported for information. */
  get openInvocations(): number {
    return this.open.size;
  }
}
