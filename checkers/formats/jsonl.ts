/**
 * Our own history format, history.jsonl (ARCHITECTURE.md "The history"): one JSON object a
 * line. The reader streams the file line by line (never one giant string) and validates every
 * line with HistoryValidator, so a malformed file fails with `line N: what is wrong`. A torn
 * last line (the harness crashed mid-write; DESIGN: "loses at most the last batch") is dropped.
 * Numbers are read exactly (ground/exact-json.ts): 9007199254740993 stays itself, not 2^53.
 * `formatOp` is the writer side: one canonical line per op, fields in a fixed order.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseExactJson, stringifyExact } from '../../ground/exact-json.js';
import type { History, Op } from '../../ground/history.js';
import { HistoryFormatError, HistoryValidator, opShapeProblem } from './history-validator.js';

export { HistoryFormatError } from './history-validator.js';

const FIELD_ORDER = ['index', 'time', 'process', 'type', 'f', 'key', 'value', 'node', 'error'] as const;

/** One op as one JSONL line (no trailing newline); fields in canonical order, then any extras. */
export function formatOp(op: Op): string {
  const problem = opShapeProblem(op as unknown as Record<string, unknown>);
  if (problem) throw new Error(`formatOp: ${problem}`);
  const ordered: Record<string, unknown> = {};
  for (const field of FIELD_ORDER) if (op[field] !== undefined) ordered[field] = op[field];
  for (const [k, v] of Object.entries(op)) if (!(k in ordered) && v !== undefined) ordered[k] = v;
  return stringifyExact(ordered);
}

/** Parses the text of one line into an object (shape and pairing are the validator's job). */
function parseLine(text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseExactJson(text);
  } catch (err) {
    throw new HistoryFormatError(line, `not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HistoryFormatError(line, `expected a JSON object (one op), got ${Array.isArray(value) ? 'an array' : stringifyExact(value)}`);
  }
  return value as Record<string, unknown>;
}

export interface JsonlOptions {
  /**
   * The last line may be torn (the harness crashed mid-write, so the file does not end with a
   * newline): when it is not valid JSON it is dropped and reported here instead of failing.
   */
  onTornTail?: (line: number, text: string) => void;
}

/**
 * Line-at-a-time reader: validates each line as it arrives, holding one line back so that the
 * last one can be treated as possibly torn. Blank lines are only allowed at the end (an editor's
 * trailing newline); a blank line followed by more ops is an error.
 */
class JsonlReader {
  private readonly validator = new HistoryValidator();
  private lineNo = 0;
  private firstBlank = 0;
  private held: { text: string; line: number } | undefined;

  constructor(private readonly opts: JsonlOptions) {}

  /** Returns the op of the line held back before this one, if any. */
  feed(text: string): Op | undefined {
    const line = ++this.lineNo;
    if (text.trim() === '') {
      if (this.firstBlank === 0) this.firstBlank = line;
      return undefined;
    }
    if (this.firstBlank !== 0) throw new HistoryFormatError(this.firstBlank, 'blank line inside the history');
    const previous = this.held;
    this.held = { text, line };
    return previous && this.validator.accept(parseLine(previous.text, previous.line), previous.line);
  }

  /** The last line's op, unless it is a torn tail that was dropped. */
  finish(): Op | undefined {
    const last = this.held;
    this.held = undefined;
    if (!last) return undefined;
    if (this.opts.onTornTail && this.firstBlank === 0) {
      try {
        JSON.parse(last.text);
      } catch {
        this.opts.onTornTail(last.line, last.text);
        return undefined;
      }
    }
    return this.validator.accept(parseLine(last.text, last.line), last.line);
  }
}

/** Validates and yields ops from lines, in order. */
export async function* streamJsonl(lines: AsyncIterable<string> | Iterable<string>, opts: JsonlOptions = {}): AsyncGenerator<Op> {
  const reader = new JsonlReader(opts);
  for await (const text of lines) {
    const op = reader.feed(text);
    if (op) yield op;
  }
  const last = reader.finish();
  if (last) yield last;
}

/** Whether the file's last byte is a newline (an empty file counts as complete). */
async function endsWithNewline(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size === 0) return true;
    const { buffer } = await file.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await file.close();
  }
}

/**
 * Reads and validates a history.jsonl file, streaming it line by line. When the file does not
 * end with a newline, a last line that is not JSON is a torn write: dropped and passed to
 * `onTornTail` (if given), never an error.
 */
export async function readJsonlFile(path: string, opts: JsonlOptions = {}): Promise<History> {
  const tornTailPossible = !(await endsWithNewline(path));
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const ops: History = [];
  try {
    for await (const op of streamJsonl(lines, tornTailPossible ? { onTornTail: opts.onTornTail ?? (() => {}) } : {})) ops.push(op);
  } finally {
    lines.close();
    input.destroy();
  }
  return ops;
}

/** Parses and validates JSONL text already in memory (small histories, tests). */
export function parseJsonl(text: string, opts: JsonlOptions = {}): History {
  const reader = new JsonlReader(opts);
  const ops: History = [];
  for (const line of text.split(/\r?\n/)) {
    const op = reader.feed(line);
    if (op) ops.push(op);
  }
  const last = reader.finish();
  if (last) ops.push(last);
  return ops;
}
