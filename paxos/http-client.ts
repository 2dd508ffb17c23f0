/**
 * HTTP plumbing shared by the workload clients: one keep-alive undici Client per client (one
 * per thread, so one socket, one outstanding request) and the mapping from what happened on the
 * wire to Jepsen's three outcomes:
 *   - ok:   2xx.
 *   - fail: DEFINITELY not applied: 409 (cas-mismatch / txn-aborted), 503 with definite:true
 *           (not-leader), 400, or the connection was refused before anything was sent.
 *   - info: outcome unknown: 504 / unknown:true, any other 5xx, a timeout, a reset after sending.
 * Reads have no effect, so a workload may turn an indeterminate read into a fail (as Jepsen's
 * etcd test does): that keeps crashed reads from lingering as open ops in the checker.
 * undici is imported on first use (undici.ts): an HttpClient starts loading it when it is
 * made, so a test run loads it while its nodes boot rather than before.
 * Requests go through undici's low-level `dispatch` (a handler of callbacks, one timer) rather
 * than `request` (a promise, a body stream and an AbortSignal per request): the harness runs
 * thousands of ops per second on the cores the nodes need (bench:harness).
 */
import type { Dispatcher } from 'undici';
import type { Client, Completion } from '../ground/client.js';
import type { Op } from '../ground/history.js';
import type { NodeEndpoint } from '../ground/runtime.js';
import { loadUndici, type UndiciParts } from './undici.js';

export type HttpOutcome =
  | { kind: 'ok'; status: number; body: any }
  | { kind: 'fail'; status?: number; error: string; body?: any }
  | { kind: 'info'; status?: number; error: string };

/** One request to a node's HTTP API (paxos/http.ts); `body` is sent as JSON. */
export interface ApiRequest {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  body?: unknown;
}

/**
 * One op's exchange with its node, as a coroutine (paxos/exchanges.ts): it yields its requests
 * one at a time, is resumed with each one's outcome, and returns the op's completion.
 */
export type Exchange = Generator<ApiRequest, Completion, HttpOutcome>;

/** Error codes meaning the request never reached the node, so it cannot have been applied. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

export class NodeHttp {
  private readonly client: Dispatcher;

  /** A client of one node (loads undici first if it is not yet). */
  static async open(node: NodeEndpoint, timeoutMs: number): Promise<NodeHttp> {
    return new NodeHttp(await loadUndici(), node, timeoutMs);
  }

  private constructor(
    private readonly undici: UndiciParts,
    readonly node: NodeEndpoint,
    private readonly timeoutMs: number,
  ) {
    this.client = new undici.Client(node.clientUrl, {
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  call(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<HttpOutcome> {
    return new Promise((resolve) => {
      let status = 0;
      const chunks: Buffer[] = [];
      let controller: Dispatcher.DispatchController | undefined;
      let settled = false;
      const settle = (out: HttpOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(out);
      };
      // The whole exchange within the timeout; aborting an in-flight request resets its socket.
      const timer = setTimeout(() => {
        settle({ kind: 'info', error: 'timeout' });
        controller?.abort(new Error('timeout'));
      }, this.timeoutMs);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (c) => {
          controller = c;
          if (settled) c.abort(new Error('timeout'));
        },
        onResponseStart: (_c, statusCode) => {
          status = statusCode;
        },
        onResponseData: (_c, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => settle(outcomeOf(status, Buffer.concat(chunks).toString('utf8'))),
        onResponseError: (_c, err) => settle(classifyError(this.undici, err)),
      };
      try {
        this.client.dispatch(
          {
            method,
            path,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          },
          handler,
        );
      } catch (err) {
        settle(classifyError(this.undici, err));
      }
    });
  }

  async close(): Promise<void> {
    await this.client.destroy();
  }
}

/** What a complete response means (also how the simulator reads the responses paxos/http.ts would send). */
export function outcomeOf(status: number, text: string): HttpOutcome {
  let parsed: any;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // A 2xx with garbage: the node did something, we cannot tell what.
    return status >= 400 && status < 500 ? { kind: 'fail', status, error: `http-${status}` } : { kind: 'info', status, error: `unparseable-response-${status}` };
  }
  if (status >= 200 && status < 300) return { kind: 'ok', status, body: parsed };
  const error = typeof parsed?.error === 'string' ? parsed.error : `http-${status}`;
  if (status === 409 || status === 400 || status === 404) return { kind: 'fail', status, error, body: parsed };
  if (status === 503 && parsed?.definite === true) return { kind: 'fail', status, error, body: parsed };
  return { kind: 'info', status, error };
}

function classifyError({ errors: undiciErrors }: UndiciParts, err: unknown): HttpOutcome {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code && NEVER_SENT.has(code)) return { kind: 'fail', error: code.toLowerCase() };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return { kind: 'info', error: 'timeout' };
  }
  return { kind: 'info', error: code ? code.toLowerCase() : `client-error: ${e.message ?? String(err)}` };
}

/**
 * A Client over NodeHttp: subclasses map an op to requests. Reads (`isRead`) that end
 * indeterminate are recorded as fail: they changed nothing.
 */
export abstract class HttpClient implements Client {
  protected http: NodeHttp | undefined;

  constructor(protected readonly timeoutMs: number) {
    // Start loading now; open() awaits the same promise and reports a failure to load.
    loadUndici().catch(() => {});
  }

  async open(node: NodeEndpoint): Promise<void> {
    this.http = await NodeHttp.open(node, this.timeoutMs);
  }

  async invoke(op: Op): Promise<Completion> {
    if (!this.http) throw new Error('client: invoke before open');
    const done = await this.run(op, this.http);
    return asRecorded(done, this.isRead(op), this.http.node.name);
  }

  async close(): Promise<void> {
    await this.http?.close();
    this.http = undefined;
  }

  protected abstract run(op: Op, http: NodeHttp): Promise<Completion>;
  protected abstract isRead(op: Op): boolean;
}

/** An op's completion as recorded: an indeterminate read is a fail (it changed nothing); the node it ran on added. */
export function asRecorded(done: Completion, isRead: boolean, node: string): Completion {
  if (done.type === 'info' && isRead) return { ...done, type: 'fail', error: `read-indeterminate: ${done.error}`, node };
  return { ...done, node };
}

/** Runs `exchange` over `http`: each request sent when the one before it has its outcome. */
export async function runExchange(exchange: Exchange, http: NodeHttp): Promise<Completion> {
  let step = exchange.next();
  while (!step.done) step = exchange.next(await http.call(step.value.method, step.value.path, step.value.body));
  return step.value;
}

/** The completion for a non-ok outcome (ok is workload-specific). */
export function notOk(out: Exclude<HttpOutcome, { kind: 'ok' }>): Completion {
  return { type: out.kind, error: out.error };
}
