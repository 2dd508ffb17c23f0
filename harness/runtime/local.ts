/**
 * The local runtime: every node is a child process on this machine (no root, no Docker), with
 * its own dir `<runDir>/nodes/<name>/` (data/, stdout.log, stderr.log, faketime). All traffic
 * between nodes passes through the fault proxy (proxy.ts): every node gets the same peer list,
 * whose address for b (b itself included) is the proxy's listener for b; the proxy tells the
 * source of each connection by the process that dialled it (dialler.ts), so it is told each
 * node's pid at every (re)start. Connections it cannot attribute are refused and logged in
 * `<runDir>/proxy.log`; warnings() counts them for the run's summary. Faults: kill = SIGKILL of
 * the node's process group, pause = SIGSTOP/SIGCONT, clock = libfaketime (faketime.ts),
 * partition and packet = the proxy, power loss and slow disks = faultfs mounted over each data
 * dir (faultfs.ts; only when asked for). Teardown kills everything and is safe to call twice or
 * concurrently. Should the harness die (even of SIGKILL), its nodes die with it (leash.ts); a
 * marker file lets the next run (or `jepsen-ts clean`) sweep whatever still outlived it
 * (sweep.ts).
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeAddresses } from '../../ground/db.js';
import { Rng } from '../../ground/rng.js';
import { FAKETIME_PACKAGES, faketimeEnv, findLibfaketime, writeOffset } from './faketime.js';
import { checkFaultfs, FaultFs } from './faultfs.js';
import { Leash } from './leash.js';
import { NodeProcess } from './node-process.js';
import { allocatePorts, releasePorts } from './ports.js';
import { FaultProxy, type ProxyOptions } from './proxy.js';
import type { ClusterSpec, Grudge, LinkShape, NodeEndpoint, NodeName, Runtime, RuntimeNeeds, SlowDisk } from '../../ground/runtime.js';
import { UsageError } from '../../ground/runtime.js';
import { defaultMarkerDir, processStart, removeMarker, RUN_ENV, sweepLeftovers, writeMarker, type RunMarker } from './sweep.js';

export interface LocalRuntimeOptions {
  /** Loopback address for every listener (default 127.0.0.1). */
  host?: string;
  /** How long a node may take to answer after (re)start (default 30 s). */
  readyTimeoutMs?: number;
  /** Seeds the proxy's delay/loss choices (default 0). */
  seed?: number;
  /**
   * When nodes run under libfaketime (it costs a file read per clock call): 'auto' (default)
   * when preflight was asked for the clock nemesis, 'always' when it is installed, 'off' never.
   */
  faketime?: 'auto' | 'always' | 'off';
  /** Where run markers live (default $TMPDIR/jepsen-ts/runs). */
  markerDir?: string;
  /** Working directory of node commands (default: the repo root). */
  cwd?: string;
  /** Proxy tuning (TCP retransmission model); mostly for tests. */
  proxy?: Omit<ProxyOptions, 'host' | 'rng'>;
}

const NODE_NAME = /^[A-Za-z0-9_.-]+$/;

export function createLocalRuntime(opts: LocalRuntimeOptions = {}): LocalRuntime {
  return new LocalRuntime(opts);
}

interface LocalNode {
  addr: NodeAddresses;
  dir: string;
  clockFile: string;
  proc: NodeProcess;
  clientUrl: string;
  /** The disk layer over the data dir (preflight({disk: true}) only). */
  disk: FaultFs | null;
}

export class LocalRuntime implements Runtime {
  readonly name = 'local' as const;
  private readonly host: string;
  private readonly markerDir: string;
  private readonly libfaketime: string | null;
  /** Whether nodes are (to be) started under libfaketime. */
  private clocks: boolean;
  /** Whether data dirs sit on faultfs. */
  private disks = false;
  private cluster: ClusterSpec | null = null;
  private proxy: FaultProxy | null = null;
  private leash: Leash | null = null;
  private readonly nodes = new Map<NodeName, LocalNode>();
  private ports: number[] = [];
  private proxyPorts: number[] = [];
  /** Every pid this runtime ever spawned (restarts included). */
  private readonly spawned: number[] = [];
  private tearingDown: Promise<void> | null = null;

  constructor(private readonly opts: LocalRuntimeOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    if (!this.host.startsWith('127.')) throw new UsageError(`the local runtime only uses loopback addresses, got ${this.host}`);
    if (opts.readyTimeoutMs !== undefined && !(Number.isFinite(opts.readyTimeoutMs) && opts.readyTimeoutMs > 0)) {
      throw new RangeError(`readyTimeoutMs must be > 0, got ${opts.readyTimeoutMs}`);
    }
    if (opts.seed !== undefined && !Number.isSafeInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
    if (opts.faketime !== undefined && !['auto', 'always', 'off'].includes(opts.faketime)) throw new RangeError(`faketime must be auto|always|off, got ${String(opts.faketime)}`);
    this.markerDir = opts.markerDir ?? defaultMarkerDir();
    this.libfaketime = opts.faketime === 'off' ? null : findLibfaketime();
    this.clocks = opts.faketime === 'always' && this.libfaketime !== null;
  }

  async preflight(needs: RuntimeNeeds): Promise<void> {
    if (needs.clock && !this.libfaketime) {
      const why = this.opts.faketime === 'off' ? 'which is turned off for this runtime' : 'which is not installed';
      throw new UsageError(`the clock nemesis needs libfaketime, ${why}: ${FAKETIME_PACKAGES}`);
    }
    if (needs.clock) {
      if (this.cluster) throw new Error('preflight({clock: true}) must come before setup');
      this.clocks = true;
    }
    // packet faults are the proxy's job: always available.
    if (needs.disk) {
      if (this.cluster) throw new Error('preflight({disk: true}) must come before setup');
      await checkFaultfs();
      this.disks = true;
    }
  }

  async setup(cluster: ClusterSpec): Promise<NodeEndpoint[]> {
    if (this.cluster) throw new Error('setup called twice on one runtime');
    if (this.tearingDown) throw new Error('setup after teardown');
    validateCluster(cluster);
    this.cluster = cluster;
    await sweepLeftovers(this.markerDir);
    try {
      await this.build(cluster);
      this.writeMarker();
      await Promise.all([...this.nodes.keys()].map((n) => this.start(n)));
      // An answer on a node's port is only ours if the node still runs: one that failed to
      // listen (the port taken meanwhile) has exited, and whatever answered was someone else.
      for (const n of this.nodes.values()) if (!n.proc.running) throw new Error(`node ${n.addr.name} exited during setup although ${n.clientUrl} answered: another process holds its port${n.proc.stderrTail()}`);
    } catch (e) {
      await this.teardown().catch(() => {}); // the setup error is the one worth reporting
      throw e;
    }
    return [...this.nodes.values()].map((n) => ({ name: n.addr.name, clientUrl: n.clientUrl }));
  }

  /** Ports, proxy links, dirs and node processes (not started). */
  private async build(cluster: ClusterSpec): Promise<void> {
    const { host } = this;
    const proxyLog = path.resolve(cluster.runDir, 'proxy.log');
    mkdirSync(path.dirname(proxyLog), { recursive: true });
    const log = (line: string) => {
      try {
        appendFileSync(proxyLog, `${line}\n`);
      } catch {
        // a convenience: a full disk must not break the proxy (warnings() still counts)
      }
    };
    this.proxy = new FaultProxy({ ...this.opts.proxy, host, rng: new Rng(this.opts.seed ?? 0), log });
    this.ports = await allocatePorts(2 * cluster.nodes.length, host);
    const listen = new Map(cluster.nodes.map((n, i) => [n, this.ports[2 * i]]));
    const client = new Map(cluster.nodes.map((n, i) => [n, this.ports[2 * i + 1]]));
    // One peer list for every node, itself included (etcd's --initial-cluster must list a
    // member's own advertised peer URL, which is its proxy listener).
    const peers: Record<NodeName, string> = {};
    for (const n of cluster.nodes) {
      const via = await this.proxy.addNode(n, { host, port: listen.get(n)! });
      peers[n] = `${via.host}:${via.port}`;
      this.proxyPorts.push(via.port);
    }
    const cwd = this.opts.cwd ?? repoRoot();
    this.leash = new Leash({ PATH: process.env.PATH ?? '/usr/bin:/bin', [RUN_ENV]: cluster.runId });
    for (const name of cluster.nodes) {
      const dir = path.resolve(cluster.runDir, 'nodes', name);
      const dataDir = path.join(dir, 'data');
      mkdirSync(dataDir, { recursive: true });
      const addr: NodeAddresses = {
        name,
        listen: `${host}:${listen.get(name)}`,
        client: `${host}:${client.get(name)}`,
        peers: { ...peers },
        dataDir,
      };
      const clockFile = path.join(dir, 'faketime');
      const run = cluster.db.command(addr, cluster.dbArgs);
      const env: Record<string, string> = { ...(process.env as Record<string, string>), ...run.env, [RUN_ENV]: cluster.runId };
      if (this.clocks && this.libfaketime) {
        writeOffset(clockFile, 0);
        Object.assign(env, faketimeEnv(this.libfaketime, clockFile));
      }
      const proc = new NodeProcess(name, {
        cmd: run.cmd,
        args: run.args,
        env,
        cwd,
        stdoutFile: path.join(dir, 'stdout.log'),
        stderrFile: path.join(dir, 'stderr.log'),
        leash: this.leash,
      });
      this.nodes.set(name, { addr, dir, clockFile, proc, clientUrl: `http://${addr.client}`, disk: null });
    }
    if (this.disks) {
      for (const n of this.nodes.values()) {
        n.disk = await FaultFs.mount(n.addr.dataDir, { [RUN_ENV]: cluster.runId });
        this.writeMarker();
      }
    }
  }

  /** Starts a node that is down (no-op when it runs) and waits until it answers. */
  async start(node: NodeName): Promise<void> {
    const n = this.node(node);
    if (n.proc.running) return;
    if (this.tearingDown) throw new Error(`cannot start ${node}: the runtime is tearing down`);
    const pid = n.proc.spawn();
    this.spawned.push(pid);
    // At once, before any await: the node's first dial must already be attributable to it.
    this.requireProxy().setPid(node, pid);
    this.writeMarker();
    const db = this.cluster!.db;
    await n.proc.waitReady((signal) => db.ready(n.clientUrl, signal), this.opts.readyTimeoutMs ?? 30_000);
  }

  async kill(node: NodeName): Promise<void> {
    await this.node(node).proc.kill();
    this.proxy?.setPid(node, null); // its pid may be reused by a process that is not the node
    this.writeMarker();
  }

  async powerLoss(node: NodeName, opts: { torn: boolean; seed: number }): Promise<string> {
    return this.requireDisk(this.node(node)).powerLoss(opts, () => this.kill(node));
  }

  async slowDisk(node: NodeName, slow: SlowDisk | null): Promise<void> {
    await this.requireDisk(this.node(node)).slow(slow);
  }

  async pause(node: NodeName): Promise<void> {
    this.node(node).proc.pause();
  }

  async resume(node: NodeName): Promise<void> {
    this.node(node).proc.resume();
  }

  /** Replaces the grudge in force (Jepsen's semantics: a new partition is not added to the old one). */
  async partition(grudge: Grudge): Promise<void> {
    this.requireProxy().partition(grudge);
  }

  async heal(): Promise<void> {
    this.requireProxy().heal();
  }

  async shape(from: NodeName, to: NodeName, shape: LinkShape | null): Promise<void> {
    this.requireProxy().shape(from, to, shape);
  }

  async setClockOffset(node: NodeName, ms: number): Promise<void> {
    const n = this.node(node);
    if (!this.clocks) throw new UsageError('clock offsets need the nodes under libfaketime: call preflight({clock: true}) before setup');
    writeOffset(n.clockFile, ms);
  }

  /**
   * Copies the Db's log files (node log, event log, ...) from each data dir into the node dir,
   * next to stdout.log/stderr.log. Decided logs are served over the client API and fetched by
   * the lifecycle (Db.decidedLog), not here.
   */
  async collectLogs(): Promise<void> {
    const db = this.cluster?.db;
    if (!db) return;
    for (const n of this.nodes.values()) {
      for (const f of db.logFiles) {
        const src = path.join(n.addr.dataDir, f);
        if (existsSync(src)) copyFileSync(src, path.join(n.dir, path.basename(f)));
      }
    }
  }

  /** Kills every node, closes the proxy, removes the marker. Idempotent and safe to call concurrently. */
  teardown(): Promise<void> {
    this.tearingDown ??= (async () => {
      const errors: string[] = [];
      await Promise.all(
        [...this.nodes.values()].map((n) => n.proc.kill().catch((e: Error) => void errors.push(e.message))),
      );
      await this.leash?.close();
      // After the nodes: a disk unmounted under a live node would fail its writes.
      await Promise.all([...this.nodes.values()].map((n) => n.disk?.unmount().catch((e: Error) => void errors.push(e.message))));
      await this.proxy?.close();
      releasePorts(this.ports);
      if (this.cluster) removeMarker(this.markerDir, this.cluster.runId);
      if (errors.length > 0) throw new Error(`teardown: ${errors.join('; ')}`);
    })();
    return this.tearingDown;
  }

  /** Addresses and pid of a node (for diagnostics and tests). */
  describe(node: NodeName): { addr: NodeAddresses; pid: number | null; running: boolean; paused: boolean; dir: string } {
    const n = this.node(node);
    return { addr: n.addr, pid: n.proc.pid, running: n.proc.running, paused: n.proc.isPaused, dir: n.dir };
  }

  /**
   * Every process this runtime spawned and every port it listened on or handed to a node, also
   * after teardown: what a test checks to prove nothing was left behind.
   */
  resources(): { pids: number[]; ports: number[] } {
    return { pids: [...this.spawned], ports: [...this.ports, ...this.proxyPorts] };
  }

  /** Open proxied connections per directed link "a->b" (for diagnostics and tests). */
  proxyConnections(): Record<string, number> {
    return this.requireProxy().connectionCounts();
  }

  /**
   * What a user should know about this run's runtime: connections the proxy refused because
   * no node's process dialled them (each one is in proxy.log, with whose socket it was).
   */
  warnings(): string[] {
    const n = this.proxy?.refused ?? 0;
    if (n === 0) return [];
    return [`the fault proxy refused ${n} connection(s) whose source node it could not identify (see ${path.resolve(this.cluster!.runDir, 'proxy.log')})`];
  }

  private node(name: NodeName): LocalNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`unknown node ${name} (cluster: ${[...this.nodes.keys()].join(', ') || 'not set up'})`);
    return n;
  }

  private requireDisk(n: LocalNode): FaultFs {
    if (!n.disk) throw new UsageError('disk faults need the nodes on faultfs: call preflight({disk: true}) before setup');
    return n.disk;
  }

  private requireProxy(): FaultProxy {
    if (!this.proxy) throw new Error('runtime not set up');
    return this.proxy;
  }

  private writeMarker(): void {
    const c = this.cluster!;
    if (this.tearingDown) return;
    const marker: RunMarker = {
      runId: c.runId,
      harnessPid: process.pid,
      harnessStart: processStart(process.pid)!,
      runDir: path.resolve(c.runDir),
      nodes: Object.fromEntries([...this.nodes].map(([name, n]) => [name, { pid: n.proc.pid, dataDir: n.addr.dataDir, ...(n.disk ? { mounted: true } : {}) }])),
    };
    writeMarker(this.markerDir, marker);
  }
}

function validateCluster(c: ClusterSpec): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(c.runId)) throw new UsageError(`run id must be [A-Za-z0-9_.-]+, got "${c.runId}"`);
  if (c.nodes.length === 0) throw new UsageError('a cluster needs at least one node');
  const bad = c.nodes.find((n) => !NODE_NAME.test(n));
  if (bad !== undefined) throw new UsageError(`node names must be [A-Za-z0-9_.-]+, got "${bad}"`);
  if (new Set(c.nodes).size !== c.nodes.length) throw new UsageError(`node names must be unique: ${c.nodes.join(', ')}`);
}

/** The directory holding jepsen-ts's package.json (works from harness/ and from dist/harness/). */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && !dir.endsWith(`${path.sep}dist`)) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
