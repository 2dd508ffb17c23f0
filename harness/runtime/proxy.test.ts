/**
 * The fault proxy over real loopback TCP: forwarding, partitions that stall and drop (not
 * close), heal that resets only the connections that lost bytes, delay and TCP-style loss; one
 * listener per destination, the source told by the dialling process (this test process is node
 * a; child processes are other nodes, or strays the proxy must refuse).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from './proxy.js';
import { Rng } from '../../ground/rng.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A target node: echoes every byte back and remembers what it received and how many dialled. */
async function echoServer() {
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.on('data', (d) => {
      received.push(d);
      s.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received: () => Buffer.concat(received).toString(),
    accepted: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A client of a proxy link: collects echoed bytes and how the socket ended. */
async function dial(port: number) {
  const sock = net.connect({ host: '127.0.0.1', port });
  const got: Buffer[] = [];
  const state = { closed: false, error: '' };
  sock.on('data', (d) => got.push(d));
  sock.on('error', (e: NodeJS.ErrnoException) => (state.error = e.code ?? e.message));
  sock.on('close', () => (state.closed = true));
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  return { sock, state, text: () => Buffer.concat(got).toString() };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * Nodes a (this process: whatever it dials comes from a) and b (an echo server); `port` is the
 * proxy's listener for b, so a connection to it is the link a->b.
 */
async function setup(opts: ConstructorParameters<typeof FaultProxy>[0] = {}) {
  const b = await echoServer();
  const proxy = new FaultProxy({ rng: new Rng(7), ...opts });
  const aPort = (await proxy.addNode('a', { host: '127.0.0.1', port: b.port }, process.pid)).port;
  const { port } = await proxy.addNode('b', { host: '127.0.0.1', port: b.port });
  cleanups.push(() => b.close(), () => proxy.close());
  return { b, proxy, port, aPort };
}

/**
 * Another node (or a stray) as a child process: once told "go" on stdin it dials `port` and
 * sends `<tag><i>|` every 20 ms; `events` collects "up" (connected) and "closed". An orphan is
 * started by a shell that exits at once, so it is in no process tree of this test (node a); it
 * dials 300 ms later by itself (its stdin is gone with the shell).
 */
async function sender(port: number, tag: string, orphan = false) {
  const script = `const go=(f)=>process.argv[1]==='later'?setTimeout(f,300):process.stdin.once('data',f);go(()=>{const s=require('net').connect({host:'127.0.0.1',port:${port}},()=>{console.log('up');let i=0;setInterval(()=>s.write('${tag}'+(i++)+'|'),20)});s.on('error',()=>{});s.on('close',()=>{console.log('closed');setTimeout(()=>process.exit(0),50)})})`;
  const c = orphan
    ? spawn('sh', ['-c', '"$0" -e "$1" later & echo "pid $!"', process.execPath, script], { stdio: ['pipe', 'pipe', 'inherit'], detached: true })
    : spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  const events: string[] = [];
  c.stdout!.on('data', (d) => events.push(...String(d).trim().split('\n')));
  cleanups.push(() => {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // exited
    }
  });
  let pid = c.pid!;
  if (orphan) {
    await new Promise((r) => c.once('exit', r));
    await until(() => events.some((e) => e.startsWith('pid '))); // stdout may come after the exit
    pid = Number(events.find((e) => e.startsWith('pid '))!.slice(4));
  }
  return { pid, events, go: () => c.stdin!.write('go\n') };
}

describe('FaultProxy', () => {
  it('forwards bytes both ways and closes cleanly', async () => {
    const { b, port, proxy } = await setup();
    const c = await dial(port);
    c.sock.write('hello');
    await until(() => c.text() === 'hello');
    expect(b.received()).toBe('hello');
    c.sock.end();
    await until(() => c.state.closed);
    expect(c.state.error).toBe('');
    await until(() => proxy.connectionCounts()['a->b'] === undefined); // none open
  });

  it('partition drops a->b bytes, stalls without closing, and heal resets that connection', async () => {
    const { b, port, proxy } = await setup();
    const c = await dial(port);
    c.sock.write('before|');
    await until(() => c.text() === 'before|');
    proxy.partition({ b: ['a'] }); // b drops traffic from a
    c.sock.write('during|');
    await sleep(300);
    expect(b.received()).toBe('before|');
    expect(c.state.closed).toBe(false);
    proxy.heal();
    await until(() => c.state.closed);
    expect(c.state.error).toBe('ECONNRESET');
    expect(b.received()).toBe('before|'); // dropped, never delivered late
    const d = await dial(port);
    d.sock.write('after');
    await until(() => d.text() === 'after');
    d.sock.destroy();
  });

  it('drops answers b->a when only a drops b (both directions of a stream are covered)', async () => {
    const { b, port, proxy } = await setup();
    const c = await dial(port);
    await until(() => b.accepted() === 1); // through to b (identified and dialled onwards) before the partition
    proxy.partition({ a: ['b'] });
    c.sock.write('ping');
    await until(() => b.received() === 'ping');
    await sleep(200);
    expect(c.text()).toBe(''); // the echo was dropped
    expect(c.state.closed).toBe(false);
    proxy.heal();
    await until(() => c.state.closed);
    expect(c.state.error).toBe('ECONNRESET');
  });

  it('a connection that lost nothing survives a partition untouched', async () => {
    const { port, proxy } = await setup();
    const c = await dial(port);
    c.sock.write('x');
    await until(() => c.text() === 'x');
    proxy.partition({ b: ['a'], a: ['b'] });
    await sleep(100);
    proxy.heal();
    c.sock.write('y');
    await until(() => c.text() === 'xy');
    expect(c.state.closed).toBe(false);
    c.sock.destroy();
  });

  it('does not dial across a partition; dials on heal when nothing was lost', async () => {
    const { b, port, proxy } = await setup();
    proxy.partition({ b: ['a'] });
    const c = await dial(port);
    await sleep(150);
    expect(b.accepted()).toBe(0);
    proxy.heal();
    await until(() => b.accepted() === 1);
    c.sock.write('late');
    await until(() => c.text() === 'late');
    c.sock.destroy();
  });

  it('a new grudge that unblocks a pair resets its gapped connections at once', async () => {
    const { b, port, proxy } = await setup();
    const c = await dial(port);
    await until(() => b.accepted() === 1);
    proxy.partition({ b: ['a'] });
    c.sock.write('lost');
    await sleep(100);
    proxy.partition({ a: ['b'] }); // a->b flows again: the gap must not be forwarded over
    await until(() => c.state.closed);
    expect(c.state.error).toBe('ECONNRESET');
  });

  it('delays one direction by delayMs, in order, without loss', async () => {
    const { port, proxy } = await setup();
    proxy.shape('a', 'b', { delayMs: 150, jitterMs: 20, lossPct: 0 });
    const c = await dial(port);
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) c.sock.write(`${i},`);
    const want = Array.from({ length: 20 }, (_, i) => `${i},`).join('');
    await until(() => c.text() === want);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(125);
    proxy.shape('a', 'b', null);
    const t1 = Date.now();
    c.sock.write('z');
    await until(() => c.text().endsWith('z'));
    expect(Date.now() - t1).toBeLessThan(120);
    c.sock.destroy();
  });

  it('models loss as retransmission delay (stream intact), and lossPct 100 times the connection out', async () => {
    const { port, proxy } = await setup({ rtoMinMs: 30, maxRetransmits: 3 });
    proxy.shape('a', 'b', { delayMs: 0, jitterMs: 0, lossPct: 50 });
    const c = await dial(port);
    let want = '';
    for (let i = 0; i < 30; i++) {
      c.sock.write(`<${i}>`);
      want += `<${i}>`;
      await sleep(3);
    }
    await until(() => c.text() === want, 5000);
    proxy.shape('a', 'b', { delayMs: 0, jitterMs: 0, lossPct: 100 });
    c.sock.write('gone');
    await until(() => c.state.closed, 2000); // 30 + 60 + 120 ms of retransmissions, then reset
    expect(c.state.error).toBe('ECONNRESET');
  });

  it('delayFor: the share of delayed chunks follows lossPct; RTO doubles', () => {
    const proxy = new FaultProxy({ rng: new Rng(1), rtoMinMs: 200 });
    const shape = { delayMs: 10, jitterMs: 0, lossPct: 30 };
    const samples = Array.from({ length: 4000 }, () => proxy.delayFor(shape));
    const delayed = samples.filter((s) => s.ms >= 210).length / samples.length;
    expect(delayed).toBeGreaterThan(0.26);
    expect(delayed).toBeLessThan(0.34);
    // k consecutive losses add 200 + 400 + ... = 200 * (2^k - 1) ms
    const allowed = Array.from({ length: 10 }, (_, k) => 10 + 200 * (2 ** k - 1));
    expect(samples.filter((s) => !allowed.includes(s.ms))).toEqual([]);
    expect(samples.every((s) => !s.timeout)).toBe(true);
    const jittered = new FaultProxy({ rng: new Rng(2) });
    const js = Array.from({ length: 500 }, () => jittered.delayFor({ delayMs: 100, jitterMs: 30, lossPct: 0 }).ms);
    expect(Math.min(...js)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...js)).toBeLessThanOrEqual(130);
    expect(Math.max(...js) - Math.min(...js)).toBeGreaterThan(40);
  });

  it('passes backpressure on: a receiver that does not read slows the sender, the proxy does not buffer it all', async () => {
    const sockets: net.Socket[] = [];
    const stuck = net.createServer((s) => {
      s.pause(); // a paused (SIGSTOPped) node: the kernel buffers fill, nothing is read
      sockets.push(s);
    });
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const proxy = new FaultProxy();
    await proxy.addNode('a', { host: '127.0.0.1', port: 1 }, process.pid);
    const { port } = await proxy.addNode('b', { host: '127.0.0.1', port: (stuck.address() as net.AddressInfo).port });
    cleanups.push(() => new Promise<void>((r) => stuck.close(() => r())), () => sockets.forEach((s) => s.destroy()), () => proxy.close());
    const c = await dial(port);
    const mb = Buffer.alloc(1 << 20, 1);
    for (let i = 0; i < 64; i++) c.sock.write(mb);
    await sleep(500);
    expect(c.sock.writableLength).toBeGreaterThan(32 << 20); // most of it still waits at the sender
    c.sock.destroy();
  });

  it('tells sources apart on one listener: partitioning c->b leaves a->b flowing; heal resets only c’s connection', async () => {
    const { b, port, proxy } = await setup();
    await proxy.addNode('c', { host: '127.0.0.1', port: b.port });
    const c = await sender(port, 'c');
    proxy.setPid('c', c.pid); // as the runtime does: registered at spawn, before it dials
    c.go();
    const a = await dial(port);
    a.sock.write('a1|');
    await until(() => b.received().includes('c3|') && a.text() === 'a1|');
    expect(proxy.connectionCounts()).toEqual({ 'a->b': 1, 'c->b': 1 });
    proxy.partition({ b: ['c'] });
    await sleep(60); // chunks already in flight may land
    const before = b.received();
    a.sock.write('a2|');
    await until(() => a.text() === 'a1|a2|');
    await sleep(200);
    expect(b.received().slice(before.length)).toBe('a2|'); // nothing of c's
    proxy.heal();
    await until(() => c.events.includes('closed')); // it lost bytes: reset
    a.sock.write('a3|');
    await until(() => a.text() === 'a1|a2|a3|'); // a lost nothing: untouched
    expect(a.state.closed).toBe(false);
    expect(proxy.refused).toBe(0);
    a.sock.destroy();
  });

  it('refuses (resets) a connection no node dialled, counts it and logs whose it was', async () => {
    const lines: string[] = [];
    const { b, port, proxy } = await setup({ log: (l) => lines.push(l) });
    const stray = await sender(port, 's', true);
    await until(() => stray.events.includes('closed'));
    expect(stray.events).toContain('up'); // accepted by the kernel, then reset by the proxy
    expect(proxy.refused).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`refused a connection to b's peer address: source not identified: .*pid ${stray.pid} .*in no node's process tree`));
    expect(b.accepted()).toBe(0); // never forwarded
  });

  it('forwards a node’s connections to its own listener (a->a), untouched by partitions of others', async () => {
    const { aPort, proxy } = await setup();
    proxy.partition({ a: ['b'], b: ['a'] });
    const self = await dial(aPort);
    self.sock.write('me');
    await until(() => self.text() === 'me');
    expect(proxy.connectionCounts()['a->a']).toBe(1);
    self.sock.destroy();
  });

  it('rejects bad shapes and unknown nodes', async () => {
    const { proxy } = await setup();
    expect(() => proxy.shape('a', 'b', { delayMs: -1, jitterMs: 0, lossPct: 0 })).toThrow(/bad link shape/);
    expect(() => proxy.shape('a', 'b', { delayMs: 0, jitterMs: 0, lossPct: 101 })).toThrow(/bad link shape/);
    expect(() => proxy.shape('a', 'zz', null)).toThrow(/unknown/);
    expect(() => proxy.partition({ zz: ['a'] })).toThrow(/unknown node zz/);
  });
});
