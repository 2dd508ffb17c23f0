/**
 * Our own history format, history.jsonl (../shared/DESIGN.md "The history"): one JSON object a
 * line. The reader streams the file line by line (never one giant string) and validates every
 * line with HistoryValidator, so a malformed file fails with `line N: what is wrong`.
 * `formatOp` is the writer side: one canonical line per op, fields in a fixed order.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { History, Op } from '../../harness/history.js';
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
  return JSON.stringify(ordered);
}

/** Parses the text of one line into an object (shape and pairing are the validator's job). */
function parseLine(text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HistoryFormatError(line, `not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HistoryFormatError(line, `expected a JSON object (one op), got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Validates and yields ops from lines, in order. Blank lines are only allowed at the end (an
 * editor's trailing newline); a blank line followed by more ops is an error.
 */
export async function* streamJsonl(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<Op> {
  const validator = new HistoryValidator();
  let lineNo = 0;
  let firstBlank = 0;
  for await (const text of lines) {
    lineNo++;
    if (text.trim() === '') {
      if (firstBlank === 0) firstBlank = lineNo;
      continue;
    }
    if (firstBlank !== 0) throw new HistoryFormatError(firstBlank, 'blank line inside the history');
    yield validator.accept(parseLine(text, lineNo), lineNo);
  }
}

/** Reads and validates a history.jsonl file, streaming it line by line. */
export async function readJsonlFile(path: string): Promise<History> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const ops: History = [];
  try {
    for await (const op of streamJsonl(lines)) ops.push(op);
  } finally {
    lines.close();
    input.destroy();
  }
  return ops;
}

/** Parses and validates JSONL text already in memory (small histories, tests). */
export function parseJsonl(text: string): History {
  const validator = new HistoryValidator();
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((raw, i) => {
    if (raw.trim() === '') throw new HistoryFormatError(i + 1, 'blank line inside the history');
    return validator.accept(parseLine(raw, i + 1), i + 1);
  });
}
