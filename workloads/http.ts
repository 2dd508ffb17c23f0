/**
 * HTTP plumbing shared by the workload clients: one keep-alive undici Pool per client (one per
 * thread, so one socket, one outstanding request) and the mapping from what happened on the
 * wire to Jepsen's three outcomes:
 *   - ok:   2xx.
 *   - fail: DEFINITELY not applied: 409 (cas-mismatch / txn-aborted), 503 with definite:true
 *           (not-leader), 400, or the connection was refused before anything was sent.
 *   - info: outcome unknown: 504 / unknown:true, any other 5xx, a timeout, a reset after sending.
 * Reads have no effect, so a workload may turn an indeterminate read into a fail (as Jepsen's
 * etcd test does): that keeps crashed reads from lingering as open ops in the checker.
 * undici is imported on first use (undici.ts): an HttpClient starts loading it when it is
 * made, so a test run loads it while its nodes boot rather than before.
 */
import type { Pool } from 'undici';
import type { Client, Completion } from '../harness/client.js';
import { deadline } from '../harness/generator.js';
import type { Op } from '../harness/history.js';
import type { NodeEndpoint } from '../harness/runtime/runtime.js';
import { loadUndici, type UndiciParts } from './undici.js';

export type HttpOutcome =
  | { kind: 'ok'; status: number; body: any }
  | { kind: 'fail'; status?: number; error: string; body?: any }
  | { kind: 'info'; status?: number; error: string };

/** Error codes meaning the request never reached the node, so it cannot have been applied. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

export class NodeHttp {
  private readonly pool: Pool;

  /** A client of one node (loads undici first if it is not yet). */
  static async open(node: NodeEndpoint, timeoutMs: number): Promise<NodeHttp> {
    return new NodeHttp(await loadUndici(), node, timeoutMs);
  }

  private constructor(
    private readonly undici: UndiciParts,
    readonly node: NodeEndpoint,
    private readonly timeoutMs: number,
  ) {
    this.pool = new undici.Pool(node.clientUrl, {
      connections: 1,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  async call(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<HttpOutcome> {
    let status: number;
    let text: string;
    const timeout = deadline(this.timeoutMs);
    try {
      const res = await this.pool.request({
        method,
        path,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: timeout.signal,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      return classifyError(this.undici, timeout.signal.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : err);
    } finally {
      timeout.clear();
    }
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

  async close(): Promise<void> {
    await this.pool.destroy();
  }
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
    const node = this.http.node.name;
    if (done.type === 'info' && this.isRead(op)) return { ...done, type: 'fail', error: `read-indeterminate: ${done.error}`, node };
    return { ...done, node };
  }

  async close(): Promise<void> {
    await this.http?.close();
    this.http = undefined;
  }

  protected abstract run(op: Op, http: NodeHttp): Promise<Completion>;
  protected abstract isRead(op: Op): boolean;
}

/** The completion for a non-ok outcome (ok is workload-specific). */
export function notOk(out: Exclude<HttpOutcome, { kind: 'ok' }>): Completion {
  return { type: out.kind, error: out.error };
}
