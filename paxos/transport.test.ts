/**
 * Transport over real loopback TCP: frames both ways, identification by hello, reconnection
 * after a peer restarts, and the byte cap on a link that stalls without closing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { FrameDecoder, Transport, encodeFrame, parseHostPort } from './transport.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

function makeTransport(self: string, ports: Record<string, number>, inbox: Array<[string, unknown]>, extra: { maxBufferedBytes?: number } = {}) {
  const peers = Object.fromEntries(Object.entries(ports).map(([n, p]) => [n, { host: '127.0.0.1', port: p }]));
  const t = new Transport({ self, listen: peers[self], peers, onMessage: (from, msg) => inbox.push([from, msg]), backoffMinMs: 10, backoffMaxMs: 100, ...extra });
  cleanups.push(() => t.close());
  return t;
}

describe('frames', () => {
  it('decodes frames split at every byte boundary', () => {
    const msgs = [{ a: 1 }, { b: 'ü'.repeat(50) }, [1, 2, 3]];
    const bytes = Buffer.concat(msgs.map(encodeFrame));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      expect([...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))]).toEqual(msgs);
    }
  });

  it('parses and rejects addresses', () => {
    expect(parseHostPort('127.0.0.1:7001')).toEqual({ host: '127.0.0.1', port: 7001 });
    for (const bad of ['127.0.0.1', ':80', '127.0.0.1:99999', '127.0.0.1:0', 'a b:1', '127.0.0.1:80x']) {
      expect(() => parseHostPort(bad), bad).toThrow(/bad address/);
    }
  });
});

describe('Transport', () => {
  it('exchanges frames both ways and reconnects after the peer restarts', async () => {
    const ports = { a: await freePort(), b: await freePort() };
    const inA: Array<[string, unknown]> = [];
    const inB: Array<[string, unknown]> = [];
    const a = makeTransport('a', ports, inA);
    let b = makeTransport('b', ports, inB);
    await a.start();
    await b.start();
    for (let i = 0; i < 100; i++) a.send('b', { i });
    b.send('a', { hi: 'from b' });
    await waitFor(() => inB.length === 100 && inA.length === 1);
    expect(inB.map(([from, m]) => [from, (m as { i: number }).i])).toEqual(Array.from({ length: 100 }, (_, i) => ['a', i]));
    expect(inA).toEqual([['b', { hi: 'from b' }]]);

    await b.close();
    inB.length = 0;
    b = makeTransport('b', ports, inB);
    await b.start();
    // Messages sent while b restarts may be lost (allowed); after it is back they must arrive.
    await waitFor(() => {
      a.send('b', { ping: true });
      return inB.length > 0;
    });
    expect(inB[0]).toEqual(['a', { ping: true }]);
    b.send('a', { back: true });
    await waitFor(() => inA.length === 2);
    expect(inA[1]).toEqual(['b', { back: true }]);
  });

  it('closes inbound connections that do not start with a valid hello', async () => {
    const ports = { a: await freePort(), b: await freePort() };
    const inA: Array<[string, unknown]> = [];
    const a = makeTransport('a', ports, inA);
    await a.start();
    for (const first of [{ hello: 'stranger' }, { not: 'a hello' }]) {
      const s = net.connect(ports.a, '127.0.0.1');
      cleanups.push(() => void s.destroy());
      const closed = new Promise((r) => s.on('close', r));
      s.on('error', () => {});
      s.write(encodeFrame(first));
      s.write(encodeFrame({ sneaky: true }));
      await closed;
    }
    const s = net.connect(ports.a, '127.0.0.1');
    cleanups.push(() => void s.destroy());
    s.on('error', () => {});
    const closed = new Promise((r) => s.on('close', r));
    s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2]));
    await closed;
    expect(inA).toEqual([]);
  });

  it('drops messages beyond the cap when a link stalls instead of closing', async () => {
    // A "proxy" that accepts the connection and never reads from it.
    const stalled = net.createServer((s) => s.pause());
    const held: net.Socket[] = [];
    stalled.on('connection', (s) => held.push(s));
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => {
      for (const s of held) s.destroy();
      stalled.close(() => r());
    }));
    const ports = { a: await freePort(), b: (stalled.address() as net.AddressInfo).port };
    const cap = 256 * 1024;
    const a = makeTransport('a', ports, [], { maxBufferedBytes: cap });
    await a.start();
    await waitFor(() => held.length === 1);
    const payload = 'x'.repeat(1000);
    let maxHeld = 0;
    for (let round = 0; round < 80; round++) {
      for (let i = 0; i < 200; i++) a.send('b', { round, i, payload });
      maxHeld = Math.max(maxHeld, a.buffered('b'));
      await new Promise((r) => setTimeout(r, 5));
    }
    // 16 MB were offered; the kernel's socket buffers absorb a few MB, the process holds at
    // most the cap, and the rest is dropped.
    expect(maxHeld).toBeGreaterThan(cap / 2);
    expect(maxHeld).toBeLessThanOrEqual(cap);
    expect(a.stats.dropped).toBeGreaterThan(8000);
    expect(a.stats.sent + a.stats.dropped).toBe(16000);
  });
});
