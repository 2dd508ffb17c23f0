/**
 * The client API of a Paxos node: HTTP/1.1 + JSON, keep-alive. The contract is fixed (the
 * harness's clients are written against it):
 *
 *   GET  /kv/:key                      200 {"value": V|null}
 *   PUT  /kv/:key       {"value": V}   200 {"ok": true}
 *   POST /kv/:key/cas   {"from","to"}  200 {"ok": true} | 409 {"error":"cas-mismatch","value"}
 *   POST /txn           {"ops": [...]} 200 {"ops": [...]} | 409 {"error":"txn-aborted"|"not-a-list","ops"}
 *   GET  /status                       {"id","role","ballot","leader","commitIndex","appliedIndex"}
 *   GET  /debug/log?from=N&limit=M     {"entries":[{"slot","digest","command"}],"next"}
 *   GET  /debug/stats                  counters (steps, WAL appends/records/bytes, messages)
 *   GET  /debug/state                  {"digests":[{"index","digest"}],"state":{"index","kv"}}
 *
 * A txn's ops are [f, key, value] micro-ops, applied atomically: ["r", k, null] reads (answered
 * with the value filled in), ["w", k, v] writes, ["c", k, v] checks (the txn aborts unless k holds
 * v), ["append", k, v] appends v to the list at k (absent: []; a key holding anything else
 * aborts the txn with not-a-list). A read of a list key returns the list (null when absent).
 *
 * Definitely not applied: 503 {"error", "leader", "definite": true} (and the 409s). Outcome
 * unknown: 504 {"error", "unknown": true}. Malformed: 400 {"error":"bad-request","message"},
 * and nothing reaches the core. Unknown path: 404. A body holding a number a double cannot keep
 * exactly (an integer beyond ±(2^53-1), a number beyond a double's range or precision) is
 * malformed too: storing it rounded would read back a value nobody wrote.
 */
import http from 'node:http';
import { inexactReason, parseExactJson } from '../ground/exact-json.js';
import type { Command, Result, TxnOp, Value } from './core/types.js';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_KEY_LENGTH = 256;
export const MAX_TXN_OPS = 256;
export const MAX_LOG_PAGE = 10_000;

export interface StatusView {
  id: string;
  role: string;
  ballot: [number, string];
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
}

export interface LogPage {
  entries: Array<{ slot: number; digest: string; command: unknown }>;
  next: number;
}

/**
 * The applied state machine: the digest of the KV map after each of the most recent applied
 * slots (an incremental hash, paxos/core/kv.ts), and the whole map at the applied index.
 */
export interface AppliedStateView {
  digests: Array<{ index: number; digest: string }>;
  state: { index: number; kv: Record<string, unknown> };
}

/** What the HTTP layer needs from the node. */
export interface KvBackend {
  /** Resolves with the core's answer, or an `unknown` timeout result; never rejects. */
  submit(command: Command): Promise<Result>;
  status(): StatusView;
  decidedLog(from: number, limit: number): LogPage;
  appliedState(): AppliedStateView;
  /** Counters for diagnosis and the benchmark (GET /debug/stats). */
  stats(): Record<string, number>;
}

class BadRequest extends Error {}
class ClientGone extends Error {}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', reject);
    let ended = false;
    // A client that disconnects mid-body: nothing reaches the core, nothing to answer.
    req.on('close', () => {
      if (!ended) reject(new ClientGone());
    });
    req.on('end', () => {
      ended = true;
      if (tooLarge) return reject(new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`));
      try {
        resolve(parseBody(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** A request body's JSON, every number exact (BadRequest otherwise). */
function parseBody(text: string): unknown {
  try {
    return parseExactJson(text, exactOnly);
  } catch (err) {
    throw err instanceof BadRequest ? err : new BadRequest('body is not valid JSON');
  }
}

/** A number token of a body as a JS number, or BadRequest when that would not be exact. */
function exactOnly(token: string): number {
  const problem = inexactReason(token);
  if (problem) throw new BadRequest(`${problem}: the store keeps only numbers a double holds exactly`);
  return Number(token);
}

function checkKey(raw: string): string {
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw new BadRequest('key is not valid percent-encoding');
  }
  if (key.length === 0) throw new BadRequest('key is empty');
  if (key.length > MAX_KEY_LENGTH) throw new BadRequest(`key longer than ${MAX_KEY_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new BadRequest('key contains control characters');
  return key;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Takes a JSON value out of a parsed body (everything JSON.parse returns is a Value). */
function field(body: unknown, name: string): Value {
  if (!isObject(body)) throw new BadRequest('body must be a JSON object');
  if (!(name in body)) throw new BadRequest(`body lacks "${name}"`);
  return body[name] as Value;
}

function parseTxn(body: unknown): TxnOp[] {
  const ops = field(body, 'ops');
  if (!Array.isArray(ops)) throw new BadRequest('"ops" must be an array');
  if (ops.length === 0 || ops.length > MAX_TXN_OPS) throw new BadRequest(`"ops" must hold 1 to ${MAX_TXN_OPS} ops`);
  return ops.map((op, i) => {
    if (!Array.isArray(op) || op.length !== 3) throw new BadRequest(`op ${i} must be [f, key, value]`);
    const [f, key, value] = op;
    if (f !== 'r' && f !== 'w' && f !== 'c' && f !== 'append') throw new BadRequest(`op ${i}: f must be "r", "w", "c" or "append"`);
    if (typeof key !== 'string') throw new BadRequest(`op ${i}: key must be a string`);
    checkKey(encodeURIComponent(key));
    return [f, key, f === 'r' ? null : value] as TxnOp;
  });
}

function parseIntParam(params: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null) return dflt;
  if (!/^\d+$/.test(raw)) throw new BadRequest(`${name} must be a non-negative integer`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new BadRequest(`${name} must be between ${min} and ${max}`);
  return n;
}

/** Turns the core's answer to a command into status + body. */
export function resultToHttp(command: Command, r: Result): [number, unknown] {
  if (r.type === 'ok') {
    if (command.op === 'read') return [200, { value: r.value ?? null }];
    if (command.op === 'txn') return [200, { ops: r.ops ?? [] }];
    return [200, { ok: true }];
  }
  if (r.type === 'unknown') return [504, { error: r.error, unknown: true }];
  if (r.error === 'cas-mismatch') return [409, { error: r.error, value: r.value ?? null }];
  if (r.error === 'txn-aborted' || r.error === 'not-a-list') {
    // The contract types carry what an aborted txn read in `value` (or `ops`, if a core adds it).
    const ops = (r as { ops?: TxnOp[] }).ops ?? r.value ?? [];
    return [409, { error: r.error, ops }];
  }
  return [503, { error: r.error, leader: r.leader ?? null, definite: true }];
}

/**
 * A request on a command route, parsed as far as its path goes (a bad key throws BadRequest
 * here, before any body is read, where the route checks the key first): its Command, or how
 * its body makes one.
 */
type PathParsed = { command: Command } | { fromBody: (body: unknown) => Command };
type CommandRoute = { method: string; command: (m: RegExpExecArray, method: string) => PathParsed };
type Route = { method: string; command?: CommandRoute['command']; read?: (url: URL) => unknown };

/** The routes whose requests become core Commands. */
const COMMAND_ROUTES: Array<[RegExp, CommandRoute]> = [
  [/^\/kv\/([^/]+)\/cas$/, { method: 'POST', command: (m) => ({ fromBody: (b) => ({ op: 'cas', key: checkKey(m[1]), from: field(b, 'from'), to: field(b, 'to') }) }) }],
  [
    /^\/kv\/([^/]+)$/,
    {
      method: 'GET|PUT',
      command: (m, method) => {
        const key = checkKey(m[1]);
        return method === 'GET' ? { command: { op: 'read', key } } : { fromBody: (b) => ({ op: 'write', key, value: field(b, 'value') }) };
      },
    },
  ],
  [/^\/txn$/, { method: 'POST', command: () => ({ fromBody: (b) => ({ op: 'txn', ops: parseTxn(b) }) }) }],
];

function checkMethod(route: { method: string }, method: string, pathname: string): void {
  if (!route.method.split('|').includes(method)) throw new BadRequest(`${method} not allowed on ${pathname} (use ${route.method.replace('|', ' or ')})`);
}

/**
 * The Command a request on a command route makes, parsed exactly as the server parses it (the
 * same routes, key checks and exact JSON), or the response that refuses it without reaching the
 * core (400 malformed, 404 no such route). `bodyText` is the request's body (none for a GET).
 * The simulator hands its clients' requests to paxos/core through this (harness/sim/client.ts).
 */
export function commandOfRequest(method: string, path: string, bodyText?: string): { command: Command } | { response: [number, unknown] } {
  const pathname = new URL(path, 'http://node').pathname;
  const found = COMMAND_ROUTES.map(([re, route]) => [re.exec(pathname), route] as const).find(([m]) => m);
  if (!found) return { response: [404, { error: 'not-found', message: `no route ${pathname}` }] };
  const [match, route] = found as [RegExpExecArray, CommandRoute];
  try {
    checkMethod(route, method, pathname);
    const parsed = route.command(match, method);
    if ('command' in parsed) return parsed;
    const text = bodyText ?? '';
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`);
    return { command: parsed.fromBody(parseBody(text)) };
  } catch (err) {
    if (err instanceof BadRequest) return { response: [400, { error: 'bad-request', message: err.message }] };
    throw err;
  }
}

export function createHttpServer(backend: KvBackend): http.Server {
  const routes: Array<[RegExp, Route]> = [
    ...COMMAND_ROUTES,
    [/^\/status$/, { method: 'GET', read: () => backend.status() }],
    [/^\/debug\/stats$/, { method: 'GET', read: () => backend.stats() }],
    [/^\/debug\/state$/, { method: 'GET', read: () => backend.appliedState() }],
    [
      /^\/debug\/log$/,
      {
        method: 'GET',
        read: (url) => backend.decidedLog(parseIntParam(url.searchParams, 'from', 0, 0, Number.MAX_SAFE_INTEGER), parseIntParam(url.searchParams, 'limit', 1000, 1, MAX_LOG_PAGE)),
      },
    ],
  ];

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://node');
    const method = req.method ?? 'GET';
    const found = routes.map(([re, route]) => [re.exec(url.pathname), route] as const).find(([m]) => m);
    if (!found) {
      req.resume();
      return send(res, 404, { error: 'not-found', message: `no route ${url.pathname}` });
    }
    const [match, route] = found as [RegExpExecArray, Route];
    try {
      checkMethod(route, method, url.pathname);
      if (route.read) {
        req.resume();
        return send(res, 200, route.read(url));
      }
      const parsed = route.command!(match, method);
      if ('command' in parsed) req.resume();
      const command = 'command' in parsed ? parsed.command : parsed.fromBody(await readBody(req));
      const [code, body] = resultToHttp(command, await backend.submit(command));
      send(res, code, body);
    } catch (err) {
      if (err instanceof BadRequest) {
        req.resume();
        return send(res, 400, { error: 'bad-request', message: err.message });
      }
      throw err;
    }
  }

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: Error) => {
      if (err instanceof ClientGone) return;
      if (!res.headersSent) send(res, 500, { error: 'internal', message: err.message, unknown: true });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  return server;
}
