/**
 * A local cluster of real Paxos node processes on loopback with ephemeral ports, for the
 * cluster tests and the benchmark: start, kill -9, restart on the same data dir, stop all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { paxosDb } from './db.js';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface ClusterNode {
  name: string;
  listen: string;
  client: string;
  url: string;
  dataDir: string;
  proc: ChildProcess | null;
}

export class LocalCluster {
  readonly nodes: ClusterNode[] = [];
  private constructor(
    readonly root: string,
    private readonly extraArgs: string[],
    private readonly nodeFlags: string[],
  ) {}

  /** `extraArgs` go to every node; `nodeFlags` to the node runtime (e.g. --cpu-prof). */
  static async create(size: number, extraArgs: string[] = [], nodeFlags: string[] = []): Promise<LocalCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paxos-cluster-'));
    const c = new LocalCluster(dir, extraArgs, nodeFlags);
    for (let i = 1; i <= size; i++) {
      const listen = `127.0.0.1:${await freePort()}`;
      const client = `127.0.0.1:${await freePort()}`;
      c.nodes.push({ name: `n${i}`, listen, client, url: `http://${client}`, dataDir: path.join(dir, `n${i}`), proc: null });
    }
    return c;
  }

  node(name: string): ClusterNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Spawns the node's process and waits until its client API answers. */
  async start(name: string): Promise<void> {
    const n = this.node(name);
    if (n.proc) throw new Error(`${name} is already running`);
    fs.mkdirSync(n.dataDir, { recursive: true });
    const peers = Object.fromEntries(this.nodes.map((x) => [x.name, x.listen]));
    const { cmd, args } = paxosDb.command({ name, listen: n.listen, client: n.client, peers, dataDir: n.dataDir }, this.extraArgs);
    const out = fs.openSync(path.join(n.dataDir, 'stdout.log'), 'a');
    const proc = spawn(cmd, [...this.nodeFlags, ...args], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    n.proc = proc;
    const logFile = path.join(n.dataDir, 'stdout.log');
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code, sig) => {
        const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
        reject(new Error(`${name} exited (${code ?? sig}) while starting; last lines of ${logFile}:\n${tail}`));
      }),
    );
    exited.catch(() => {});
    const ctl = new AbortController();
    try {
      await Promise.race([paxosDb.ready(n.url, AbortSignal.any([ctl.signal, AbortSignal.timeout(20_000)])), exited]);
    } catch (err) {
      if (proc.exitCode !== null || proc.signalCode !== null) n.proc = null; // refused to start: may be started again
      throw err;
    } finally {
      ctl.abort();
    }
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.start(n.name)));
  }

  /** SIGKILL (or another signal); resolves when the process is gone. */
  async stop(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    const n = this.node(name);
    const proc = n.proc;
    if (!proc) return null;
    n.proc = null;
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
    const done = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill(signal);
    return done;
  }

  /** Kills every process (always safe to call, also after failures) and removes the data dirs. */
  async destroy(keepFiles = false, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stop(n.name, signal)));
    if (!keepFiles) fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** Waits until a running node leads and every running node agrees on it. */
  async waitForLeader(timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const running = this.nodes.filter((n) => n.proc);
      const leaders = await Promise.all(running.map((n) => paxosDb.leader!(n.url).catch(() => null)));
      const agreed = leaders.length > 0 && leaders[0] !== null && leaders.every((l) => l === leaders[0]);
      if (agreed && running.some((n) => n.name === leaders[0])) return leaders[0]!;
      if (Date.now() > deadline) throw new Error(`no agreed leader within ${timeoutMs} ms (saw ${JSON.stringify(leaders)})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
