/**
 * `npm run bench:harness`: how many client ops the harness drives against the real Paxos store,
 * and where its time goes. One real `jepsen-ts test` CLI process (--nodes local nodes, no nemesis,
 * register workload, --rate 0 = unlimited) under `node --cpu-prof`, for --seconds of main
 * phase at --concurrency threads. Prints:
 *   - ops/s invoked and recorded (completed) in the main phase (results.json `rate`);
 *   - CPU ms per op of the harness and of the nodes during the main phase (/proc), and the
 *     ceiling they imply on this machine (cap/s = cores * 1000 / total CPU ms per op: on a
 *     shared, loaded machine ops/s measures the load, CPU per op does not);
 *   - the checkers' time and the linearizability search's peak memory;
 *   - where the harness's main-phase CPU went: the CPU profile's samples within the main
 *     phase, each charged to the innermost frame of our code or of a package (so a socket
 *     write counts for whoever wrote), by category, and the top functions by self time;
 *   - the load average, since other work on the machine takes CPU from all of the above.
 * The main phase is delimited by the CLI's own `phase: main` / `phase: heal` lines; the
 * profile's timestamps and process.hrtime are the same monotonic clock.
 *
 *   npm run bench:harness -- [--seconds 10] [--concurrency 64] [--workload register] [--nodes 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RateSummary } from './progress.js';
import type { ResultsFile } from './run.js';
import { processesOfRun } from './runtime/sweep.js';
import { processCpuMs, processCpuTimes } from '../paxos/cpu.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'jepsen-ts.js');

interface Args {
  seconds: number;
  concurrency: number;
  workload: string;
  nodes: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 10, concurrency: 64, workload: 'register', nodes: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--seconds' && Number(value) > 0) args.seconds = Number(value);
    else if (flag === '--concurrency' && /^[1-9]\d*$/.test(value)) args.concurrency = Number(value);
    else if (flag === '--workload' && /^[a-z]+$/.test(value)) args.workload = value;
    else if (flag === '--nodes' && /^[1-9]$/.test(value)) args.nodes = Number(value);
    else {
      process.stderr.write(`bench:harness: bad argument ${JSON.stringify(flag)} ${JSON.stringify(value)} (usage: [--seconds S>0] [--concurrency N>=1] [--workload NAME] [--nodes 1-9])\n`);
      process.exit(254);
    }
  }
  return args;
}

/** CPU ms used so far by the harness and by each node process (null: gone), and in the kernel. */
interface CpuMark {
  atUs: number;
  harness: number;
  nodes: Map<number, number>;
  systemMs: number;
}

function cpuOf(pid: number): number | null {
  try {
    return processCpuMs(pid);
  } catch {
    return null;
  }
}

function systemMsOf(pids: number[]): number {
  let ms = 0;
  for (const pid of pids) {
    try {
      ms += processCpuTimes(pid).systemMs;
    } catch {
      // gone: its last figures are lost either way
    }
  }
  return ms;
}

/** The run's node processes: the harness's marker names the run, its processes carry the tag. */
function nodePids(tmp: string): number[] {
  const dir = path.join(tmp, 'jepsen-ts', 'runs');
  const marker = readdirSync(dir).find((f) => f.endsWith('.json'));
  if (!marker) return [];
  // The run's leash (an `sh` waiting on the harness, harness/runtime/leash.ts) is not a node.
  return processesOfRun(marker.slice(0, -'.json'.length)).filter((pid) => commOf(pid) !== 'sh');
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function mark(harnessPid: number, nodes: number[]): CpuMark {
  const m: CpuMark = { atUs: Number(process.hrtime.bigint() / 1000n), harness: cpuOf(harnessPid) ?? NaN, nodes: new Map(), systemMs: systemMsOf([harnessPid, ...nodes]) };
  for (const pid of nodes) {
    const ms = cpuOf(pid);
    if (ms !== null) m.nodes.set(pid, ms);
  }
  return m;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: our file (dist/...), a package, or nothing of ours (Node). */
function ownerOf(url: string): string | null {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  const ours = /\/dist\/(.+)\.js$/.exec(url);
  return ours ? ours[1] : null;
}

const CATEGORIES: Array<[RegExp, string]> = [
  [/^harness\/runtime\/proxy$/, 'fault proxy (peer traffic)'],
  [/^(undici|workloads\/.*)$/, 'http clients (undici, workloads)'],
  [/^harness\/historyWriter$/, 'history (record, JSON, file)'],
  [/^harness\/generator$/, 'generator'],
  [/^harness\/progress$/, 'progress'],
];

/** The profile's samples between two monotonic µs marks, by category and by function (self). */
function profileWindow(profile: CpuProfile, fromUs: number, toUs: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i];
    if (t < fromUs || t > toUs) return;
    total++;
    const leaf = byId.get(id)!;
    const name = leaf.callFrame.functionName;
    let category: string;
    if (name === '(idle)') category = 'idle';
    else if (name === '(garbage collector)') category = 'garbage collector';
    else {
      let owner: string | null = null;
      for (let n: ProfileNode | undefined = leaf; n && owner === null; n = byId.get(parent.get(n.id) ?? -1)) owner = ownerOf(n.callFrame.url);
      category = owner === null ? 'node internals (no frame of ours)' : (CATEGORIES.find(([re]) => re.test(owner!))?.[1] ?? owner);
      const f = leaf.callFrame;
      const where = ownerOf(f.url) ?? f.url.replace(/^node:/, '');
      const key = `${f.functionName || '(anonymous)'} ${where}${where ? `:${f.lineNumber + 1}` : ''}`;
      functions.set(key, (functions.get(key) ?? 0) + 1);
    }
    categories.set(category, (categories.get(category) ?? 0) + 1);
  });
  return { total, categories, functions };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(path.join(tmpdir(), 'jt-bench-harness-'));
  const profDir = path.join(tmp, 'profile');
  const results = path.join(tmp, 'results');
  const load = loadavg();
  let keep = false;
  try {
    const cli = [BIN, 'test', '--workload', args.workload, '--concurrency', String(args.concurrency), '--nodes', String(args.nodes), '--rate', '0', '--time-limit', String(args.seconds), '--recovery-time', '1', '--seed', '1', '--results', results];
    const child = spawn(process.execPath, [`--cpu-prof`, `--cpu-prof-dir=${profDir}`, ...cli], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let before: CpuMark | undefined;
    let after: CpuMark | undefined;
    let nodes: number[] = [];
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!before && out.includes('phase: main\n')) {
        nodes = nodePids(tmp);
        before = mark(child.pid!, nodes);
      }
      if (before && !after && out.includes('phase: heal\n')) after = mark(child.pid!, nodes);
    });
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
    const runDir = /^results: (.+)$/m.exec(out)?.[1];
    if (!before || !after || !runDir) throw new Error(`the run did not get through its main phase (exit ${code}):\n${out}\n${stderr}`);
    const file = JSON.parse(readFileSync(path.join(runDir, 'results.json'), 'utf8')) as ResultsFile;
    const rate = file.rate as RateSummary;
    const lin = file.results.linearizable as { valid: unknown; elapsedMs?: number; peakCacheMb?: number; partitions?: number } | undefined;

    const cores = availableParallelism();
    const ops = rate.completed;
    const harnessMs = after.harness - before.harness;
    const nodeMs = [...before.nodes].map(([pid, ms]) => (after!.nodes.get(pid) ?? ms) - ms);
    const perOp = (ms: number) => (ops > 0 ? ms / ops : NaN);
    const totalPerOp = perOp(harnessMs + nodeMs.reduce((a, b) => a + b, 0));

    process.stdout.write(`bench:harness: ${args.workload}, --concurrency ${args.concurrency}, --rate 0 (unlimited), ${args.seconds} s main phase, ${args.nodes} local nodes, ${cores} cores\n`);
    process.stdout.write(`load average before: ${load.map((l) => l.toFixed(2)).join(' ')}; after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    // A failed check is a finding: its run (history, node logs) stays for a look.
    keep = file.valid !== true;
    process.stdout.write(`verdict: ${String(file.valid)} (exit ${code})${keep ? `; run kept in ${runDir}` : ''}\n`);
    process.stdout.write(`ops/s: ${fmt(rate.invoked / rate.seconds)} invoked, ${fmt(rate.completed / rate.seconds)} recorded (${fmt(rate.invoked)} / ${fmt(rate.completed)} in ${rate.seconds.toFixed(1)} s)\n`);
    process.stdout.write(`CPU ms per op: harness ${perOp(harnessMs).toFixed(3)}, nodes ${nodeMs.map((ms) => perOp(ms).toFixed(3)).join(' ')}, total ${totalPerOp.toFixed(3)} -> cap ${fmt((cores * 1000) / totalPerOp)} ops/s on ${cores} cores\n`);
    const systemShare = (after.systemMs - before.systemMs) / (harnessMs + nodeMs.reduce((a, b) => a + b, 0));
    process.stdout.write(`in the kernel (syscalls, loopback TCP, fsync): ${(100 * systemShare).toFixed(0)}% of that CPU\n`);
    process.stdout.write(`checker: linearizable ${String(lin?.valid)} in ${fmt(lin?.elapsedMs ?? NaN)} ms, peak cache ${lin?.peakCacheMb ?? '?'} MB, ${lin?.partitions ?? '?'} keys\n`);

    const profFile = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
    const profile = JSON.parse(readFileSync(path.join(profDir, profFile), 'utf8')) as CpuProfile;
    const w = profileWindow(profile, before.atUs, after.atUs);
    const share = (n: number) => `${((100 * n) / w.total).toFixed(1).padStart(5)}%`;
    process.stdout.write(`harness main phase, CPU profile (${fmt(w.total)} samples, % of wall time):\n`);
    for (const [name, n] of [...w.categories].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${share(n)}  ${name}\n`);
    process.stdout.write('top functions (self time):\n');
    for (const [name, n] of [...w.functions].sort((a, b) => b[1] - a[1]).slice(0, 15)) process.stdout.write(`  ${share(n)}  ${name}\n`);
  } finally {
    if (!keep) rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:harness: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
