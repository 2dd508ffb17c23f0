/**
 * DiallerIndex over real sockets and real child processes: a connection is attributed to the
 * node whose process (or a descendant of it, behind a shell wrapper) holds its client end;
 * a stray process, a restarted node's old pid, and a connection already closed are not.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalAddress, DiallerIndex, type Endpoint } from './dialler.js';

/** A child that dials `port` on `host`, prints "up" once connected and lives until killed. */
const DIAL = `const s=require('net').connect({host:process.argv[2],port:+process.argv[1]},()=>console.log('up'));s.on('error',e=>{console.error(e.message);process.exit(1)});setInterval(()=>{},1e6)`;

const children: ChildProcess[] = [];
const servers: net.Server[] = [];
const accepted: net.Socket[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL'); // the group: a wrapper's child too
    } catch {
      // gone already
    }
  }
  for (const s of accepted.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A listener that hands out accepted sockets in order. */
async function listener(host = '127.0.0.1'): Promise<{ port: number; next(): Promise<net.Socket> }> {
  const queue: net.Socket[] = [];
  const waiters: Array<(s: net.Socket) => void> = [];
  const server = net.createServer((s) => {
    s.on('error', () => {});
    accepted.push(s);
    const w = waiters.shift();
    if (w) w(s);
    else queue.push(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as net.AddressInfo).port,
    next: () => new Promise((r) => (queue.length ? r(queue.shift()!) : waiters.push(r))),
  };
}

/** Spawns `cmd args`; resolves once it printed "up" (it is connected). */
async function connectedChild(cmd: string, args: string[]): Promise<ChildProcess> {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(c);
  let err = '';
  c.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    c.stdout!.on('data', (d) => String(d).includes('up') && resolve());
    c.once('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
  return c;
}

const ends = (s: net.Socket): [Endpoint, Endpoint] => [
  { address: s.remoteAddress!, port: s.remotePort! },
  { address: s.localAddress!, port: s.localPort! },
];

describe('DiallerIndex', () => {
  it('names the node whose process dialled, and not another', async () => {
    const l = await listener();
    const a = await connectedChild(process.execPath, ['-e', DIAL, String(l.port), '127.0.0.1']);
    const fromA = await l.next();
    const b = await connectedChild(process.execPath, ['-e', DIAL, String(l.port), '127.0.0.1']);
    const fromB = await l.next();
    const idx = new DiallerIndex<'a' | 'b'>();
    idx.setPid('a', a.pid!);
    idx.setPid('b', b.pid!);
    expect(await idx.identify(...ends(fromA))).toEqual({ node: 'a', pid: a.pid });
    expect(await idx.identify(...ends(fromB))).toEqual({ node: 'b', pid: b.pid });
    expect(await idx.identify(...ends(fromA))).toEqual({ node: 'a', pid: a.pid }); // again, through the hint
  });

  it('follows a wrapper: the socket of a shell’s child belongs to the node the shell is', async () => {
    const l = await listener();
    // `; exit` keeps sh from exec'ing node: node runs as the shell's child.
    const sh = await connectedChild('sh', ['-c', `"$0" -e "$1" ${l.port} 127.0.0.1; exit 0`, process.execPath, DIAL]);
    const sock = await l.next();
    const idx = new DiallerIndex<'n1'>();
    idx.setPid('n1', sh.pid!);
    const got = await idx.identify(...ends(sock));
    expect(got.node).toBe('n1');
    expect(got.node && got.pid).not.toBe(sh.pid); // the grandchild holds it
  });

  it('refuses a stray process, naming it; and a restarted node’s old pid no longer counts', async () => {
    const l = await listener();
    const stray = await connectedChild(process.execPath, ['-e', DIAL, String(l.port), '127.0.0.1']);
    const sock = await l.next();
    const idx = new DiallerIndex<'n1'>();
    const got = await idx.identify(...ends(sock));
    expect(got.node).toBeNull();
    expect(!got.node && got.reason).toMatch(new RegExp(`pid ${stray.pid} .*in no node's process tree`));
    idx.setPid('n1', stray.pid!);
    expect((await idx.identify(...ends(sock))).node).toBe('n1');
    const other = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    children.push(other);
    idx.setPid('n1', other.pid!); // "restarted" as another process
    expect((await idx.identify(...ends(sock))).node).toBeNull();
    idx.setPid('n1', null);
    expect(idx.pidOf('n1')).toBeNull();
    idx.setPid('n1', spawnSync('true').pid!); // exited before it was registered (died on start): owns nothing
    expect(idx.pidOf('n1')).toBeNull();
  });

  it('a connection whose client end is gone is not identified', async () => {
    const l = await listener();
    const c = await connectedChild(process.execPath, ['-e', DIAL, String(l.port), '127.0.0.1']);
    const sock = await l.next();
    const [client, server] = ends(sock);
    const idx = new DiallerIndex<'n1'>();
    idx.setPid('n1', c.pid!);
    c.kill('SIGKILL');
    await new Promise((r) => c.once('exit', r));
    const got = await idx.identify(client, server);
    expect(got.node).toBeNull();
    expect(got).toMatchObject({ node: null, gone: true, reason: expect.stringMatching(/no socket/) });
  });

  it('finds a dual-stack socket (listed in tcp6 as ::ffff:127.0.0.1) and its own process', async () => {
    const l = await listener();
    const sock6 = net.connect({ host: '::ffff:127.0.0.1', port: l.port });
    await new Promise((r) => sock6.once('connect', r));
    const accepted = await l.next();
    const idx = new DiallerIndex<'me'>();
    idx.setPid('me', process.pid);
    expect(await idx.identify(...ends(accepted))).toEqual({ node: 'me', pid: process.pid });
    sock6.destroy();
  });

  it('canonicalAddress', () => {
    expect(canonicalAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(canonicalAddress('[::1]')).toBe('::1');
  });
});
