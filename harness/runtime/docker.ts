/**
 * The docker runtime: every node is a container of the node image (docker-image.ts: a Node Db's
 * bundled entry script, or the files a native Db such as etcd lists in Db.docker.files) on the
 * run's own bridge network (docker-network.ts) with a static address, its data on a named
 * volume (/data), only the NET_ADMIN capability, and its client port published on
 * 127.0.0.1:<port chosen here>, fixed for the container's life so a restarted node keeps its
 * URL. Faults: partition and packet = iptables/tc inside the container by exec
 * (docker-rules.ts); kill = SIGKILL, start = start of the same container; pause = the engine's
 * cgroup freezer; clock = libfaketime reading /data/faketime, rewritten by exec; power loss and
 * slow disks = faultfs (faultfs.ts) mounted on the host over `<runDir>/nodes/<name>/disk`,
 * which is then /data instead of the volume (so the engine must run on this machine). Everything
 * goes through dockerode (docker-engine.ts), so DOCKER_HOST and remote engines work.
 * Every container, network and volume carries the run id label; teardown removes them all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { NodeAddresses } from '../../ground/db.js';
import { connectEngine, execIn, getFile, labelled, putFiles, removeResources, requireEngine, runLabels, sweepDockerLeftovers } from './docker-engine.js';
import { BASE_ENV, containerCommand, ensureNodeImage, offlineBaseTag } from './docker-image.js';
import { createRunNetwork, demuxLogs, nodeAddress, whyNoAnswer } from './docker-network.js';
import { applyCommand, NETEM_PROBE, type NodeNetState } from './docker-rules.js';
import { faketimeEnv, formatOffset } from './faketime.js';
import { checkFaultfs, FaultFs } from './faultfs.js';
import { allocatePorts, releasePorts } from './ports.js';
import type { ClusterSpec, Grudge, LinkShape, NodeEndpoint, NodeName, Runtime, RuntimeNeeds, SlowDisk } from '../../ground/runtime.js';
import { UsageError } from '../../ground/runtime.js';

export interface DockerRuntimeOptions {
  /** How long a node may take to answer after (re)start (default 30 s). */
  readyTimeoutMs?: number;
  /** Base image of the node image (default $JEPSEN_TS_DOCKER_BASE, else the offline base). */
  baseImage?: string;
  /** Host address client ports are published on, and clients connect to (default 127.0.0.1). */
  clientHost?: string;
  /** Progress lines (image builds). */
  log?: (line: string) => void;
}

const PEER_PORT = 7000;
const CLIENT_PORT = 8000;
const READY_ATTEMPT_MS = 2_000;
const DATA = '/data';
const DATA_DIR = `${DATA}/node`;
const CLOCK_FILE = `${DATA}/faketime`;
const LIBFAKETIME = '/opt/jepsen-ts/libfaketime.so.1';
const NODE_NAME = /^[A-Za-z0-9_.-]+$/;

export function createDockerRuntime(opts: DockerRuntimeOptions = {}): DockerRuntime {
  return new DockerRuntime(opts);
}

interface DockerNode {
  name: NodeName;
  ip: string;
  container: Docker.Container;
  volume: string;
  hostPort: number;
  dir: string;
  clientUrl: string;
  paused: boolean;
  /** Network state not yet applied because the container was down or paused. */
  netDirty: boolean;
  /** The clock file's next contents, and the write in progress (see setClockOffset). */
  clockWanted: string | null;
  clockWriting: Promise<void> | null;
  /** The disk layer /data is bound to (preflight({disk: true}) only). */
  disk: FaultFs | null;
}

export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const;
  private readonly docker: Docker;
  private readonly clientHost: string;
  private clocks = false;
  private netem = false;
  private disks = false;
  private engineChecked = false;
  private cluster: ClusterSpec | null = null;
  private image: string | null = null;
  private readonly nodes = new Map<NodeName, DockerNode>();
  private grudge: Grudge = {};
  private readonly shapes = new Map<NodeName, Map<NodeName, LinkShape>>();
  private ports: number[] = [];
  private readonly created = { containers: [] as string[], networks: [] as string[], volumes: [] as string[] };
  private tearingDown: Promise<void> | null = null;
  /** Every faultfs mounted, also those of nodes whose container was never created. */
  private readonly disksMounted: FaultFs[] = [];

  constructor(private readonly opts: DockerRuntimeOptions = {}) {
    if (opts.readyTimeoutMs !== undefined && !(Number.isFinite(opts.readyTimeoutMs) && opts.readyTimeoutMs > 0)) {
      throw new RangeError(`readyTimeoutMs must be > 0, got ${opts.readyTimeoutMs}`);
    }
    this.clientHost = opts.clientHost ?? '127.0.0.1';
    if (!this.clientHost.startsWith('127.')) throw new UsageError(`the docker runtime publishes client ports on loopback only, got ${this.clientHost}`);
    this.docker = connectEngine();
  }

  /** Engine reachable; the base image there; netem probed when the packet nemesis is asked for. */
  async preflight(needs: RuntimeNeeds): Promise<void> {
    if (this.cluster) throw new Error('preflight must come before setup');
    await this.checkEngine();
    if (needs.clock) this.clocks = true;
    if (needs.packet) {
      this.netem = await this.probeNetem();
      if (!this.netem) {
        throw new UsageError(
          '--nemesis packet on --runtime docker needs tc netem to delay packets, but the engine\'s kernel has no sch_netem module (load it on the engine host: `modprobe sch_netem`); use --runtime local for packet faults',
        );
      }
    }
    if (needs.disk) {
      if (process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith('unix://')) throw new UsageError('disk faults on --runtime docker mount faultfs on this machine, so the engine must run here (DOCKER_HOST names a remote one)');
      await checkFaultfs();
      this.disks = true;
    }
  }

  async setup(cluster: ClusterSpec): Promise<NodeEndpoint[]> {
    if (this.cluster) throw new Error('setup called twice on one runtime');
    if (this.tearingDown) throw new Error('setup after teardown');
    validateCluster(cluster);
    this.cluster = cluster;
    try {
      await this.checkEngine();
      await sweepDockerLeftovers(this.docker);
      await this.build(cluster);
      await Promise.all([...this.nodes.keys()].map((n) => this.start(n)));
    } catch (e) {
      await this.teardown().catch(() => {}); // the setup error is the one worth reporting
      throw e;
    }
    return [...this.nodes.values()].map((n) => ({ name: n.name, clientUrl: n.clientUrl }));
  }

  private async checkEngine(): Promise<void> {
    if (this.engineChecked) return;
    await requireEngine(this.docker);
    this.engineChecked = true;
  }

  /** Runs NETEM_PROBE in a throwaway container of the base image (the engine's kernel, not ours). */
  private async probeNetem(): Promise<boolean> {
    const base = this.opts.baseImage ?? process.env[BASE_ENV] ?? offlineBaseTag();
    const container = await this.docker.createContainer({
      Image: base,
      Cmd: NETEM_PROBE,
      Labels: runLabels(`probe-${process.pid}`),
      HostConfig: { CapAdd: ['NET_ADMIN'], NetworkMode: 'none' },
    }).catch((err: Error) => {
      throw new UsageError(`--runtime docker: cannot probe for netem with image ${base} (${err.message.split('\n')[0]})`);
    });
    try {
      await container.start();
      const r = (await container.wait()) as { StatusCode: number };
      return r.StatusCode === 0;
    } finally {
      await container.remove({ force: true }).catch(() => {});
    }
  }

  /** Image, network, volumes, ports and containers (created, not started). */
  private async build(cluster: ClusterSpec): Promise<void> {
    const labels = runLabels(cluster.runId);
    const net = await createRunNetwork(this.docker, cluster.runId, labels);
    this.created.networks.push(net.id);
    const ips = new Map(cluster.nodes.map((n, i) => [n, nodeAddress(net.subnet, i)]));
    // One peer list for every node, itself included (as etcd's --initial-cluster has it).
    const peers: Record<NodeName, string> = Object.fromEntries(cluster.nodes.map((p) => [p, `${ips.get(p)}:${PEER_PORT}`]));
    // Read once: a Db may compute its files (etcd names the binary it resolved).
    const files = cluster.db.docker?.files ?? [];
    const commands = cluster.nodes.map((name) => {
      const addr: NodeAddresses = {
        name,
        listen: `${ips.get(name)}:${PEER_PORT}`,
        client: `0.0.0.0:${CLIENT_PORT}`,
        peers: { ...peers },
        dataDir: DATA_DIR,
      };
      const run = cluster.db.command(addr, cluster.dbArgs);
      return { name, run, ...containerCommand(run, files) };
    });
    const entry = commands[0].entry;
    for (const c of commands) if (c.entry !== entry) throw new UsageError(`the docker runtime needs one entry script for all nodes, got ${entry} and ${c.entry}`);
    this.image = await ensureNodeImage(this.docker, { entry, files, baseImage: this.opts.baseImage, log: this.opts.log });
    this.ports = await allocatePorts(cluster.nodes.length, this.clientHost);

    await Promise.all(
      commands.map(async ({ name, run, argv }, i) => {
        const dir = path.resolve(cluster.runDir, 'nodes', name);
        mkdirSync(dir, { recursive: true });
        const volume = `${cluster.runId}-${name}`;
        let disk: FaultFs | null = null;
        if (this.disks) {
          mkdirSync(path.join(dir, 'disk'), { recursive: true });
          disk = await FaultFs.mount(path.join(dir, 'disk'));
          this.disksMounted.push(disk);
        } else {
          await this.docker.createVolume({ Name: volume, Labels: labels });
          this.created.volumes.push(volume);
        }
        const env = { ...run.env, ...(this.clocks ? faketimeEnv(LIBFAKETIME, CLOCK_FILE) : {}) };
        const hostPort = this.ports[i];
        const container = await this.docker.createContainer({
          name: `${cluster.runId}-${name}`,
          Hostname: name,
          Image: this.image!,
          // The image has no ENTRYPOINT: each container runs the Db's command (see containerCommand).
          Entrypoint: [argv[0]],
          Cmd: argv.slice(1),
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          Labels: labels,
          ExposedPorts: { [`${CLIENT_PORT}/tcp`]: {} },
          HostConfig: {
            CapAdd: ['NET_ADMIN'],
            NetworkMode: cluster.runId,
            Mounts: [disk ? { Type: 'bind', Source: disk.dir, Target: DATA } : { Type: 'volume', Source: volume, Target: DATA }],
            PortBindings: { [`${CLIENT_PORT}/tcp`]: [{ HostIp: this.clientHost, HostPort: String(hostPort) }] },
          },
          NetworkingConfig: { EndpointsConfig: { [cluster.runId]: { IPAMConfig: { IPv4Address: ips.get(name)! } } } },
        });
        this.created.containers.push(container.id);
        if (this.clocks) await putFiles(container, DATA, { faketime: `${formatOffset(0)}\n` });
        this.nodes.set(name, { name, ip: ips.get(name)!, container, volume, hostPort, dir, clientUrl: `http://${this.clientHost}:${hostPort}`, paused: false, netDirty: false, clockWanted: null, clockWriting: null, disk });
      }),
    );
  }

  /** Starts a node's container when it is down (no-op when it runs) and waits until it answers. */
  async start(node: NodeName): Promise<void> {
    const n = this.node(node);
    if (this.tearingDown) throw new Error(`cannot start ${node}: the runtime is tearing down`);
    // Running (or frozen) already: nothing to start, as in the local runtime.
    if ((await n.container.inspect()).State.Running) return;
    await n.container.start();
    n.paused = false;
    // A new start is a new, empty network namespace: the faults in force go back in at once
    // (nothing to do when none is in force, which saves an exec on the startup path).
    const net = this.netState(n);
    if (net.dropFrom.length > 0 || net.shapes.length > 0) await this.applyNet(n);
    else n.netDirty = false;
    await this.waitReady(n);
  }

  /**
   * Db.ready in attempts of READY_ATTEMPT_MS, each with its own plain timer. A probe sent while
   * a fresh container's network is still coming up can hang inside docker-proxy (its dial to
   * the container waits out TCP's SYN retries); a new attempt is a new connection that gets
   * through. (Seen here: Db.ready's own per-request timeout did not end such a probe.)
   */
  private async waitReady(n: DockerNode): Promise<void> {
    const limitMs = this.opts.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + limitMs;
    const db = this.cluster!.db;
    for (;;) {
      const attempt = new AbortController();
      const timer = setTimeout(() => attempt.abort(new Error('ready attempt timed out')), Math.min(READY_ATTEMPT_MS, Math.max(1, deadline - Date.now())));
      try {
        await db.ready(n.clientUrl, attempt.signal);
        return;
      } catch (err) {
        if (!attempt.signal.aborted) throw err;
      } finally {
        clearTimeout(timer);
      }
      if (Date.now() >= deadline) break;
    }
    throw new Error(`${n.name} did not answer at ${n.clientUrl} within ${limitMs / 1000} s: ${await whyNoAnswer(n.container, CLIENT_PORT)}`);
  }

  async kill(node: NodeName): Promise<void> {
    const n = this.node(node);
    // The engine refuses to kill a frozen container; thaw it first (the SIGKILL follows at once).
    if (n.paused) await this.resume(node);
    try {
      await n.container.kill({ signal: 'SIGKILL' });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err; // 409: not running
    }
    await n.container.wait({ condition: 'not-running' });
  }

  async powerLoss(node: NodeName, opts: { torn: boolean; seed: number }): Promise<string> {
    return this.requireDisk(this.node(node)).powerLoss(opts, () => this.kill(node));
  }

  async slowDisk(node: NodeName, slow: SlowDisk | null): Promise<void> {
    await this.requireDisk(this.node(node)).slow(slow);
  }

  private requireDisk(n: DockerNode): FaultFs {
    if (!n.disk) throw new UsageError('disk faults need the nodes on faultfs: call preflight({disk: true}) before setup');
    return n.disk;
  }

  async pause(node: NodeName): Promise<void> {
    const n = this.node(node);
    await n.container.pause();
    n.paused = true;
  }

  async resume(node: NodeName): Promise<void> {
    const n = this.node(node);
    if (!n.paused) return;
    await n.container.unpause();
    n.paused = false;
    if (n.netDirty) await this.applyNet(n);
  }

  /** Replaces the grudge in force (Jepsen's semantics: a new partition is not added to the old one). */
  async partition(grudge: Grudge): Promise<void> {
    for (const [a, bs] of Object.entries(grudge)) [a, ...bs].forEach((x) => this.node(x));
    this.grudge = structuredClone(grudge);
    await Promise.all([...this.nodes.values()].map((n) => this.applyNet(n)));
  }

  async heal(): Promise<void> {
    this.grudge = {};
    await Promise.all([...this.nodes.values()].map((n) => this.applyNet(n)));
  }

  async shape(from: NodeName, to: NodeName, shape: LinkShape | null): Promise<void> {
    const n = this.node(from);
    this.node(to);
    if (shape && (shape.delayMs > 0 || shape.jitterMs > 0) && !this.netem) {
      throw new UsageError('delaying packets on --runtime docker needs tc netem (kernel module sch_netem): call preflight({packet: true}) first');
    }
    const links = this.shapes.get(from) ?? new Map<NodeName, LinkShape>();
    if (shape) links.set(to, { ...shape });
    else links.delete(to);
    this.shapes.set(from, links);
    await this.applyNet(n);
  }

  /**
   * Writes the node's libfaketime file. Writes to one node are coalesced (the newest offset
   * wins): an exec takes tens of ms, and a strobing clock nemesis asks faster than that, so a
   * queue of every request would grow without bound and lag behind real time.
   */
  async setClockOffset(node: NodeName, ms: number): Promise<void> {
    const n = this.node(node);
    if (!this.clocks) throw new UsageError('clock offsets need the nodes under libfaketime: call preflight({clock: true}) before setup');
    n.clockWanted = `${formatOffset(ms)}\n`;
    n.clockWriting ??= (async () => {
      try {
        while (n.clockWanted !== null) {
          const text = n.clockWanted;
          n.clockWanted = null;
          await this.writeClock(n, text);
        }
      } finally {
        n.clockWriting = null;
      }
    })();
    return n.clockWriting;
  }

  private async writeClock(n: DockerNode, text: string): Promise<void> {
    const r = n.paused ? null : await execIn(n.container, ['sh', '-c', `printf %s "$1" > ${CLOCK_FILE}.tmp && mv -f ${CLOCK_FILE}.tmp ${CLOCK_FILE}`, 'sh', text]).catch(() => null);
    // A stopped or frozen container cannot exec; its volume can still be written.
    if (!r || r.exitCode !== 0) await putFiles(n.container, DATA, { faketime: text });
  }

  /** This node's part of the faults in force. */
  private netState(n: DockerNode): NodeNetState {
    return {
      dropFrom: (this.grudge[n.name] ?? []).map((p) => this.node(p).ip),
      shapes: [...(this.shapes.get(n.name) ?? new Map<NodeName, LinkShape>())].map(([to, shape]) => ({ to: this.node(to).ip, shape })),
    };
  }

  /** Puts a node's faults in force; a node that is down or frozen gets them when it runs again. */
  private async applyNet(n: DockerNode): Promise<void> {
    n.netDirty = true;
    if (n.paused) return;
    let r;
    try {
      r = await execIn(n.container, applyCommand(this.netState(n), this.netem));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 409) return; // not running: applied at start
      throw err;
    }
    if (r.exitCode !== 0) throw new Error(`${n.name}: applying network faults failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    n.netDirty = false;
  }

  /** Copies each node's container output and the Db's log files (from its volume) into `<runDir>/nodes/<name>/`. */
  async collectLogs(): Promise<void> {
    const db = this.cluster?.db;
    if (!db) return;
    await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        const logs = demuxLogs((await n.container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
        writeFileSync(path.join(n.dir, 'stdout.log'), logs.stdout);
        writeFileSync(path.join(n.dir, 'stderr.log'), logs.stderr);
        for (const f of db.logFiles) {
          const body = await getFile(n.container, path.posix.join(DATA_DIR, f));
          if (body) writeFileSync(path.join(n.dir, path.basename(f)), body);
        }
      }),
    );
  }

  /** Removes every container, the network and the volumes of this run. Idempotent; safe to call concurrently. */
  teardown(): Promise<void> {
    this.tearingDown ??= (async () => {
      const errors: string[] = [];
      if (this.cluster && this.engineChecked) {
        // What this runtime created, plus anything else carrying the run's label (a create
        // whose answer was lost to a signal still left a labelled resource).
        const more = await labelled(this.docker, this.cluster.runId).catch(() => []);
        for (const x of more) if (!this.created[x.kind].includes(x.id)) this.created[x.kind].push(x.id);
        errors.push(...(await removeResources(this.docker, this.created)));
      }
      // After the containers: a disk unmounted under a live node would fail its writes.
      await Promise.all(this.disksMounted.map((d) => d.unmount().catch((e: Error) => void errors.push(e.message))));
      releasePorts(this.ports);
      if (errors.length > 0) throw new Error(`teardown: ${errors.join('; ')}`);
    })();
    return this.tearingDown;
  }

  /** Container, address and published port of a node (for diagnostics and tests). */
  describe(node: NodeName): { containerId: string; ip: string; hostPort: number; volume: string; dir: string } {
    const n = this.node(node);
    return { containerId: n.container.id, ip: n.ip, hostPort: n.hostPort, volume: n.volume, dir: n.dir };
  }

  /** The image the nodes run (null before setup). */
  imageTag(): string | null {
    return this.image;
  }

  private node(name: NodeName): DockerNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`unknown node ${name} (cluster: ${[...this.nodes.keys()].join(', ') || 'not set up'})`);
    return n;
  }
}

function validateCluster(c: ClusterSpec): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(c.runId)) throw new UsageError(`run id must be [A-Za-z0-9_.-]+, got "${c.runId}"`);
  if (c.nodes.length === 0) throw new UsageError('a cluster needs at least one node');
  if (c.nodes.length > 200) throw new UsageError(`the docker runtime fits at most 200 nodes in its /24, got ${c.nodes.length}`);
  const bad = c.nodes.find((n) => !NODE_NAME.test(n));
  if (bad !== undefined) throw new UsageError(`node names must be [A-Za-z0-9_.-]+, got "${bad}"`);
  if (new Set(c.nodes).size !== c.nodes.length) throw new UsageError(`node names must be unique: ${c.nodes.join(', ')}`);
}
