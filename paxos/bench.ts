/**
 * `npm run bench:paxos`: throughput and latency of a real 3-node cluster on loopback (fsync
 * on, event log on), through keep-alive HTTP clients (raw sockets, bench-client.ts). Writes and linearizable
 * reads at each concurrency for --seconds each; prints ops/s, p50 and p99, and what explains
 * them: the disk's fsync latency, commands per decided slot, the leader's fsyncs per second,
 * the leader's peer messages per op and per corked socket flush (one flush = one write syscall
 * per peer),
 * and CPU milliseconds per operation of every process (leader, each follower, the client).
 *
 * On a machine shared with other work, ops/s measures the machine's load as much as the
 * system; CPU per operation does not. The sum over all processes gives a ceiling for this
 * machine, "cap/s" = cores * 1000 / total CPU ms per op (what a dedicated machine could reach
 * if the CPU, not fsync latency, is the limit).
 *
 *   npm run bench:paxos -- --seconds 3 --concurrency 1,16,64 --target leader
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Pool } from 'undici';
import { LocalCluster } from './cluster.js';
import { RawHttpClient } from './bench-client.js';
import { processCpuMs } from './cpu.js';

function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One operation through whichever client the bench uses: resolves to the HTTP status. */
type Requester = (kind: 'write' | 'read', key: string, value: number) => Promise<number>;

interface Row {
  kind: 'write' | 'read';
  /** CPU ms per completed op: each node (cluster order) and this client process. */
  cpuPerOp: { nodes: number[]; client: number };
  /** Decided slots per second and WAL appends (fsyncs) per second at the leader. */
  slots: number;
  appends: number;
  /** The leader's peer messages per second, and how many corked socket flushes carried them. */
  messages: number;
  flushes: number;
  concurrency: number;
  ops: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

interface Probe {
  commitIndex: number;
  walAppends: number;
  messagesSent: number;
  transportFlushes: number;
}

async function probe(url: string): Promise<Probe> {
  const status = (await (await fetch(`${url}/status`)).json()) as { commitIndex: number };
  const stats = (await (await fetch(`${url}/debug/stats`)).json()) as Omit<Probe, 'commitIndex'>;
  return { commitIndex: status.commitIndex, walAppends: stats.walAppends, messagesSent: stats.messagesSent, transportFlushes: stats.transportFlushes };
}

/** fdatasync latency of this disk right now (other load on the machine moves it a lot). */
function fsyncProbe(dir: string): { p50: number; p99: number } {
  const file = path.join(dir, 'fsync-probe');
  const fd = fs.openSync(file, 'w');
  const t: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    fs.writeSync(fd, Buffer.alloc(256, i));
    fs.fdatasyncSync(fd);
    t.push(performance.now() - t0);
  }
  fs.closeSync(fd);
  fs.unlinkSync(file);
  t.sort((a, b) => a - b);
  return { p50: t[50], p99: t[99] };
}

async function runPhase(requesters: Requester[], pids: number[], leaderUrl: string, kind: 'write' | 'read', concurrency: number, seconds: number, keys: number): Promise<Row> {
  const before = await probe(leaderUrl);
  const cpuBefore = pids.map(processCpuMs);
  const clientBefore = selfCpuMs();
  const latencies: number[] = [];
  let errors = 0;
  let stop = false;
  let n = 0;
  const worker = async (w: number) => {
    const request = requesters[w % requesters.length];
    while (!stop) {
      const key = `k${(n++ * 7919 + w) % keys}`;
      const t0 = performance.now();
      try {
        const status = await request(kind, key, n);
        if (status === 200) latencies.push(performance.now() - t0);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await Promise.all(workers);
  const elapsed = (performance.now() - started) / 1000;
  const clientMs = selfCpuMs() - clientBefore;
  const nodeMs = pids.map((pid, i) => processCpuMs(pid) - cpuBefore[i]);
  const after = await probe(leaderUrl);
  const sorted = Float64Array.from(latencies).sort();
  const perOp = (ms: number) => (latencies.length > 0 ? ms / latencies.length : NaN);
  return {
    kind,
    cpuPerOp: { nodes: nodeMs.map(perOp), client: perOp(clientMs) },
    slots: (after.commitIndex - before.commitIndex) / elapsed,
    appends: (after.walAppends - before.walAppends) / elapsed,
    messages: (after.messagesSent - before.messagesSent) / elapsed,
    flushes: (after.transportFlushes - before.transportFlushes) / elapsed,
    concurrency, ops: latencies.length, errors, seconds: elapsed, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

function printRow(r: Row): void {
  const total = r.cpuPerOp.nodes.reduce((a, b) => a + b, 0) + r.cpuPerOp.client;
  const cells = [
    r.kind.padEnd(6),
    String(r.concurrency).padStart(11),
    (r.ops / r.seconds).toFixed(0).padStart(8),
    r.p50.toFixed(2).padStart(8),
    r.p99.toFixed(2).padStart(8),
    String(r.errors).padStart(7),
    (r.slots > 0 ? (r.ops / r.seconds / r.slots).toFixed(1) : '-').padStart(10),
    r.appends.toFixed(0).padStart(13),
    (r.ops > 0 ? (r.messages * r.seconds) / r.ops : NaN).toFixed(2).padStart(8),
    (r.flushes > 0 ? r.messages / r.flushes : NaN).toFixed(1).padStart(9),
    ...r.cpuPerOp.nodes.map((ms) => ms.toFixed(3).padStart(7)),
    r.cpuPerOp.client.toFixed(3).padStart(7),
    total.toFixed(3).padStart(7),
    ((os.availableParallelism() * 1000) / total).toFixed(0).padStart(6),
  ];
  console.log(cells.join('  '));
}

async function main(): Promise<void> {
  const args = yargs(hideBin(process.argv))
    .scriptName('bench:paxos')
    .option('seconds', { type: 'number', default: 10, describe: 'duration of each phase' })
    .option('concurrency', { type: 'string', default: '1,16,64', describe: 'comma-separated client counts' })
    .option('nodes', { type: 'number', default: 3, describe: 'cluster size' })
    .option('target', { choices: ['leader', 'all'] as const, default: 'leader' as const, describe: 'send requests to the leader, or spread them over every node (followers forward)' })
    .option('keys', { type: 'number', default: 1000, describe: 'distinct keys' })
    .option('node-arg', { type: 'string', array: true, default: [] as string[], describe: 'extra flag for every node, e.g. --node-arg=--no-event-log' })
    .option('client', { choices: ['raw', 'undici'] as const, default: 'raw' as const, describe: 'raw: one keep-alive socket per worker (cheap); undici: a Pool' })
    .option('profile', { type: 'string', describe: 'write a V8 CPU profile of every node into this directory' })
    .strict()
    .version(false)
    .fail((msg, err) => {
      process.stderr.write(`bench:paxos: ${msg ?? err?.message}\n`);
      process.exit(2);
    })
    .parseSync();
  const levels = args.concurrency.split(',').map(Number);
  if (levels.some((c) => !Number.isSafeInteger(c) || c <= 0)) {
    process.stderr.write('bench:paxos: --concurrency must list positive integers, e.g. 1,16,64\n');
    process.exit(2);
  }
  if (!(args.seconds > 0) || !Number.isSafeInteger(args.nodes) || args.nodes < 1 || !Number.isSafeInteger(args.keys) || args.keys < 1) {
    process.stderr.write('bench:paxos: --seconds, --nodes and --keys must be positive\n');
    process.exit(2);
  }

  const nodeFlags = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  const cluster = await LocalCluster.create(args.nodes, args['node-arg'], nodeFlags);
  const stopAll = () => void cluster.destroy().finally(() => process.exit(130));
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  try {
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const targets = args.target === 'leader' ? [cluster.node(leader)] : cluster.nodes;
    const maxWorkers = Math.max(16, ...levels);
    const closers: Array<() => Promise<void>> = [];
    const requesters: Requester[] = [];
    if (args.client === 'undici') {
      for (const n of targets) {
        const pool = new Pool(n.url, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
        closers.push(() => pool.close());
        requesters.push(async (kind, key, value) => {
          const res = await pool.request(
            kind === 'write'
              ? { method: 'PUT', path: `/kv/${key}`, body: JSON.stringify({ value }), headers: { 'content-type': 'application/json' } }
              : { method: 'GET', path: `/kv/${key}` },
          );
          await res.body.text();
          return res.statusCode;
        });
      }
    } else {
      // One socket per worker (worker w uses requesters[w]), spread over the targets.
      for (let w = 0; w < maxWorkers; w++) {
        const [host, port] = targets[w % targets.length].client.split(':');
        const c = await RawHttpClient.connect(host, Number(port));
        closers.push(async () => c.close());
        requesters.push(async (kind, key, value) => (kind === 'write' ? c.sendJson('PUT', `/kv/${key}`, `{"value":${value}}`) : c.get(`/kv/${key}`)).then((r) => r.status));
      }
    }
    const pids = cluster.nodes.map((n) => {
      if (!n.proc?.pid) throw new Error(`node ${n.name} has no process`);
      return n.proc.pid;
    });
    const leaderIndex = cluster.nodes.findIndex((n) => n.name === leader);
    console.log(`${args.nodes} nodes on loopback (fsync on), leader ${leader}, clients -> ${args.target}, ${args.seconds} s per phase`);
    const disk = fsyncProbe(cluster.root);
    console.log(`fdatasync on this disk now: p50 ${disk.p50.toFixed(2)} ms, p99 ${disk.p99.toFixed(2)} ms; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} CPUs`);
    const cpuCols = cluster.nodes.map((n, i) => (i === leaderIndex ? `${n.name}(L)` : n.name).padStart(7)).join('');
    console.log(`CPU ms per op: each node ((L) = leader), the bench client, their total; cap/s = ${os.availableParallelism()} cores * 1000 / total`);
    console.log(`op      concurrency     ops/s  p50(ms)  p99(ms)  errors  cmds/slot  leader fsync/s  msgs/op  msgs/flush${cpuCols} client  total  cap/s`);
    // Warm up: JIT, connections, a populated key space.
    const leaderUrl = cluster.node(leader).url;
    await runPhase(requesters, pids, leaderUrl, 'write', 16, Math.min(2, args.seconds), args.keys);
    const rows: Row[] = [];
    for (const kind of ['write', 'read'] as const) {
      for (const c of levels) {
        const row = await runPhase(requesters, pids, leaderUrl, kind, c, args.seconds, args.keys);
        rows.push(row);
        printRow(row);
      }
    }
    await Promise.all(closers.map((close) => close()));
  } finally {
    // SIGTERM: nodes close cleanly (and write a CPU profile when run with NODE_OPTIONS=--cpu-prof).
    await cluster.destroy(false, 'SIGTERM');
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:paxos: ${err.message}\n`);
  process.exit(1);
});
