/**
 * `npm run bench:startup`: how long a user waits from typing `jepsen-ts test` to the first
 * completed client operation, per runtime (local processes vs docker containers, image cached:
 * one untimed warm-up run first). Each timed run is a real CLI process (5 nodes, no nemesis,
 * 1 s main phase); the clock starts at spawn and stops when the first `ok` op appears in the
 * run's history.jsonl (polled every 5 ms; the history is flushed every 100 ms, so figures are
 * upper bounds by at most ~0.1 s). Targets: local < 2 s, docker < 10 s.
 *
 *   node dist/harness/bench-startup.js [--runs N] [--runtime local|docker|both]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The history file of the (single) run under `results`, once it exists. */
function historyFile(results: string): string | null {
  // withFileTypes: the CLI's short-lived write probe (a dotfile) may vanish between list and stat.
  for (const entry of existsSync(results) ? readdirSync(results, { withFileTypes: true }) : []) {
    if (entry.name === 'latest' || !entry.isDirectory()) continue;
    const dir = path.join(results, entry.name);
    for (const run of readdirSync(dir)) {
      const f = path.join(dir, run, 'history.jsonl');
      if (existsSync(f)) return f;
    }
  }
  return null;
}

/** One CLI run; resolves with ms from spawn to the first ok op (null if none) once the run exits. */
async function timeOne(runtime: string): Promise<{ ms: number | null; exit: number | null; stderr: string }> {
  const results = mkdtempSync(path.join(tmpdir(), 'jt-bench-startup-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'test', '--runtime', runtime, '--nemesis', 'none', '--time-limit', '1', '--recovery-time', '0.5', '--results', results], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let firstOk: number | null = null;
  const poll = setInterval(() => {
    if (firstOk !== null) return;
    const f = historyFile(results);
    if (f && readFileSync(f, 'utf8').includes('"type":"ok"')) firstOk = performance.now() - t0;
  }, 5);
  const exit = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearInterval(poll);
  rmSync(results, { recursive: true, force: true });
  return { ms: firstOk, exit, stderr };
}

async function main(): Promise<void> {
  const { runs, runtimes } = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(ROOT, 'dist', 'paxos', 'main.js'))) {
    process.stderr.write('bench:startup: run `npm run build` first\n');
    process.exit(254);
  }
  console.log(`bench:startup: 5 nodes, no nemesis; ms from \`jepsen-ts test\` spawn to the first completed op (${runs} timed run(s) after 1 warm-up)`);
  // The figures mean little on a loaded machine: say how loaded it was.
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} CPU(s)`);
  let failed = false;
  for (const runtime of runtimes) {
    const warm = await timeOne(runtime); // builds/caches the image, warms the page cache
    if (warm.ms === null) {
      console.log(`${runtime.padEnd(7)} no completed op (exit ${warm.exit}): ${warm.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
      failed = true;
      continue;
    }
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await timeOne(runtime);
      if (r.ms !== null) times.push(r.ms);
      else {
        failed = true;
        console.log(`${runtime.padEnd(7)} run ${i + 1}: no completed op (exit ${r.exit}): ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
      }
    }
    if (times.length === 0) continue;
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const verdict = median < TARGET_MS[runtime] ? 'within' : 'OVER';
    console.log(`${runtime.padEnd(7)} median ${(median / 1000).toFixed(2)} s  min ${(times[0] / 1000).toFixed(2)} s  max ${(times.at(-1)! / 1000).toFixed(2)} s  (${verdict} the ${TARGET_MS[runtime] / 1000} s target)`);
  }
  if (failed) process.exit(1);
}

await main();
