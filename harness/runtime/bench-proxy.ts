/**
 * `npm run bench:proxy`: what the fault proxy costs. Prints round-trip latency of small
 * messages (direct vs through the proxy, p50/p99) and bulk throughput through the proxy, so a
 * change to proxy.ts can be judged by figures, not by timed unit tests. Connection set-up (the
 * dialler lookup in /proc) is not in these figures: connections are opened once per run.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { FaultProxy } from './proxy.js';

async function echoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((r, j) => s.once('connect', r).once('error', j));
  return s;
}

/** Round trips of a 100-byte message, one at a time. */
async function pingPong(port: number, n: number): Promise<number[]> {
  const s = await connect(port);
  const msg = Buffer.alloc(100, 7);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let got = 0;
      const onData = (d: Buffer) => {
        got += d.length;
        if (got >= msg.length) {
          s.off('data', onData);
          resolve();
        }
      };
      s.on('data', onData);
      s.write(msg);
    });
    times.push(performance.now() - t0);
  }
  s.destroy();
  return times.sort((a, b) => a - b);
}

/** MB/s of `mb` megabytes echoed back. */
async function throughput(port: number, mb: number): Promise<number> {
  const s = await connect(port);
  const chunk = Buffer.alloc(1 << 16, 1);
  const total = mb << 20;
  const t0 = performance.now();
  const done = new Promise<void>((resolve) => {
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
      if (got >= total) resolve();
    });
  });
  for (let sent = 0; sent < total; sent += chunk.length) if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
  await done;
  s.destroy();
  return mb / ((performance.now() - t0) / 1000);
}

const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(3);

async function main(): Promise<void> {
  const server = await echoServer();
  const proxy = new FaultProxy();
  const target = { host: '127.0.0.1', port: server.port };
  // This process dials, as node a; b is the echo server behind the proxy.
  await proxy.addNode('a', target, process.pid);
  const { port } = await proxy.addNode('b', target);
  const n = 2000;
  await pingPong(server.port, 200); // warm up
  const direct = await pingPong(server.port, n);
  const proxied = await pingPong(port, n);
  console.log(`round trip, 100 B, ${n} sequential: direct p50 ${q(direct, 0.5)} ms p99 ${q(direct, 0.99)} ms; proxied p50 ${q(proxied, 0.5)} ms p99 ${q(proxied, 0.99)} ms`);
  const mb = 256;
  console.log(`throughput, ${mb} MB echoed: direct ${(await throughput(server.port, mb)).toFixed(0)} MB/s; proxied ${(await throughput(port, mb)).toFixed(0)} MB/s`);
  proxy.shape('a', 'b', { delayMs: 0, jitterMs: 0, lossPct: 0 });
  console.log(`throughput through a shaped (zero-delay) link: ${(await throughput(port, mb)).toFixed(0)} MB/s`);
  await proxy.close();
  await server.close();
}

await main();
