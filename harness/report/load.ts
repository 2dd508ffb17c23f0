/**
 * Reads a run directory (see ARCHITECTURE.md "The store") for the report, defensively: every part
 * is a `Section` that is either the parsed data or the reason it is not available, so a
 * missing or malformed file becomes a visible note in the page and never a crash.
 */
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Op, OpType } from '../../ground/history.js';
import type { CheckResult, Validity } from '../../ground/checker.js';

export type Section<T> = { ok: true; value: T } | { ok: false; why: string };

export interface LoadedHistory {
  ops: Op[];
  /** Lines that were not a valid Op (e.g. a torn last line after a crash). */
  badLines: number;
  firstBadLine?: number;
}

export interface LoadedResults {
  valid: Validity;
  results: Record<string, CheckResult>;
  /** A simulated swarm seed's drawn faults and parameters (harness/sim/swarm.ts). */
  swarm?: unknown;
}

export interface NodeFiles {
  name: string;
  /** Paths relative to the run dir, e.g. nodes/n1/node.log */
  files: Array<{ path: string; bytes: number }>;
}

/** One line of a node's event log (paxos/eventlog.ts). */
export interface NodeEvent {
  node: string;
  lamport: number;
  vc: Record<string, number>;
  kind: 'send' | 'recv' | 'local';
  type: string;
  peer?: string;
  slot?: number;
  /** The message's id on send and recv events (logs since ids exist): pairs a receive with its send. */
  msg?: string;
  /** A send the sender's transport refused (its link was not draining): it never left the node. */
  dropped?: boolean;
  time?: number;
  /** Position in its node's log (0-based); the report's own bookkeeping. */
  seq: number;
}

export interface RunData {
  runDir: string;
  test: Section<Record<string, unknown>>;
  history: Section<LoadedHistory>;
  results: Section<LoadedResults>;
  nodes: Section<NodeFiles[]>;
  /** `truncated`: logs too big to read whole, of which only the tail was read. */
  events: Section<{ events: NodeEvent[]; badLines: number; files: string[]; truncated: string[] }>;
}

const OP_TYPES = new Set<OpType>(['invoke', 'ok', 'fail', 'info']);
/** Of a bigger event log only the last this many bytes are read (the diagram needs a window only). */
export const MAX_EVENT_LOG_BYTES = 32 * 1024 * 1024;

const errText = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'file not found';
  return e?.message ?? String(err);
};

async function readJson(path: string, label: string): Promise<Section<unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, why: `${label}: ${errText(err)}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, why: `${label}: malformed JSON (${(err as Error).message})` };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseOp(value: unknown): Op | undefined {
  if (!isObject(value)) return undefined;
  const { index, time, process, type, f } = value;
  if (typeof index !== 'number' || typeof time !== 'number' || typeof f !== 'string') return undefined;
  if (!OP_TYPES.has(type as OpType)) return undefined;
  if (typeof process !== 'number' && process !== 'nemesis') return undefined;
  return value as unknown as Op;
}

export function parseHistory(text: string): LoadedHistory {
  const ops: Op[] = [];
  let badLines = 0;
  let firstBadLine: number | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    let op: Op | undefined;
    try {
      op = parseOp(JSON.parse(line));
    } catch {
      op = undefined;
    }
    if (op) ops.push(op);
    else {
      badLines++;
      firstBadLine ??= i + 1;
    }
  }
  return { ops, badLines, firstBadLine };
}

async function loadHistory(runDir: string): Promise<Section<LoadedHistory>> {
  let text: string;
  try {
    text = await readFile(join(runDir, 'history.jsonl'), 'utf8');
  } catch (err) {
    return { ok: false, why: `history.jsonl: ${errText(err)}` };
  }
  const history = parseHistory(text);
  if (history.ops.length === 0) {
    return { ok: false, why: history.badLines > 0 ? `history.jsonl: no valid operation in ${history.badLines} lines` : 'history.jsonl is empty' };
  }
  return { ok: true, value: history };
}

async function loadResults(runDir: string): Promise<Section<LoadedResults>> {
  const raw = await readJson(join(runDir, 'results.json'), 'results.json');
  if (!raw.ok) return raw;
  const v = raw.value;
  if (!isObject(v) || !isObject(v.results) || ![true, false, 'unknown'].includes(v.valid as never)) {
    return { ok: false, why: 'results.json: expected {valid, results: {checker: result}}' };
  }
  const results: Record<string, CheckResult> = {};
  for (const [name, r] of Object.entries(v.results)) {
    results[name] = isObject(r) && [true, false, 'unknown'].includes(r.valid as never)
      ? (r as CheckResult)
      : { valid: 'unknown', error: 'malformed checker result in results.json' };
  }
  return { ok: true, value: { valid: v.valid as Validity, results, ...(v.swarm !== undefined ? { swarm: v.swarm } : {}) } };
}

async function listFiles(dir: string, prefix: string, depth: number): Promise<Array<{ path: string; bytes: number }>> {
  const out: Array<{ path: string; bytes: number }> = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const rel = `${prefix}/${entry.name}`;
    if (entry.isFile()) out.push({ path: rel, bytes: (await stat(join(dir, entry.name))).size });
    else if (entry.isDirectory() && depth > 0) out.push(...(await listFiles(join(dir, entry.name), rel, depth - 1)));
  }
  return out;
}

async function loadNodes(runDir: string): Promise<Section<NodeFiles[]>> {
  let names: string[];
  try {
    names = (await readdir(join(runDir, 'nodes'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    return { ok: false, why: `nodes/: ${errText(err)}` };
  }
  names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const nodes: NodeFiles[] = [];
  for (const name of names) nodes.push({ name, files: await listFiles(join(runDir, 'nodes', name), `nodes/${name}`, 2) });
  return { ok: true, value: nodes };
}

export function parseEvent(value: unknown, seq: number): NodeEvent | undefined {
  if (!isObject(value)) return undefined;
  const { node, lamport, vc, kind, type } = value;
  if (typeof node !== 'string' || typeof lamport !== 'number' || !isObject(vc)) return undefined;
  if (kind !== 'send' && kind !== 'recv' && kind !== 'local') return undefined;
  if (!Object.values(vc).every((c) => typeof c === 'number')) return undefined;
  return {
    node, lamport, kind, seq,
    vc: vc as Record<string, number>,
    type: typeof type === 'string' ? type : String(type ?? ''),
    peer: typeof value.peer === 'string' ? value.peer : undefined,
    slot: typeof value.slot === 'number' ? value.slot : undefined,
    msg: typeof value.msg === 'string' && kind !== 'local' ? value.msg : undefined,
    dropped: value.dropped === true && kind === 'send' ? true : undefined,
    time: typeof value.time === 'number' ? value.time : undefined,
  };
}

/** The last `bytes` of a file, from its first whole line on. */
async function readTail(path: string, bytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const buffer = Buffer.alloc(Math.min(bytes, size));
    await handle.read(buffer, 0, buffer.length, size - buffer.length);
    const text = buffer.toString('utf8');
    return text.slice(text.indexOf('\n') + 1);
  } finally {
    await handle.close();
  }
}

/** An event log is any *.jsonl under nodes/<n>/ whose name mentions "event". */
async function loadEvents(runDir: string, nodes: Section<NodeFiles[]>): Promise<RunData['events']> {
  if (!nodes.ok) return { ok: false, why: nodes.why };
  const files = nodes.value.flatMap((n) => n.files).filter((f) => /event/i.test(f.path) && f.path.endsWith('.jsonl'));
  if (files.length === 0) return { ok: false, why: 'no node event log (nodes/<n>/*event*.jsonl) in this run' };
  const events: NodeEvent[] = [];
  // A node's log may be collected twice (nodes/<n>/events.jsonl and its copy under data/): an
  // event is identified by its node and its own vector-clock entry, which never repeats.
  const seen = new Set<string>();
  const truncated: string[] = [];
  let badLines = 0;
  for (const file of files) {
    let text: string;
    if (file.bytes > MAX_EVENT_LOG_BYTES) {
      text = await readTail(join(runDir, file.path), MAX_EVENT_LOG_BYTES);
      truncated.push(file.path);
    } else text = await readFile(join(runDir, file.path), 'utf8');
    let seq = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let event: NodeEvent | undefined;
      try {
        event = parseEvent(JSON.parse(line), seq);
      } catch {
        event = undefined;
      }
      if (!event) {
        badLines++;
        continue;
      }
      const id = `${event.node}\u0000${event.vc[event.node] ?? `lamport ${event.lamport}`}`;
      if (seen.has(id)) continue;
      seen.add(id);
      events.push(event);
      seq++;
    }
  }
  if (events.length === 0) return { ok: false, why: `node event logs hold no valid event (${badLines} malformed lines)` };
  return { ok: true, value: { events, badLines, files: files.map((f) => f.path), truncated } };
}

export async function loadRun(runDir: string): Promise<RunData> {
  const [testRaw, history, results, nodes] = await Promise.all([
    readJson(join(runDir, 'test.json'), 'test.json'),
    loadHistory(runDir),
    loadResults(runDir),
    loadNodes(runDir),
  ]);
  const test: Section<Record<string, unknown>> = testRaw.ok && !isObject(testRaw.value)
    ? { ok: false, why: 'test.json: expected a JSON object' }
    : (testRaw as Section<Record<string, unknown>>);
  return { runDir, test, history, results, nodes, events: await loadEvents(runDir, nodes) };
}
