/**
 * Jepsen EDN histories (knossos / elle / jepsen `history.edn`) -> our Op[].
 *
 * Accepted shapes: one op map per line, maps spread over several lines, or the whole history in
 * one vector or list (`[{...} {...}]`, `({...} ...)`), with comments. Ops may be tagged records
 * (`#jepsen.history.Op{...}`). Parsing is edn-data's; this module only adds (1) a delimiter
 * check, because edn-data silently accepts `[1 2}` and ignores a stray `}`, so errors name a
 * line and column, and (2) the mapping to Op:
 * - keywords become strings (`:invoke` -> "invoke", `:nemesis` -> "nemesis"), sets become
 *   arrays, maps become objects (non-string keys as JSON), `nil` -> null; knossos cas values
 *   `[1 2]` stay `[1, 2]`.
 * - `:process` must be an integer or `:nemesis`; `:type` one of invoke/ok/fail/info; `:f` present.
 * - `:index` in the file is ignored: ops are re-indexed densely in file order. `:time` is kept
 *   when every op has one; when no op has one, time = index (file order is real-time order).
 * - `:key` (Porcupine's kv files) becomes Op.key; with `independent: true`, the jepsen.independent
 *   tuples `:value [k v]` of client ops become key = k (a string, or its JSON), value = v.
 * - a non-string `:error` (e.g. `[:timed-out nil]`) is kept as its JSON text.
 * - numbers are exact (ground/exact-json.ts; edn-data's own parseInt/parseFloat would round
 *   10^40+1 to 10^40): `N` and `M` suffixes only mark the precision Clojure keeps, so `1N` = 1.
 * Every op then goes through HistoryValidator, so pairing errors name their line as well.
 * The other way, `formatEdnOp` writes one of our ops as a Jepsen op map, so EDN-reading tools
 * (Knossos, Elle) can judge our histories; parseEdn reads it back to the same Op.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
// edn-data's streaming parser; the package index only re-exports the one-shot parseEDNString.
import { EDNListParser } from 'edn-data/dist/parse.js';
import { toEDNString } from 'edn-data';
import { exactNumber, LosslessNumber, stringifyExact } from '../../ground/exact-json.js';
import type { History, Op } from '../../ground/history.js';
import { HistoryFormatError, HistoryValidator, NESTED_TOO_DEEP, show, tooDeep } from './history-validator.js';

export interface EdnOptions {
  /** Values are jepsen.independent tuples `[key value]`: split them into Op.key and Op.value. */
  independent?: boolean;
  /** Told the source line of every op (where its map closes), e.g. to name lines in later errors. */
  onOp?: (op: Op, line: number) => void;
}

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const OUTSIDE_STRING = /[()[\]{}";]/g;
const IN_STRING = /["\\]/g;

/**
 * Tracks open delimiters across lines so a mismatch is reported where it happens. It knows just
 * enough EDN lexing to skip strings and comments. Like edn-data, it treats a bracket right after
 * a backslash as a bracket: character literals of delimiters (`\]`) are not supported.
 */
class DelimiterCheck {
  private readonly open: Array<{ char: string; line: number; col: number }> = [];
  private inString: { line: number; col: number } | null = null;

  scan(text: string, line: number): void {
    // Jump from one interesting character to the next (regex search beats a JS loop per char).
    let i = 0;
    while (i < text.length) {
      const pattern = this.inString ? IN_STRING : OUTSIDE_STRING;
      pattern.lastIndex = i;
      const m = pattern.exec(text);
      if (!m) return;
      i = m.index;
      const c = text[i];
      if (this.inString) {
        if (c === '\\') i++;
        else this.inString = null;
      } else if (c === ';') return;
      else if (c === '"') this.inString = { line, col: i + 1 };
      else if (c in OPENERS) this.open.push({ char: c, line, col: i + 1 });
      else {
        const top = this.open.pop();
        if (!top) throw new HistoryFormatError(line, `column ${i + 1}: unexpected '${c}' (nothing is open)`);
        if (OPENERS[top.char] !== c) {
          throw new HistoryFormatError(line, `column ${i + 1}: '${c}' does not close '${top.char}' opened at line ${top.line} column ${top.col}`);
        }
      }
      i++;
    }
  }

  finish(lastLine: number): void {
    if (this.inString) throw new HistoryFormatError(this.inString.line, `column ${this.inString.col}: string never closed (file ends at line ${lastLine})`);
    const top = this.open[this.open.length - 1];
    if (top) throw new HistoryFormatError(top.line, `column ${top.col}: '${top.char}' never closed (file ends at line ${lastLine})`);
  }
}

/** edn-data's number syntax (integers, floats, `N` and `M` suffixes). */
const EDN_NUMBER = /^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?(0|[1-9][0-9]*))?[NM]?$/;

/** edn-data's list parser with every number token read exactly. */
class ExactEdnParser extends EDNListParser {
  override match(): void {
    const token = this.state;
    if (!EDN_NUMBER.test(token)) return super.match();
    this.result = exactNumber(token.replace(/^\+|[NM]$/g, ''));
    this.state = '';
  }
}

/** edn-data's output -> our history values (dates and tagged values made JSON data). */
function toJson(v: unknown, line: number): unknown {
  if (typeof v === 'bigint' || v instanceof LosslessNumber) return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => toJson(x, line));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x, line);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) throw new HistoryFormatError(line, `number ${v} is not finite`);
  return v;
}

const isPlainMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Converts one EDN op map into an Op-shaped record (validated afterwards). */
function toOp(form: unknown, index: number, line: number, opts: EdnOptions): Record<string, unknown> {
  if (tooDeep(form)) throw new HistoryFormatError(line, NESTED_TOO_DEEP); // toJson and show recurse
  // A tagged record such as #jepsen.history.Op{...} arrives as {tag, val}.
  if (isPlainMap(form) && typeof form.tag === 'string' && isPlainMap(form.val) && Object.keys(form).length === 2) form = form.val;
  if (!isPlainMap(form)) throw new HistoryFormatError(line, `expected an op map like {:process 0, :type :invoke, :f :read}, got ${show(form)}`);
  const m = toJson(form, line) as Record<string, unknown>;
  const op: Record<string, unknown> = { index, time: m.time, process: m.process, type: m.type, f: m.f };
  let value = m.value;
  if (m.key !== undefined && m.key !== null) op.key = String(m.key);
  // Nemesis ops carry their own values (grudges, messages), never tuples.
  if (opts.independent && m.process !== 'nemesis' && value !== null && value !== undefined) {
    if (!Array.isArray(value) || value.length !== 2) throw new HistoryFormatError(line, `independent: :value must be a [key value] tuple, got ${show(value)}`);
    op.key = typeof value[0] === 'string' ? value[0] : stringifyExact(value[0]);
    value = value[1];
  }
  if (value !== undefined) op.value = value;
  if (m.node !== undefined && m.node !== null) op.node = String(m.node);
  if (m.error !== undefined && m.error !== null) op.error = typeof m.error === 'string' ? m.error : stringifyExact(m.error);
  return op;
}

/**
 * Incremental EDN history reader: feed it lines in order, then finish(). Top-level vectors are
 * drained after every line, so a one-vector history of a million ops never sits twice in memory
 * and each op is attributed to the line its map closes on.
 */
export class EdnHistoryReader {
  private readonly parser = new ExactEdnParser({ mapAs: 'object', setAs: 'array', listAs: 'array', keywordAs: 'string', symbolAs: 'string', charAs: 'string', objectKeysAs: 'string' });
  private readonly delimiters = new DelimiterCheck();
  private readonly validator = new HistoryValidator();
  private readonly ops: Op[] = [];
  private line = 0;
  /** Whether source ops carry :time; decided by the first op, then required of all. */
  private timed: boolean | undefined;

  constructor(private readonly opts: EdnOptions = {}) {
    this.parser.next('('); // edn-data reads a list of top-level forms; this opens it.
  }

  feed(text: string): void {
    const line = ++this.line;
    this.delimiters.scan(text, line);
    let forms: unknown[];
    try {
      forms = this.parser.next(text + '\n');
    } catch (err) {
      // edn-data recurses over tagged values (#a #a ... 1): a stack overflow there is nesting too.
      if (err instanceof RangeError) throw new HistoryFormatError(line, NESTED_TOO_DEEP);
      throw new HistoryFormatError(line, `not valid EDN (${(err as Error).message})`);
    }
    // A top-level scalar ending the line is only emitted at the next character: take it now.
    if (this.parser.stack.length === 0 && this.parser.mode === 0 && this.parser.result !== undefined) {
      forms.push(this.parser.result as never);
      this.parser.result = undefined;
    }
    for (const form of forms) {
      // A drained top-level vector/list closes empty; whole-history vectors were consumed already.
      if (Array.isArray(form)) form.forEach((op) => this.add(op, line));
      else this.add(form, line);
    }
    const bottom = this.parser.stack[0] as [number, unknown[]] | undefined;
    // edn-data's stack items: 0 = vector, 1 = list. Drain completed ops of the open outer form.
    if (bottom && (bottom[0] === 0 || bottom[0] === 1) && this.parser.stack.length >= 1) {
      const done = bottom[1].splice(0, bottom[1].length);
      for (const op of done) this.add(op, line);
    }
  }

  private add(form: unknown, line: number): void {
    const op = toOp(form, this.ops.length, line, this.opts);
    const hasTime = op.time !== undefined;
    if (this.timed === undefined) this.timed = hasTime;
    if (hasTime !== this.timed) throw new HistoryFormatError(line, this.timed ? 'op has no :time while earlier ops do' : 'op has :time while earlier ops do not');
    if (!hasTime) op.time = op.index;
    const accepted = this.validator.accept(op, line);
    this.ops.push(accepted);
    this.opts.onOp?.(accepted, line);
  }

  finish(): History {
    this.delimiters.finish(this.line);
    return this.ops;
  }
}

/** Parses an EDN history held in memory. */
export function parseEdn(text: string, opts: EdnOptions = {}): History {
  const reader = new EdnHistoryReader(opts);
  for (const line of text.split(/\r?\n/)) reader.feed(line);
  return reader.finish();
}

/** Reads an EDN history file line by line. */
export async function readEdnFile(path: string, opts: EdnOptions = {}): Promise<History> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  const reader = new EdnHistoryReader(opts);
  try {
    for await (const line of lines) reader.feed(line);
  } finally {
    lines.close();
    input.destroy();
  }
  return reader.finish();
}

/** A keyword when the text is a plain EDN keyword name, else a string (both read back as text). */
const KEYWORD = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.-]*$/;
const kw = (name: string): unknown => (KEYWORD.test(name) ? { key: name } : name);

/** JSON data -> edn-data's generator model: arrays are vectors, objects maps with string keys. */
function toEdnValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toEdnValue);
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toEdnValue(x)]));
  return v;
}

/** One op as a Jepsen op map on one line: `{:index 0 :time 5 :type :invoke :process 3 :f :cas ...}`. */
export function formatEdnOp(op: Op): string {
  const m = new Map<unknown, unknown>([
    [{ key: 'index' }, op.index],
    [{ key: 'time' }, op.time],
    [{ key: 'type' }, { key: op.type }],
    [{ key: 'process' }, op.process === 'nemesis' ? { key: 'nemesis' } : op.process],
    [{ key: 'f' }, kw(op.f)],
  ]);
  if (op.key !== undefined) m.set({ key: 'key' }, op.key);
  if (op.value !== undefined) m.set({ key: 'value' }, toEdnValue(op.value));
  if (op.node !== undefined) m.set({ key: 'node' }, op.node);
  if (op.error !== undefined) m.set({ key: 'error' }, op.error);
  return toEDNString(m as never);
}
