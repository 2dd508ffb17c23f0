/**
 * The docker runtime against a real engine. One file, so its parts never overlap on the engine
 * (vitest runs files in parallel, tests in a file one after another).
 * 1. The runtime API, one fault at a time, each proven from inside the containers (one 3-node
 *    Paxos cluster, ~35 s with the image cached): partition drops exactly the grudge's traffic
 *    and heal restores it; kill stops the container and start brings the same one back (same
 *    address, published port and data, faults re-applied); pause freezes it; the clock follows
 *    setClockOffset; netem is used or refused; logs land in the run dir; teardown leaves nothing
 *    labelled, and a crashed run's leftovers are swept by the next setup.
 * 2. End to end, `jepsen-ts test --runtime docker` as a user runs it (~2.5 min): 5 nodes,
 *    partition + kill + clock for 30 s against the correct Paxos: valid (exit 0); --bug
 *    stale-read with partitions: invalid (exit 1, the linearizability checker says so); Ctrl-C
 *    mid-run: exit 2; --nemesis packet without netem, and an unreachable engine: exit 254 with
 *    one line. After every run no container, network or volume of that run is left.
 * 3. Disk faults: /data bound to a host dir on faultfs; power loss and slow syncs reach the
 *    containers; teardown unmounts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, execIn, OWNER_LABEL, RUN_LABEL } from '../../harness/runtime/docker-engine.js';
import { createDockerRuntime, type DockerRuntime } from '../../harness/runtime/docker.js';
import { tcCommands } from '../../harness/runtime/docker-rules.js';
import { UsageError } from '../../ground/runtime.js';
import { paxosDb } from '../../paxos/db.js';
import { BIN, cleanUpScratch, cli, fuseSkipReason, scratch, type CliRun } from '../e2e/cli.js';
import { dockerSkipReason, ourResources, ROOT } from './engine.js';

const skip = await dockerSkipReason('test/docker/docker.test.ts');
const noFuse = await fuseSkipReason('the disk faults of test/docker/docker.test.ts');
const NODES = ['n1', 'n2', 'n3'];

/** Whether a TCP connection from inside `from` to ip:port completes within 1.5 s. */
async function canConnect(rt: DockerRuntime, from: string, ip: string, port = 7000): Promise<boolean> {
  const docker = connectEngine();
  const script = `const s=require('net').connect(${port},'${ip}');s.on('connect',()=>{console.log('yes');process.exit(0)});s.on('error',()=>{console.log('no');process.exit(0)});setTimeout(()=>{console.log('no');process.exit(0)},1500)`;
  const r = await execIn(docker.getContainer(rt.describe(from).containerId), ['node', '-e', script]);
  return r.stdout.trim() === 'yes';
}

/** A write through the cluster (any node, retried while a leader is being elected); true when acknowledged. */
async function put(urls: Record<string, string>, key: string, value: number): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  for (let i = 0; Date.now() < deadline; i++) {
    const url = Object.values(urls)[i % Object.keys(urls).length];
    const res = await fetch(`${url}/kv/${key}`, { method: 'PUT', body: JSON.stringify({ value }), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5_000) }).catch(() => null);
    if (res?.ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** A linearizable read through the cluster, retried while a leader is being elected; null if none answered. */
async function get(urls: Record<string, string>, key: string): Promise<unknown> {
  const deadline = Date.now() + 20_000;
  for (let i = 0; Date.now() < deadline; i++) {
    const res = await fetch(`${Object.values(urls)[i % Object.keys(urls).length]}/kv/${key}`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    if (res?.ok) return res.json();
    await new Promise((r) => setTimeout(r, 200));
  }
  return null;
}

describe.skipIf(skip !== null)('docker runtime (real engine)', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'jt-docker-rt-'));
  const runId = `jt-test-${process.pid}`;
  let rt: DockerRuntime;
  let docker: Docker;
  let urls: Record<string, string>;

  beforeAll(async () => {
    docker = connectEngine();
    // A crashed run's leftover: labelled, owned by a harness that is gone.
    await docker.createVolume({ Name: `${runId}-orphan`, Labels: { [RUN_LABEL]: `${runId}-crashed`, [OWNER_LABEL]: 'nohost-gone/1/0' } });
    await docker.createVolume({ Name: `${runId}-dead`, Labels: { [RUN_LABEL]: `${runId}-dead`, [OWNER_LABEL]: `${(await import('node:os')).hostname()}/999999999/0` } });
    rt = createDockerRuntime();
    await rt.preflight({ clock: true, packet: false });
    const eps = await rt.setup({ runId, nodes: NODES, db: paxosDb, runDir, dbArgs: [] });
    urls = Object.fromEntries(eps.map((e) => [e.name, e.clientUrl]));
  }, 120_000);

  afterAll(async () => {
    await rt?.teardown();
    await docker?.getVolume(`${runId}-orphan`).remove().catch(() => {});
    rmSync(runDir, { recursive: true, force: true });
  });

  it('sweeps a dead harness run of this host, leaves another host\'s alone', async () => {
    expect(await ourResources(`${runId}-dead`)).toEqual([]);
    expect(await ourResources(`${runId}-crashed`)).toHaveLength(1);
  });

  it('serves clients on 127.0.0.1 published ports; nodes have static addresses on the run network', async () => {
    for (const n of NODES) expect(urls[n]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const info = await docker.getContainer(rt.describe('n1').containerId).inspect();
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.CapAdd).toEqual(['NET_ADMIN']);
    expect(info.Config.Labels[RUN_LABEL]).toBe(runId);
    expect(rt.describe('n2').ip).toMatch(/^10\.213\.\d+\.11$/);
    expect(await put(urls, 'a', 1)).toBe(true);
  });

  it('partition drops exactly the grudge; heal restores it', async () => {
    const ip = (n: string) => rt.describe(n).ip;
    expect(await canConnect(rt, 'n1', ip('n2'))).toBe(true);
    await rt.partition({ n2: ['n1'] }); // n2 drops what n1 sends
    expect(await canConnect(rt, 'n1', ip('n2'))).toBe(false);
    expect(await canConnect(rt, 'n3', ip('n2'))).toBe(true);
    expect(await canConnect(rt, 'n2', ip('n3'))).toBe(true);
    await rt.partition({ n3: ['n1'] }); // replaces, not adds
    expect(await canConnect(rt, 'n1', ip('n2'))).toBe(true);
    expect(await canConnect(rt, 'n1', ip('n3'))).toBe(false);
    await rt.heal();
    expect(await canConnect(rt, 'n1', ip('n3'))).toBe(true);
  });

  it('kill stops the container; start brings the same one back with its data, address, port and faults', async () => {
    const before = rt.describe('n3');
    await rt.partition({ n3: ['n1'] });
    await rt.kill('n3');
    expect((await docker.getContainer(before.containerId).inspect()).State.Running).toBe(false);
    await expect(fetch(`${urls.n3}/status`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    await rt.start('n3');
    const after = rt.describe('n3');
    expect(after).toEqual(before);
    expect(await canConnect(rt, 'n1', after.ip)).toBe(false); // the grudge survived the restart
    await rt.heal();
    const wal = await execIn(docker.getContainer(after.containerId), ['sh', '-c', 'ls /data/node']);
    expect(wal.stdout).toMatch(/wal/); // the volume kept the WAL
    expect(await put(urls, 'b', 2)).toBe(true);
  });

  it('pause freezes the node (engine pause); resume thaws it; kill of a paused node works', async () => {
    await rt.pause('n2');
    expect((await docker.getContainer(rt.describe('n2').containerId).inspect()).State.Paused).toBe(true);
    await expect(fetch(`${urls.n2}/status`, { signal: AbortSignal.timeout(1500) })).rejects.toThrow();
    await rt.resume('n2');
    expect((await fetch(`${urls.n2}/status`, { signal: AbortSignal.timeout(5000) })).ok).toBe(true);
    await rt.pause('n2');
    await rt.kill('n2');
    await rt.start('n2');
    expect((await fetch(`${urls.n2}/status`, { signal: AbortSignal.timeout(5000) })).ok).toBe(true);
  });

  it('the node clock follows setClockOffset (libfaketime in the container), also across a restart', async () => {
    const c = docker.getContainer(rt.describe('n1').containerId);
    const skew = async () => Number((await execIn(c, ['node', '-p', 'Date.now()'])).stdout) - Date.now();
    expect(Math.abs(await skew())).toBeLessThan(2000);
    await rt.setClockOffset('n1', 60_000);
    expect(await skew()).toBeGreaterThan(55_000);
    await rt.kill('n1');
    await rt.setClockOffset('n1', -60_000); // written to the volume while it is down
    await rt.start('n1');
    expect(await skew()).toBeLessThan(-55_000);
    await rt.setClockOffset('n1', 0);
    expect(Math.abs(await skew())).toBeLessThan(2000);
  });

  it('packet faults: netem where the kernel has it, else a one-line refusal naming sch_netem', async () => {
    const other = createDockerRuntime();
    const hasNetem = await other.preflight({ clock: false, packet: true }).then(
      () => true,
      (err: Error) => {
        expect(err).toBeInstanceOf(UsageError);
        expect(err.message).toMatch(/sch_netem/);
        expect(err.message).not.toContain('\n');
        return false;
      },
    );
    await other.teardown();
    if (hasNetem) return; // (not this machine's kernel) delay is the netem path, used by the e2e
    await expect(rt.shape('n1', 'n2', { delayMs: 50, jitterMs: 0, lossPct: 0 })).rejects.toThrow(/sch_netem/);
    // Loss alone still works through iptables' statistic match.
    await rt.shape('n1', 'n2', { delayMs: 0, jitterMs: 0, lossPct: 100 });
    const rules = await execIn(docker.getContainer(rt.describe('n1').containerId), ['iptables', '-S', 'OUTPUT']);
    expect(rules.stdout).toMatch(new RegExp(`-d ${rt.describe('n2').ip.replace(/\./g, '\\.')}/32 .*statistic.*-j DROP`));
    expect(await canConnect(rt, 'n1', rt.describe('n2').ip)).toBe(false);
    await rt.shape('n1', 'n2', null);
    expect(await canConnect(rt, 'n1', rt.describe('n2').ip)).toBe(true);
    // The qdisc/class/filter structure netem hangs under is accepted by this kernel (pfifo
    // stands in for the missing netem leaf), and traffic still flows through it.
    const c = docker.getContainer(rt.describe('n1').containerId);
    const tc = tcCommands({ dropFrom: [], shapes: [{ to: rt.describe('n2').ip, shape: { delayMs: 5, jitterMs: 0, lossPct: 0 } }] }).map((l) => l.replace(/netem .*$/, 'pfifo'));
    const applied = await execIn(c, ['sh', '-c', ['set -e', ...tc, 'tc filter show dev eth0'].join('\n')]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('flowid 1:2');
    expect(await canConnect(rt, 'n1', rt.describe('n2').ip)).toBe(true);
    expect((await execIn(c, ['sh', '-c', tcCommands({ dropFrom: [], shapes: [] })[0]])).exitCode).toBe(0);
  });

  it('collectLogs copies container output, node log and event log; teardown leaves nothing labelled', async () => {
    await rt.collectLogs();
    for (const n of NODES) {
      expect(readFileSync(join(runDir, 'nodes', n, 'events.jsonl'), 'utf8').length).toBeGreaterThan(0);
      expect(readFileSync(join(runDir, 'nodes', n, 'node.log'), 'utf8').length).toBeGreaterThan(0);
      readFileSync(join(runDir, 'nodes', n, 'stderr.log'));
    }
    await rt.teardown();
    await rt.teardown(); // idempotent
    expect(await ourResources(runId)).toEqual([]);
  });
});

const results = scratch('docker-results');
afterAll(cleanUpScratch);

function resultsOf(run: CliRun): { valid: unknown; results: Record<string, { valid: unknown }>; nemesisErrors: string[] } {
  return JSON.parse(readFileSync(join(run.runDir!, 'results.json'), 'utf8'));
}

/** Names of our engine resources whose run id is one of harness `pid`'s (run ids are jt-<pid>-...). */
async function resourcesOf(pid: number): Promise<string[]> {
  return (await ourResources()).filter((r) => r.includes(`(jt-${pid}-`));
}

/**
 * Runs the CLI and proves what it created on the engine while the main phase ran (so the
 * final "nothing left" check is not vacuous) is all gone after it exits. Only this run's
 * resources are looked at: other docker runs may share the engine.
 */
async function dockerCli(args: string[], timeoutMs: number, interruptAfterMs?: number): Promise<CliRun> {
  let during: Promise<string[]> | null = null;
  let pid = 0;
  const run = await cli(args, {
    timeoutMs,
    onStdout(text, childPid) {
      pid = childPid;
      if (!during && /^phase: main$/m.test(text)) {
        during = resourcesOf(childPid);
        if (interruptAfterMs !== undefined) setTimeout(() => process.kill(childPid, 'SIGINT'), interruptAfterMs);
      }
    },
  });
  const seen = (await during) ?? [];
  // 5 containers, 5 volumes and the network were there while it ran...
  expect(seen.length, run.stdout + run.stderr).toBe(11);
  // ...and none is left.
  expect(await resourcesOf(pid)).toEqual([]);
  rmSync(run.tmp, { recursive: true, force: true });
  return run;
}

describe.skipIf(skip !== null || noFuse !== null)('docker runtime disk faults (faultfs on the host, bound to /data)', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'jt-docker-disk-'));
  let rt: DockerRuntime;
  let urls: Record<string, string>;
  const mountsUnder = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));

  beforeAll(async () => {
    rt = createDockerRuntime();
    await rt.preflight({ clock: false, packet: false, disk: true });
    const eps = await rt.setup({ runId: `jt-disk-${process.pid}`, nodes: NODES, db: paxosDb, runDir, dbArgs: [] });
    urls = Object.fromEntries(eps.map((e) => [e.name, e.clientUrl]));
  }, 120_000);

  afterAll(async () => {
    await rt?.teardown();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('each /data is a host dir on faultfs; a power loss kills the node and says what its disk lost; acknowledged data survives it', async () => {
    expect(mountsUnder(runDir).sort()).toEqual(NODES.map((n) => join(runDir, 'nodes', n, 'disk')));
    const info = await connectEngine().getContainer(rt.describe('n1').containerId).inspect();
    expect(info.Mounts.map((m) => [m.Type, m.Source, m.Destination])).toEqual([['bind', join(runDir, 'nodes', 'n1', 'disk'), '/data']]);
    expect(await put(urls, 'd', 7)).toBe(true);
    const lost = await Promise.all(NODES.map((n) => rt.powerLoss(n, { torn: true, seed: 3 })));
    for (const line of lost) expect(line).toMatch(/^lost \d+ writes \(\d+ bytes\) in \d+ files, tore \d+$/);
    for (const n of NODES) expect((await connectEngine().getContainer(rt.describe(n).containerId).inspect()).State.Running).toBe(false);
    await Promise.all(NODES.map((n) => rt.start(n)));
    expect(await get(urls, 'd')).toEqual({ value: 7 }); // acknowledged before the loss: synced
    expect(await put(urls, 'e', 8)).toBe(true);
  });

  it('a slow disk slows the writes that wait for it; teardown unmounts every disk', async () => {
    // A write waits for the leader's sync and then a follower's: at least 2 x 150 ms. (Much
    // slower syncs pass the node's 1 s request timeout: 504, outcome unknown.)
    for (const n of NODES) await rt.slowDisk(n, { minMs: 150, maxMs: 150, seed: 1 });
    let t = performance.now();
    expect(await put(urls, 'f', 1)).toBe(true);
    expect(performance.now() - t).toBeGreaterThanOrEqual(300);
    for (const n of NODES) await rt.slowDisk(n, null);
    // Syncs already on their way stay slow (a follower's learn of the first write can still be
    // in one): let them drain before timing a write on the normal disk.
    await new Promise((r) => setTimeout(r, 1000));
    t = performance.now();
    expect(await put(urls, 'g', 1)).toBe(true);
    expect(performance.now() - t).toBeLessThan(150);
    await rt.teardown();
    expect(mountsUnder(runDir)).toEqual([]);
  });
});

describe.skipIf(skip !== null)('jepsen-ts test --runtime docker, end to end', () => {
  it('5 nodes, partition + kill + clock for 30 s against the correct Paxos: valid', async () => {
    const run = await dockerCli(
      ['test', '--runtime', 'docker', '--nemesis', 'partition,kill,clock', '--time-limit', '30', '--recovery-time', '3', '--nemesis-interval', '2', '--seed', '7', '--results', results],
      240_000,
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^verdict: VALID/m);
    const history = readFileSync(join(run.runDir!, 'history.jsonl'), 'utf8');
    for (const f of ['start-partition', 'start-kill', 'start-clock']) expect(history).toContain(`"f":"${f}"`);
    expect(history.split('\n').filter((l) => l.includes('"type":"ok"')).length).toBeGreaterThan(100);
    expect(resultsOf(run).nemesisErrors).toEqual([]);
    for (const n of ['n1', 'n5']) {
      expect(readFileSync(join(run.runDir!, 'nodes', n, 'events.jsonl'), 'utf8').length).toBeGreaterThan(0);
      expect(readFileSync(join(run.runDir!, 'nodes', n, 'decided-log.json'), 'utf8').length).toBeGreaterThan(2);
    }
  }, 300_000);

  it('--bug stale-read with partitions: invalid, found by the linearizability checker', async () => {
    const run = await dockerCli(
      ['test', '--runtime', 'docker', '--bug', 'stale-read', '--nemesis', 'partition', '--partition', 'majority', '--time-limit', '15', '--recovery-time', '2', '--nemesis-interval', '1.5', '--seed', '1', '--results', results],
      180_000,
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^verdict: INVALID \(linearizable\)/m);
    expect(resultsOf(run).results.linearizable.valid).toBe(false);
  }, 240_000);

  it('Ctrl-C (SIGINT) mid-run: exit 2, and every container, network and volume is removed', async () => {
    const run = await dockerCli(['test', '--runtime', 'docker', '--nemesis', 'partition,pause', '--time-limit', '60', '--nemesis-interval', '1', '--results', results], 120_000, 3000);
    expect(run.exitCode, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).toMatch(/^interrupted/m);
  }, 150_000);

  it('--nemesis packet where the kernel has no netem: exit 254 with one line naming sch_netem, nothing started', async () => {
    const probe = createDockerRuntime();
    const hasNetem = await probe.preflight({ clock: false, packet: true }).then(() => true, () => false);
    if (hasNetem) return; // a netem kernel runs the packet nemesis instead (not this machine)
    const r = await execa(process.execPath, [BIN, 'test', '--runtime', 'docker', '--nemesis', 'packet', '--time-limit', '5', '--results', results], { cwd: ROOT, reject: false, timeout: 60_000, stdin: 'ignore' });
    expect(r.exitCode).toBe(254);
    const lines = String(r.stderr).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--nemesis packet on --runtime docker needs tc netem .*sch_netem/);
    expect(String(r.stdout)).not.toMatch(/phase: setup/);
  });

  it('an unreachable engine: exit 254 with one line saying how to start one', async () => {
    const r = await execa(process.execPath, [BIN, 'test', '--runtime', 'docker', '--time-limit', '5', '--results', results], {
      cwd: ROOT,
      reject: false,
      timeout: 30_000,
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
      stdin: 'ignore',
    });
    expect(r.exitCode).toBe(254);
    const lines = String(r.stderr).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot reach the Docker engine at unix:\/\/\/nonexistent\.sock .*dockerd/);
    expect(String(r.stdout)).not.toMatch(/phase: setup/);
  });
});
