/**
 * `npm run bench:checker`: times our linearizability checker on every Porcupine history of
 * test/fixtures/porcupine (min and median of several in-process runs after one warm-up run, wall
 * and CPU time, plus one verbose run, wall and CPU),
 * then once per file in a fresh Node process (start-up included, reported separately), with
 * peak memory. Prints a table and totals next to Go Porcupine v1.3.0's reference figures.
 *
 *   node dist/checkers/bench.js [--runs N] [--filter SUBSTRING] [--no-fresh]
 *   node dist/checkers/bench.js --single FILE    (internal: one file, one JSON line)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkPorcupineCase, loadPorcupineCases, parsePorcupineCase, porcupineDataDir, type PorcupineCase } from './linearizable/conformance.js';
import { checkEvents } from './linearizable/check.js';
import { getModel } from './linearizable/models/index.js';
import type { CheckOutcome } from './linearizable/types.js';

/** Go Porcupine v1.3.0 on this kind of 2-core machine (from the brief). */
const REFERENCE = { etcdTotalMs: 600, c50OkMs: 320, c50BadMs: 'a few' };

interface Row {
  c: PorcupineCase;
  verdict: string;
  ops: number;
  steps: number;
  cacheMb: number;
  parseMs: number;
  minMs: number;
  medianMs: number;
  minCpuMs: number;
  verboseMs: number;
  verboseCpuMs: number;
  /** Wall time of the whole child process; its check's wall and CPU time (cold JIT); its peak RSS. */
  fresh?: { wallMs: number; checkMs: number; checkCpuMs: number; rssMb: number };
}

const mb = (bytes: number) => bytes / (1024 * 1024);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU milliseconds of this process (user + system): robust to other processes sharing the cores. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function timeCheck(c: PorcupineCase, events: ReturnType<typeof parsePorcupineCase>, verbose = false): { ms: number; cpu: number; outcome: CheckOutcome } {
  const cpu = cpuMs();
  const t = performance.now();
  const outcome = checkPorcupineCase(c, events, { verbose });
  return { ms: performance.now() - t, cpu: cpuMs() - cpu, outcome };
}

function single(file: string): void {
  const c = loadPorcupineCases().find((x) => x.file === file);
  if (!c) throw new Error(`no such case: ${file}`);
  const { ms, cpu, outcome } = timeCheck(c, parsePorcupineCase(c));
  process.stdout.write(`${JSON.stringify({ checkMs: ms, checkCpuMs: cpu, result: outcome.result, rssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

function fresh(file: string): Row['fresh'] {
  const t = performance.now();
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--single', file], { encoding: 'utf8' });
  const wallMs = performance.now() - t;
  if (child.status !== 0) throw new Error(`fresh process for ${file} failed: ${child.stderr}`);
  const out = JSON.parse(child.stdout) as { checkMs: number; checkCpuMs: number; rssMb: number };
  return { wallMs, checkMs: out.checkMs, checkCpuMs: out.checkCpuMs, rssMb: out.rssMb };
}

function nodeStartupMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - t);
  }
  return Math.min(...times);
}

function pad(s: string | number, n: number, right = false): string {
  const str = String(s);
  return right ? str.padEnd(n) : str.padStart(n);
}

function main(): number {
  let args;
  try {
    args = parseArgs({
      options: { runs: { type: 'string', default: '5' }, filter: { type: 'string' }, 'no-fresh': { type: 'boolean', default: false }, single: { type: 'string' } },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`bench:checker: ${(err as Error).message}\n`);
    return 254;
  }
  if (args.single) {
    single(args.single);
    return 0;
  }
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`bench:checker: --runs must be a positive integer, got ${args.runs}\n`);
    return 254;
  }
  const cases = loadPorcupineCases().filter((c) => !args.filter || c.file.includes(args.filter));
  process.stdout.write(`Porcupine corpus: ${porcupineDataDir()} (${cases.length} files), ${runs} runs each after a warm-up, Node ${process.version}\n\n`);
  const rows: Row[] = [];
  let peakHeap = 0;
  for (const c of cases) {
    const t = performance.now();
    const events = parsePorcupineCase(c);
    const parseMs = performance.now() - t;
    const first = timeCheck(c, events);
    const times: number[] = [];
    const cpus: number[] = [];
    for (let i = 0; i < runs; i++) {
      const run = timeCheck(c, events);
      times.push(run.ms);
      cpus.push(run.cpu);
    }
    const verbose = timeCheck(c, events, true);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    const o = first.outcome;
    rows.push({
      c,
      verdict: o.result,
      ops: events.length / 2,
      steps: (o.partitions ?? []).reduce((s, p) => s + p.steps, 0),
      cacheMb: mb(o.peakCacheBytes),
      parseMs,
      minMs: Math.min(...times),
      medianMs: median(times),
      minCpuMs: Math.min(...cpus),
      verboseMs: verbose.ms,
      verboseCpuMs: verbose.cpu,
    });
  }
  const inProcessRss = process.resourceUsage().maxRSS / 1024;
  const startup = args['no-fresh'] ? 0 : nodeStartupMs();
  if (!args['no-fresh']) for (const r of rows) r.fresh = fresh(r.c.file);

  const head = `${pad('file', 30, true)} ${pad('verdict', 8, true)} ${pad('expect', 7, true)} ${pad('ops', 5)} ${pad('steps', 9)} ${pad('cacheMB', 8)} ${pad('parse ms', 9)} ${pad('min ms', 9)} ${pad('median', 9)} ${pad('min cpu', 9)} ${pad('verbose', 9)} ${pad('(cpu)', 8)} ${pad('fresh ms', 9)} ${pad('(check)', 9)} ${pad('(cpu)', 8)} ${pad('RSS MB', 7)}`;
  process.stdout.write(`${head}\n${'-'.repeat(head.length)}\n`);
  let mismatches = 0;
  for (const r of rows) {
    const expected = r.c.expected ?? '-';
    const good = r.c.expected === null || r.c.expected === r.verdict;
    if (!good) mismatches++;
    const f = r.fresh;
    process.stdout.write(
      `${pad(r.c.file.replace('test_data/', ''), 30, true)} ${pad(r.verdict, 8, true)} ${pad(good ? expected : `${expected}!`, 7, true)} ${pad(r.ops, 5)} ${pad(r.steps, 9)} ${pad(r.cacheMb.toFixed(1), 8)} ${pad(r.parseMs.toFixed(2), 9)} ${pad(r.minMs.toFixed(2), 9)} ${pad(r.medianMs.toFixed(2), 9)} ${pad(r.minCpuMs.toFixed(2), 9)} ${pad(r.verboseMs.toFixed(2), 9)} ${pad(r.verboseCpuMs.toFixed(2), 8)} ${pad(f ? f.wallMs.toFixed(0) : '-', 9)} ${pad(f ? f.checkMs.toFixed(1) : '-', 9)} ${pad(f ? f.checkCpuMs.toFixed(1) : '-', 8)} ${pad(f ? f.rssMb.toFixed(0) : '-', 7)}\n`,
    );
  }
  const sum = (rs: Row[], pick: (r: Row) => number) => rs.reduce((s, r) => s + pick(r), 0);
  const etcd = rows.filter((r) => r.c.format === 'etcd' && r.c.expected !== null);
  const byName = (name: string) => rows.find((r) => r.c.file.endsWith(name));
  process.stdout.write('\nTotals (in-process, min of runs; Go Porcupine v1.3.0 reference in brackets)\n');
  if (etcd.length > 0) {
    process.stdout.write(
      `  etcd, ${etcd.length} histories: ${sum(etcd, (r) => r.minMs).toFixed(1)} ms min-sum, ${sum(etcd, (r) => r.medianMs).toFixed(1)} ms median-sum, ${sum(etcd, (r) => r.minCpuMs).toFixed(1)} ms CPU min-sum, ${sum(etcd, (r) => r.verboseMs).toFixed(1)} ms / ${sum(etcd, (r) => r.verboseCpuMs).toFixed(1)} ms CPU verbose (one run each), ${sum(etcd, (r) => r.steps)} steps  [Go: ~${REFERENCE.etcdTotalMs} ms]\n`,
    );
  }
  for (const [name, ref] of [['c50-ok.txt', `~${REFERENCE.c50OkMs} ms`], ['c50-bad.txt', `${REFERENCE.c50BadMs} ms`], ['c10-ok.txt', ''], ['c10-bad.txt', '']] as const) {
    const r = byName(name);
    if (r) process.stdout.write(`  kv ${name}: ${r.minMs.toFixed(1)} ms min, ${r.medianMs.toFixed(1)} ms median, ${r.minCpuMs.toFixed(1)} ms CPU min, ${r.steps} steps${ref ? `  [Go: ${ref}]` : ''}\n`);
  }
  const bad = byName('c50-bad.txt');
  if (bad) {
    // The kv model refutes c50-bad without a search; this is what the interleaved search alone costs.
    const { refute: _unused, ...searchOnly } = getModel('porcupine-kv');
    const events = parsePorcupineCase(bad.c);
    const times = Array.from({ length: runs + 1 }, () => {
      const t = performance.now();
      const o = checkEvents(searchOnly, events);
      if (o.result !== 'illegal') throw new Error(`c50-bad by search alone: ${o.result}`);
      return performance.now() - t;
    }).slice(1);
    process.stdout.write(`  kv c50-bad.txt by search alone (refutation off): ${Math.min(...times).toFixed(1)} ms min, ${median(times).toFixed(1)} ms median\n`);
  }
  process.stdout.write(`  all ${rows.length} files: ${sum(rows, (r) => r.minMs).toFixed(1)} ms check, ${sum(rows, (r) => r.parseMs).toFixed(1)} ms parse\n`);
  process.stdout.write(`  peak memory in-process: maxRSS ${inProcessRss.toFixed(0)} MB, heapUsed ${mb(peakHeap).toFixed(0)} MB; largest search cache ${Math.max(0, ...rows.map((r) => r.cacheMb)).toFixed(1)} MB\n`);
  if (!args['no-fresh']) {
    process.stdout.write(
      `  fresh process per file: ${sum(rows, (r) => r.fresh!.wallMs).toFixed(0)} ms wall for ${rows.length} files (bare \`node -e 0\` start-up: ${startup.toFixed(0)} ms each); etcd ${sum(etcd, (r) => r.fresh!.wallMs).toFixed(0)} ms wall, of which checking ${sum(etcd, (r) => r.fresh!.checkMs).toFixed(1)} ms wall / ${sum(etcd, (r) => r.fresh!.checkCpuMs).toFixed(1)} ms CPU (cold JIT); peak RSS ${Math.max(...rows.map((r) => r.fresh!.rssMb)).toFixed(0)} MB\n`,
    );
  }
  if (mismatches > 0) process.stdout.write(`\n${mismatches} verdict(s) differ from VERDICTS.md (marked !)\n`);
  return mismatches > 0 ? 1 : 0;
}

process.exitCode = main();
