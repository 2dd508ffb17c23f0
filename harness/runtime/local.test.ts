/**
 * The local runtime with real processes (fixtures/echo-node.mjs) and the real fault proxy:
 * setup, kill/start on the same data dir, pause/resume, partition/heal, link delay, clock
 * offsets seen by the child's Date.now() under libfaketime, teardown that leaves no process
 * and no listening port, and the sweep of a "crashed" run's leftovers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoDb } from './fixtures/echo-db.js';
import { findLibfaketime } from './faketime.js';
import { createLocalRuntime, type LocalRuntime } from './local.js';
import type { Db } from '../../ground/db.js';
import { UsageError, type NodeEndpoint } from '../../ground/runtime.js';
import { processesOfRun, processStart, sweepLeftovers, type RunMarker } from './sweep.js';

const alive = (pid: number | null) => pid !== null && processStart(pid) !== null;

/** Ports in LISTEN state on this machine (from /proc/net/tcp). */
function listeningPorts(): Set<number> {
  const out = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A') out.add(parseInt(f[1].split(':')[1], 16));
    }
  }
  return out;
}

async function get(url: string, timeoutMs = 1500): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: r.status, body: await r.json() };
}

/** Sends n1 -> to through the proxy; retries while a reset connection is being replaced. */
async function sendOk(from: NodeEndpoint, to: string, msg: string, withinMs = 3000): Promise<string> {
  const end = Date.now() + withinMs;
  for (;;) {
    const r = await get(`${from.clientUrl}/send?to=${to}&msg=${msg}&timeout=500`).catch(() => ({ status: 0, body: null }));
    if (r.status === 200) return r.body.reply;
    if (Date.now() > end) throw new Error(`send ${from.name} -> ${to} failed: ${r.status}`);
  }
}

describe('local runtime', () => {
  // Made in beforeAll, so a run that filters these tests out leaves no directory behind.
  let tmp = '';
  let markerDir = '';
  let rt: LocalRuntime;
  let eps: NodeEndpoint[];
  const ep = (n: string) => eps.find((e) => e.name === n)!;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-local-'));
    markerDir = path.join(tmp, 'markers');
    rt = createLocalRuntime({ markerDir });
    if (findLibfaketime()) await rt.preflight({ clock: true, packet: true });
    eps = await rt.setup({ runId: `t${process.pid}`, nodes: ['n1', 'n2', 'n3'], db: echoDb({ grandchild: true }), runDir: path.join(tmp, 'run'), dbArgs: [] });
  });

  afterAll(async () => {
    await rt?.teardown();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('starts every node in its own dir, with a marker, and routes peers through the proxy', async () => {
    expect(eps.map((e) => e.name)).toEqual(['n1', 'n2', 'n3']);
    for (const e of eps) expect((await get(`${e.clientUrl}/status`)).body.id).toBe(e.name);
    const d = rt.describe('n1');
    expect(existsSync(path.join(d.dir, 'stdout.log'))).toBe(true);
    expect(readFileSync(path.join(d.addr.dataDir, 'pid'), 'utf8')).toBe(String(d.pid));
    expect(Object.values(d.addr.peers).every((a) => a !== rt.describe('n2').addr.listen)).toBe(true);
    // One peer list for all (etcd's --initial-cluster), each node's own entry included.
    expect(Object.keys(d.addr.peers)).toEqual(['n1', 'n2', 'n3']);
    for (const n of ['n2', 'n3']) expect(rt.describe(n).addr.peers).toEqual(d.addr.peers);
    expect(await sendOk(ep('n1'), 'n2', 'hi')).toBe('ack n2 hi');
    expect(rt.proxyConnections()['n1->n2']).toBe(1);
    expect(await sendOk(ep('n3'), 'n2', 'hi')).toBe('ack n2 hi'); // same listener, told apart by dialler
    expect(rt.proxyConnections()['n3->n2']).toBe(1);
    expect(await sendOk(ep('n1'), 'n1', 'me')).toBe('ack n1 me'); // to itself, through its own listener
    expect(rt.proxyConnections()['n1->n1']).toBe(1);
    expect(rt.warnings()).toEqual([]);
    const marker = JSON.parse(readFileSync(path.join(markerDir, `t${process.pid}.json`), 'utf8')) as RunMarker;
    expect(marker.harnessPid).toBe(process.pid);
    expect(marker.nodes.n1.pid).toBe(d.pid);
  });

  it('kill takes the whole process group; start reuses the data dir', async () => {
    const before = rt.describe('n2');
    const grandchild = Number(readFileSync(path.join(before.addr.dataDir, 'grandchild.pid'), 'utf8'));
    expect(alive(grandchild)).toBe(true);
    await rt.kill('n2');
    expect(alive(before.pid)).toBe(false);
    expect(alive(grandchild)).toBe(false);
    await expect(get(`${ep('n2').clientUrl}/status`, 500)).rejects.toThrow();
    await rt.kill('n2'); // idempotent
    await rt.start('n2');
    const status = (await get(`${ep('n2').clientUrl}/status`)).body;
    expect(status.pid).not.toBe(before.pid);
    expect(status.starts).toBe(2);
    expect(readFileSync(path.join(before.dir, 'stderr.log'), 'utf8')).toMatch(/n2: SIGKILL to process group[^]*n2: started, pid/);
    await rt.collectLogs();
    expect(readFileSync(path.join(rt.describe('n2').dir, 'starts'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(await sendOk(ep('n1'), 'n2', 'back')).toBe('ack n2 back');
    expect(await sendOk(ep('n2'), 'n1', 'new pid')).toBe('ack n1 new pid'); // the restarted process is still n2
    expect(rt.proxyConnections()['n2->n1']).toBe(1);
    expect(rt.warnings()).toEqual([]);
  });

  it('pause stops the node (no answers) and resume continues it', async () => {
    await rt.pause('n3');
    await expect(get(`${ep('n3').clientUrl}/status`, 400)).rejects.toThrow();
    await rt.resume('n3');
    expect((await get(`${ep('n3').clientUrl}/status`)).body.id).toBe('n3');
  });

  it('partition drops traffic per the grudge; heal restores it', async () => {
    await sendOk(ep('n1'), 'n2', 'warm');
    await rt.partition({ n2: ['n1'], n1: ['n2'] });
    expect((await get(`${ep('n1').clientUrl}/send?to=n2&msg=x&timeout=300`)).status).toBe(504);
    expect((await get(`${ep('n2').clientUrl}/send?to=n1&msg=y&timeout=300`)).status).toBe(504);
    expect(await sendOk(ep('n1'), 'n3', 'z')).toBe('ack n3 z');
    expect(await sendOk(ep('n3'), 'n2', 'z')).toBe('ack n2 z'); // n2's listener still serves n3
    await rt.heal();
    expect(await sendOk(ep('n1'), 'n2', 'healed')).toBe('ack n2 healed');
  });

  it('shape delays a link', async () => {
    await rt.shape('n1', 'n3', { delayMs: 250, jitterMs: 0, lossPct: 0 });
    const t0 = Date.now();
    await sendOk(ep('n1'), 'n3', 'slow');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    await rt.shape('n1', 'n3', null);
  });

  it.skipIf(!findLibfaketime())('setClockOffset moves the node’s Date.now() live', async () => {
    /** Whether the node's clock is `ms` ahead of ours: its reading must fall inside the request's round trip. */
    const skewed = async (ms: number) => {
      const t0 = Date.now();
      const { now } = (await get(`${ep('n1').clientUrl}/status`)).body;
      const t1 = Date.now();
      return now - t1 - 5 <= ms && ms <= now - t0 + 5;
    };
    expect(await skewed(0)).toBe(true);
    await rt.setClockOffset('n1', 5000);
    expect(await skewed(5000)).toBe(true);
    await rt.setClockOffset('n1', -2500);
    expect(await skewed(-2500)).toBe(true);
    expect(await skewed(0)).toBe(false);
    await rt.setClockOffset('n1', 0);
    expect(await skewed(0)).toBe(true);
  });

  it('rejects unknown nodes and bad input', async () => {
    await expect(rt.kill('n9')).rejects.toThrow(/unknown node n9/);
    await expect(rt.partition({ n9: ['n1'] })).rejects.toThrow(/unknown node n9/);
    await expect(rt.shape('n1', 'n2', { delayMs: 0, jitterMs: 0, lossPct: 200 })).rejects.toThrow(/bad link shape/);
    await expect(rt.setClockOffset('n1', Number.NaN)).rejects.toThrow(/finite/);
    expect(() => createLocalRuntime({ host: '10.0.0.1' })).toThrow(/loopback/);
    expect(() => createLocalRuntime({ readyTimeoutMs: 0 })).toThrow(/readyTimeoutMs/);
    expect(() => createLocalRuntime({ seed: 1.5 })).toThrow(/seed/);
    const other = createLocalRuntime({ markerDir });
    await expect(other.setup({ runId: 'x', nodes: ['a', 'a'], db: echoDb(), runDir: tmp, dbArgs: [] })).rejects.toThrow(/unique/);
    await expect(createLocalRuntime({ markerDir }).setup({ runId: 'x', nodes: ['a b'], db: echoDb(), runDir: tmp, dbArgs: [] })).rejects.toThrow(/names/);
  });

  it('refuses a connection to a peer address that no node dialled, and says so', async () => {
    // This test process is the harness, not a node: its dial would bypass every fault.
    const sock = net.connect({ host: '127.0.0.1', port: Number(rt.describe('n2').addr.peers.n2.split(':')[1]) });
    sock.on('error', () => {});
    await new Promise<void>((resolve) => sock.once('close', () => resolve()));
    const warnings = rt.warnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/refused 1 connection\(s\) whose source node it could not identify \(see .*proxy\.log\)/);
    const log = readFileSync(path.join(tmp, 'run', 'proxy.log'), 'utf8');
    expect(log).toMatch(new RegExp(`refused a connection to n2's peer address: source not identified: .*pid ${process.pid} .*in no node's process tree`));
    expect(rt.proxyConnections()['undefined->n2']).toBeUndefined();
  });

  it('teardown (twice, concurrently) leaves no process and no listening port', async () => {
    const pids = ['n1', 'n2', 'n3'].map((n) => rt.describe(n).pid!);
    const grandchildren = ['n1', 'n2', 'n3'].map((n) => Number(readFileSync(path.join(rt.describe(n).addr.dataDir, 'grandchild.pid'), 'utf8')));
    const ports = [...new Set(['n1', 'n2', 'n3'].flatMap((n) => {
      const a = rt.describe(n).addr;
      return [a.listen, a.client, ...Object.values(a.peers)].map((hp) => Number(hp.split(':')[1]));
    }))];
    expect(ports.every((p) => listeningPorts().has(p))).toBe(true);
    expect(rt.resources().ports.sort()).toEqual(ports.sort());
    expect(rt.resources().pids).toHaveLength(4); // three starts and one restart
    await rt.pause('n3'); // a stopped process must die too
    await rt.partition({ n1: ['n2'] }); // and stalled connections must not keep anything open
    await Promise.all([rt.teardown(), rt.teardown()]);
    await rt.teardown();
    expect([...pids, ...grandchildren, ...rt.resources().pids].filter(alive)).toEqual([]);
    const listening = listeningPorts();
    expect(ports.filter((p) => listening.has(p))).toEqual([]);
    expect(existsSync(path.join(markerDir, `t${process.pid}.json`))).toBe(false);
    await expect(rt.start('n1')).rejects.toThrow(/tearing down/);
  });
});

describe('sweep of a crashed run', () => {
  it('kills the nodes of a run whose harness is dead, and spares live runs', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-sweep-'));
    const markerDir = path.join(tmp, 'markers');
    const rt = createLocalRuntime({ markerDir });
    try {
      await rt.setup({ runId: 'crashed', nodes: ['a', 'b'], db: echoDb({ grandchild: true }), runDir: path.join(tmp, 'run'), dbArgs: [] });
      const pids = ['a', 'b'].map((n) => rt.describe(n).pid!);
      const grandchild = Number(readFileSync(path.join(rt.describe('a').addr.dataDir, 'grandchild.pid'), 'utf8'));
      // While its harness (this process) lives, the run is left alone.
      expect(await sweepLeftovers(markerDir)).toEqual({ runs: [], killed: [], errors: [] });
      // "Crash" the harness: its marker now names a pid that has exited.
      const dead = spawnSync('true').pid!;
      const file = path.join(markerDir, 'crashed.json');
      const marker = JSON.parse(readFileSync(file, 'utf8')) as RunMarker;
      writeFileSync(file, JSON.stringify({ ...marker, harnessPid: dead }));
      const swept = await sweepLeftovers(markerDir);
      expect(swept.runs).toEqual(['crashed']);
      expect(swept.killed).toEqual(expect.arrayContaining([...pids, grandchild]));
      expect([...pids, grandchild].filter(alive)).toEqual([]);
      expect(existsSync(file)).toBe(false);
    } finally {
      await rt.teardown();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('local runtime edges', () => {
  let tmp = '';
  let markerDir = '';
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-edges-'));
    markerDir = path.join(tmp, 'markers');
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('preflight refuses the clock nemesis without libfaketime, naming the Debian package', async () => {
    const rt = createLocalRuntime({ faketime: 'off', markerDir });
    await expect(rt.preflight({ clock: true, packet: false })).rejects.toThrow(UsageError);
    await expect(rt.preflight({ clock: true, packet: false })).rejects.toThrow(/apt-get install faketime libfaketime/);
    await expect(rt.preflight({ clock: false, packet: true })).resolves.toBeUndefined();
  });

  it('runs nodes under libfaketime only when the clock nemesis asked for it', async () => {
    const rt = createLocalRuntime({ markerDir });
    try {
      await rt.setup({ runId: `noclock${process.pid}`, nodes: ['a'], db: echoDb(), runDir: path.join(tmp, 'noclock'), dbArgs: [] });
      const environ = readFileSync(`/proc/${rt.describe('a').pid}/environ`, 'utf8');
      expect(environ).not.toContain('LD_PRELOAD=');
      await expect(rt.setClockOffset('a', 100)).rejects.toThrow(/preflight\(\{clock: true\}\) before setup/);
      await expect(rt.preflight({ clock: true, packet: false })).rejects.toThrow(findLibfaketime() ? /before setup/ : /apt-get/);
    } finally {
      await rt.teardown();
    }
  });

  it('teardown during setup (Ctrl-C) stops it and leaves no process behind', async () => {
    const rt = createLocalRuntime({ markerDir });
    const runId = `early${process.pid}`;
    const setup = rt.setup({ runId, nodes: ['a', 'b', 'c'], db: echoDb({ grandchild: true }), runDir: path.join(tmp, 'early'), dbArgs: [] });
    await new Promise((r) => setTimeout(r, 60));
    const [result] = await Promise.allSettled([setup, rt.teardown(), rt.teardown()]);
    if (result.status === 'rejected') expect(String(result.reason)).toMatch(/tearing down|closed|killed/);
    expect(processesOfRun(runId)).toEqual([]);
    expect(existsSync(path.join(markerDir, `${runId}.json`))).toBe(false);
  });

  it('a node that dies on start fails setup with its exit and stderr, and nothing is left', async () => {
    const rt = createLocalRuntime({ markerDir, readyTimeoutMs: 10_000 });
    const crashing: Db = { ...echoDb(), command: () => ({ cmd: process.execPath, args: ['-e', "console.error('boom: bad flag'); process.exit(3)"] }) };
    const runId = `crash${process.pid}`;
    await expect(rt.setup({ runId, nodes: ['a', 'b'], db: crashing, runDir: path.join(tmp, 'crash'), dbArgs: [] })).rejects.toThrow(/exited with code 3 before it was ready[^]*boom: bad flag/);
    expect(processesOfRun(runId)).toEqual([]);
  });
});
