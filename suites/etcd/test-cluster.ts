/**
 * For the etcd suite's tests: 3 real etcd members started directly (no harness, no proxy), wired
 * peer to peer on free loopback ports, each with its own temp data dir; kill -9 and restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { NodeAddresses, NodeEndpoint } from '../../index.js';
import { etcdDb, findEtcdBinary } from './db.js';

/** Whether the etcd tests run: a binary exists, or CI demands it (then a missing one fails them). */
export const etcdTestsRun = findEtcdBinary() !== null || !!process.env.JEPSEN_TS_REQUIRE_ETCD;

/** A free port from the kernel's ephemeral range (the harness's own ports are below it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export class TestCluster {
  private readonly procs = new Map<string, ChildProcess>();
  readonly stderr = new Map<string, string>();

  private constructor(
    readonly dir: string,
    readonly addrs: NodeAddresses[],
  ) {}

  static async start(names = ['n1', 'n2', 'n3']): Promise<TestCluster> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jt-etcd-'));
    const ports = await Promise.all(names.flatMap(() => [freePort(), freePort()]));
    const peers = Object.fromEntries(names.map((n, i) => [n, `127.0.0.1:${ports[2 * i]}`]));
    const addrs = names.map((name, i) => ({ name, listen: peers[name], client: `127.0.0.1:${ports[2 * i + 1]}`, peers, dataDir: path.join(dir, name) }));
    const c = new TestCluster(dir, addrs);
    await Promise.all(names.map((n) => c.startNode(n)));
    return c;
  }

  get endpoints(): NodeEndpoint[] {
    return this.addrs.map((a) => ({ name: a.name, clientUrl: `http://${a.client}` }));
  }

  endpoint(name: string): NodeEndpoint {
    return this.endpoints.find((e) => e.name === name)!;
  }

  /** Starts `name` (from its data dir, if it has one) and waits until it is healthy. */
  async startNode(name: string, waitReady = true): Promise<void> {
    const addr = this.addrs.find((a) => a.name === name)!;
    const { cmd, args } = etcdDb.command(addr, []);
    const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.stderr.set(name, '');
    proc.stderr!.on('data', (d: Buffer) => this.stderr.set(name, (this.stderr.get(name)! + d.toString()).slice(-20_000)));
    this.procs.set(name, proc);
    if (waitReady) await etcdDb.ready(`http://${addr.client}`, AbortSignal.timeout(30_000));
  }

  pid(name: string): number {
    return this.procs.get(name)!.pid!;
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((n) => this.kill(n)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
