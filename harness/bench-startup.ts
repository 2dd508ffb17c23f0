/**
 * `npm run bench:startup`: how long a user waits from typing `jepsen-ts test` to the first
 * completed client operation, per runtime (local processes vs docker containers, image cached:
 * one untimed warm-up run first). Each timed run is a real CLI process (5 nodes, no nemesis,
 * 1 s main phase). The figure is exact, not polled: the clock starts when this process spawns
 * the CLI (epoch ms) and stops at the first `ok` op's wall time, which the run's own files give
 * (results.json's timeline.historyStart + the op's `time` in history.jsonl). The breakdown comes
 * from the same timeline: CLI start-up (process spawn -> runTest entered: Node's own boot,
 * modules, options), nodes up (-> every node answers: run dir, runtime setup, node boot),
 * clients (open + workload setup), first op (invoked -> ok, including any wait for a leader);
 * "leader at" is when the first node logged that it became leader (node.log, ms precision),
 * measured from the spawn.
 * Targets: local < 2 s, docker < 10 s. Each column is the median of its own values.
 *
 *   node dist/harness/bench-startup.js [--runs N] [--runtime local|docker|both]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Op } from '../ground/history.js';
import { epochMs, type ResultsFile } from './run.js';
import { NODE_LOG_FILE } from '../paxos/files.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'jepsen-ts.js');
const TARGET_MS: Record<string, number> = { local: 2000, docker: 10_000 };

function parseArgs(argv: string[]): { runs: number; runtimes: string[] } {
  let runs = 3;
  let runtimes = ['local', 'docker'];
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--runs' && value !== undefined && /^[1-9]\d*$/.test(value)) runs = Number(value);
    else if (flag === '--runtime' && ['local', 'docker', 'both'].includes(value ?? '')) runtimes = value === 'both' ? runtimes : [value];
    else {
      process.stderr.write(`bench:startup: bad argument ${JSON.stringify(flag)}${value !== undefined ? ` ${JSON.stringify(value)}` : ''} (usage: [--runs N>=1] [--runtime local|docker|both])\n`);
      process.exit(254);
    }
    i++;
  }
  return { runs, runtimes };
}

/** The one run directory under `results` (results/<test name>/<start time>/), or null. */
function runDirOf(results: string): string | null {
  for (const test of existsSync(results) ? readdirSync(results, { withFileTypes: true }) : []) {
    if (test.name === 'latest' || !test.isDirectory()) continue;
    for (const run of readdirSync(path.join(results, test.name), { withFileTypes: true })) {
      if (run.isDirectory()) return path.join(results, test.name, run.name);
    }
  }
  return null;
}

/** Milliseconds from the spawn of the CLI to each start-up mark of one run. */
interface Marks {
  total: number;
  cli: number;
  nodes: number;
  clients: number;
  firstOp: number;
  leader: number | null;
}
const COLUMNS: Array<[keyof Marks, string]> = [
  ['total', 'first ok op'],
  ['cli', 'CLI start-up'],
  ['nodes', 'nodes up'],
  ['clients', 'clients'],
  ['firstOp', 'first op'],
  ['leader', 'leader at'],
];

/** When the first node became leader (epoch ms), from the node logs the run collected. */
function firstLeaderAt(runDir: string): number | null {
  let first: number | null = null;
  const nodes = path.join(runDir, 'nodes');
  for (const node of existsSync(nodes) ? readdirSync(nodes) : []) {
    const log = path.join(nodes, node, NODE_LOG_FILE);
    if (!existsSync(log)) continue;
    const m = /^(\S+) \S+: role leader\b/m.exec(readFileSync(log, 'utf8'));
    const t = m ? Date.parse(m[1]) : NaN;
    if (Number.isFinite(t) && (first === null || t < first)) first = t;
  }
  return first;
}

/** The marks of a finished run, from its results.json timeline and history; a reason if none. */
function marksOf(runDir: string | null, spawnedAt: number): Marks | string {
  if (!runDir) return 'no run directory';
  const resultsFile = path.join(runDir, 'results.json');
  if (!existsSync(resultsFile)) return 'no results.json';
  const t = (JSON.parse(readFileSync(resultsFile, 'utf8')) as ResultsFile).timeline;
  if (!t || t.nodesReady === null || t.mainStart === null) return 'results.json has no complete start-up timeline';
  const ops = readFileSync(path.join(runDir, 'history.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Op);
  const firstOk = ops.find((op) => op.type === 'ok' && op.process !== 'nemesis');
  if (!firstOk) return 'no completed op';
  const firstOkAt = t.historyStart + firstOk.time / 1e6;
  const leader = firstLeaderAt(runDir);
  return {
    total: firstOkAt - spawnedAt,
    cli: t.runStart - spawnedAt,
    nodes: t.nodesReady - t.runStart,
    clients: t.mainStart - t.nodesReady,
    firstOp: firstOkAt - t.mainStart,
    leader: leader === null ? null : leader - spawnedAt,
  };
}

/** One CLI run; resolves once the run has exited, with its start-up marks or why there are none. */
async function timeOne(runtime: string): Promise<{ marks: Marks | string; exit: number | null; stderr: string }> {
  const results = mkdtempSync(path.join(tmpdir(), 'jt-bench-startup-'));
  try {
    const spawnedAt = epochMs();
    const child = spawn(process.execPath, [BIN, 'test', '--runtime', runtime, '--nemesis', 'none', '--time-limit', '1', '--recovery-time', '0.5', '--results', results], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { marks: marksOf(runDirOf(results), spawnedAt), exit, stderr };
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const lastLine = (text: string) => text.trim().split('\n').slice(-1)[0] ?? '';

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const { runs, runtimes } = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'paxos', 'main.js'))) {
    process.stderr.write('bench:startup: run `npm run build` first\n');
    process.exit(254);
  }
  console.log(`bench:startup: 5 nodes, no nemesis; time from \`jepsen-ts test\` spawn to the first completed op (${runs} timed run(s) after 1 warm-up)`);
  // The figures mean little on a loaded machine: say how loaded it was.
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} CPU(s)`);
  let failed = false;
  for (const runtime of runtimes) {
    const warm = await timeOne(runtime); // builds/caches the image, warms the page cache
    if (typeof warm.marks === 'string') {
      console.log(`${runtime.padEnd(7)} warm-up: ${warm.marks} (exit ${warm.exit}): ${lastLine(warm.stderr)}`);
      failed = true;
      continue;
    }
    const measured: Marks[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await timeOne(runtime);
      if (typeof r.marks !== 'string') measured.push(r.marks);
      else {
        failed = true;
        console.log(`${runtime.padEnd(7)} run ${i + 1}: ${r.marks} (exit ${r.exit}): ${lastLine(r.stderr)}`);
      }
    }
    if (measured.length === 0) continue;
    const totals = measured.map((m) => m.total);
    const verdict = median(totals) < TARGET_MS[runtime] ? 'within' : 'OVER';
    console.log(`${runtime.padEnd(7)} median ${seconds(median(totals))}  min ${seconds(Math.min(...totals))}  max ${seconds(Math.max(...totals))}  (${verdict} the ${TARGET_MS[runtime] / 1000} s target)`);
    const cells = COLUMNS.map(([key, label]) => {
      const xs = measured.map((m) => m[key]).filter((x): x is number => x !== null);
      return `${label} ${xs.length ? seconds(median(xs)) : 'n/a'}`;
    });
    console.log(`${''.padEnd(7)} medians: ${cells.join(' | ')}`);
  }
  if (failed) process.exit(1);
}

await main();
