/** The benchmark's raw HTTP client against a real node:http server: keep-alive, bodies, and loud failures. */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawHttpClient } from './bench-client.js';

const closers: Array<() => void> = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

function listen(server: net.Server): Promise<number> {
  closers.push(() => server.close());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

describe('RawHttpClient', () => {
  it('sends GETs and JSON PUTs over one keep-alive connection and reads status and body', async () => {
    const sockets = new Set<net.Socket>();
    const server = http.createServer({ keepAlive: true }, (req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const text = JSON.stringify({ method: req.method, url: req.url, body, type: req.headers['content-type'] ?? null });
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    closers.push(() => server.closeAllConnections());
    const port = await listen(server);
    const c = await RawHttpClient.connect('127.0.0.1', port);
    closers.push(() => c.close());
    const put = await c.sendJson('PUT', '/kv/a', '{"value":"é1"}');
    expect(put.status).toBe(200);
    expect(JSON.parse(put.body)).toEqual({ method: 'PUT', url: '/kv/a', body: '{"value":"é1"}', type: 'application/json' });
    const get = await c.get('/missing');
    expect(get.status).toBe(404);
    expect(JSON.parse(get.body)).toMatchObject({ method: 'GET', url: '/missing', body: '' });
    expect(sockets.size).toBe(1);
    await expect(Promise.all([c.get('/x'), c.get('/y')])).rejects.toThrow(/one request at a time/);
  });

  it('fails loudly on a response without Content-Length, and stays failed afterwards', async () => {
    const server = net.createServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n')));
    const port = await listen(server);
    const c = await RawHttpClient.connect('127.0.0.1', port);
    closers.push(() => c.close());
    await expect(c.get('/')).rejects.toThrow(/unexpected response head/);
    await expect(c.get('/')).rejects.toThrow(/unexpected response head/);
  });
});
