/**
 * The workload clients against a real HTTP server on loopback (real TCP, real undici client):
 * how each wire outcome maps to ok / fail / info, and what each workload sends; and that the
 * Client is undici's own, loaded from its parts (undici.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Op } from '../ground/history.js';
import { BankClient, KvClient, SetClient, TxnClient } from './clients.js';
import { NodeHttp } from './http-client.js';
import { loadUndici, undiciLoadedFrom } from './undici.js';

type Handler = (req: IncomingMessage, body: any, res: ServerResponse) => void;
let handler: Handler = (_q, _b, res) => res.end('{}');
let server: Server;
let url: string;
const requests: Array<{ method: string; url: string; body: any }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = text ? JSON.parse(text) : null;
      requests.push({ method: req.method!, url: req.url!, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const reply = (status: number, body: unknown): Handler => (_q, _b, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const op = (f: string, value: unknown, key?: string): Op => ({ index: 0, time: 0, process: 0, type: 'invoke', f, value, ...(key ? { key } : {}) });

async function withHttp<T>(timeoutMs: number, fn: (h: NodeHttp) => Promise<T>, target = url): Promise<T> {
  const h = await NodeHttp.open({ name: 'n1', clientUrl: target }, timeoutMs);
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}

describe('undici, as the clients load it', () => {
  it("is undici's own Client and error classes, loaded without undici's index (the fast way)", async () => {
    const parts = await loadUndici();
    expect(undiciLoadedFrom).toBe('parts');
    const whole = await import('undici');
    expect(parts.Client).toBe(whole.Client);
    expect(parts.errors.HeadersTimeoutError).toBe(whole.errors.HeadersTimeoutError);
  });
});

describe('NodeHttp: wire outcome -> ok / fail / info', () => {
  it('maps statuses', async () => {
    const cases: Array<[number, unknown, string, string | undefined]> = [
      [200, { value: 3 }, 'ok', undefined],
      [409, { error: 'cas-mismatch', value: 1 }, 'fail', 'cas-mismatch'],
      [409, { error: 'txn-aborted', ops: [] }, 'fail', 'txn-aborted'],
      [503, { error: 'not-leader', leader: 'n2', definite: true }, 'fail', 'not-leader'],
      [503, { error: 'overloaded' }, 'info', 'overloaded'], // not said to be definite
      [504, { error: 'timeout', unknown: true }, 'info', 'timeout'],
      [400, { error: 'bad-request', message: 'x' }, 'fail', 'bad-request'],
      [500, { error: 'boom' }, 'info', 'boom'],
    ];
    for (const [status, body, kind, error] of cases) {
      handler = reply(status, body);
      const out = await withHttp(1000, (h) => h.call('GET', '/kv/a'));
      expect([status, out.kind, 'error' in out ? out.error : undefined]).toEqual([status, kind, error]);
    }
  });

  it('a refused connection is a definite fail; a timeout or a reset after sending is info', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await withHttp(1000, (h) => h.call('PUT', '/kv/a', { value: 1 }), `http://127.0.0.1:${port}`)).toMatchObject({ kind: 'fail', error: 'econnrefused' });

    handler = () => {}; // never answers
    expect(await withHttp(200, (h) => h.call('PUT', '/kv/a', { value: 1 }))).toMatchObject({ kind: 'info', error: 'timeout' });

    handler = (req) => req.socket.destroy(); // reset after the request arrived
    const reset = await withHttp(1000, (h) => h.call('PUT', '/kv/a', { value: 1 }));
    expect(reset.kind).toBe('info');
  });
});

describe('workload clients', () => {
  it('kv: reads GET, writes PUT, cas POSTs; an indeterminate read is a fail, an indeterminate write is info', async () => {
    const c = new KvClient(200);
    await c.open({ name: 'n3', clientUrl: url });
    handler = reply(200, { value: 4 });
    expect(await c.invoke(op('read', null, 'k1'))).toEqual({ type: 'ok', value: 4, node: 'n3' });
    handler = reply(409, { error: 'cas-mismatch', value: 0 });
    expect(await c.invoke(op('cas', [1, 2], 'k1'))).toMatchObject({ type: 'fail', error: 'cas-mismatch' });
    expect(requests.at(-1)).toMatchObject({ method: 'POST', url: '/kv/k1/cas', body: { from: 1, to: 2 } });
    handler = () => {};
    expect(await c.invoke(op('read', null, 'k1'))).toMatchObject({ type: 'fail', error: 'read-indeterminate: timeout' });
    expect(await c.invoke(op('write', 3, 'k1'))).toMatchObject({ type: 'info', error: 'timeout' });
    await c.close();
  });

  it('set: an add writes its own key; a read covers every attempted key in txns of at most 256 ops', async () => {
    const c = new SetClient(1000, () => 600);
    await c.open({ name: 'n1', clientUrl: url });
    handler = (_q, body, res) => {
      if (body?.ops?.length > 256) return reply(400, { error: 'bad-request' })(_q, body, res);
      // Elements divisible by 3 are present.
      const ops = (body?.ops ?? []).map(([, k]: [string, string]) => ['r', k, Number(k.slice(4)) % 3 === 0 ? Number(k.slice(4)) : null]);
      reply(200, body?.ops ? { ops } : { ok: true })(_q, body, res);
    };
    expect(await c.invoke(op('add', 7))).toMatchObject({ type: 'ok' });
    expect(requests.at(-1)).toMatchObject({ method: 'PUT', url: '/kv/set-7', body: { value: 7 } });
    const before = requests.length;
    const read = await c.invoke(op('read', null));
    expect(read.type).toBe('ok');
    expect(read.value).toEqual(Array.from({ length: 200 }, (_, i) => 3 * i));
    expect(requests.slice(before).map((r) => r.body.ops.length)).toEqual([256, 256, 88]);
    await c.close();
  });

  it('bank: a transfer reads both balances then sends one check-and-write txn; overdrafts and aborts are fails', async () => {
    const c = new BankClient(1000);
    await c.open({ name: 'n1', clientUrl: url });
    const balances: Record<string, number> = { 'acct-0': 10, 'acct-1': 3 };
    let abort = false;
    handler = (_q, body, res) => {
      const ops = body.ops as Array<[string, string, number | null]>;
      if (ops.every(([k]) => k === 'r')) return reply(200, { ops: ops.map(([, a]) => ['r', a, balances[a]]) })(_q, body, res);
      if (abort) return reply(409, { error: 'txn-aborted', ops })(_q, body, res);
      reply(200, { ops })(_q, body, res);
    };
    expect(await c.invoke(op('transfer', { from: 'acct-0', to: 'acct-1', amount: 4 }))).toMatchObject({ type: 'ok' });
    expect(requests.at(-1)!.body.ops).toEqual([['c', 'acct-0', 10], ['c', 'acct-1', 3], ['w', 'acct-0', 6], ['w', 'acct-1', 7]]);
    expect(await c.invoke(op('transfer', { from: 'acct-1', to: 'acct-0', amount: 5 }))).toMatchObject({ type: 'fail', error: 'insufficient-funds' });
    abort = true;
    expect(await c.invoke(op('transfer', { from: 'acct-0', to: 'acct-1', amount: 1 }))).toMatchObject({ type: 'fail', error: 'txn-aborted' });
    const read = await c.invoke(op('read', null));
    expect(read).toMatchObject({ type: 'ok', value: { 'acct-0': 10, 'acct-1': 3 } });
    await c.close();
  });

  it('append: one /txn per op on elle- keys; ok fills in the reads ([] when absent); an unreadable 200 is info', async () => {
    const c = new TxnClient(1000, 'append');
    await c.open({ name: 'n1', clientUrl: url });
    const lists: Record<string, number[]> = { 'elle-1': [1, 2] };
    handler = (_q, body, res) => reply(200, { ops: body.ops.map(([f, k, v]: [string, string, unknown]) => (f === 'r' ? [f, k, lists[k] ?? null] : [f, k, v])) })(_q, body, res);
    const before = requests.length;
    const txn = op('txn', [['r', 1, null], ['append', 2, 5], ['r', 2, null]]);
    expect(await c.invoke(txn)).toEqual({ type: 'ok', value: [['r', 1, [1, 2]], ['append', 2, 5], ['r', 2, []]], node: 'n1' });
    expect(requests.slice(before)).toEqual([{ method: 'POST', url: '/txn', body: { ops: [['r', 'elle-1', null], ['append', 'elle-2', 5], ['r', 'elle-2', null]] } }]);
    handler = reply(200, { ops: [['r', 'elle-1', 7]] }); // a register where a list should be
    expect(await c.invoke(op('txn', [['r', 1, null], ['append', 1, 3]]))).toMatchObject({ type: 'info', error: 'malformed-txn-response' });
    expect(await c.invoke(op('txn', [['r', 1, null]]))).toMatchObject({ type: 'fail', error: 'read-indeterminate: malformed-txn-response' });
    handler = reply(409, { error: 'not-a-list', ops: [] });
    expect(await c.invoke(op('txn', [['append', 1, 3]]))).toMatchObject({ type: 'fail', error: 'not-a-list' });
    handler = reply(503, { error: 'not-leader', leader: null, definite: true });
    expect(await c.invoke(op('txn', [['append', 1, 3]]))).toMatchObject({ type: 'fail', error: 'not-leader' });
    handler = () => {};
    expect(await c.invoke(op('txn', [['append', 1, 3]]))).toMatchObject({ type: 'info', error: 'timeout' });
    await c.close();
  });

  it('wr: reads are the register value or null', async () => {
    const c = new TxnClient(1000, 'wr');
    await c.open({ name: 'n1', clientUrl: url });
    handler = reply(200, { ops: [['w', 'elle-3', 4], ['r', 'elle-3', 4], ['r', 'elle-9', null]] });
    expect(await c.invoke(op('txn', [['w', 3, 4], ['r', 3, null], ['r', 9, null]]))).toMatchObject({ type: 'ok', value: [['w', 3, 4], ['r', 3, 4], ['r', 9, null]] });
    expect(requests.at(-1)!.body.ops).toEqual([['w', 'elle-3', 4], ['r', 'elle-3', null], ['r', 'elle-9', null]]);
    await c.close();
  });
});
