/**
 * `npm run mutation:harness`: how many of the mutants the core's unit tests kill does
 * `jepsen-ts test` (what users run) also catch? Samples mutants from Stryker's JSON report,
 * applies each to a throw-away copy of the repo (never the working tree), builds it, runs
 * `jepsen-ts test --nemesis all` on a few seeds and counts the mutant killed when any seed is
 * INVALID (exit 1). Prints a table and the kill rate, and writes them as JSON.
 *
 * Stryker on this machine runs one group of files at a time, so --report may be given once per
 * group. --base REV measures an older harness with the same mutants: the copy is the tree at REV
 * (git archive), and each mutant is placed by the text of the whole lines it changes, which must
 * occur in REV's file as often as in the report's (placeMutant; else the mutant is `not-in-base`
 * and left out of the rate).
 *
 *   npm run mutation:harness -- --sample 20 --seeds 3 --time-limit 30 [--report F ...] [--base REV]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT } from '../ground/exit.js';
import { Rng } from '../ground/rng.js';
import { copyRepo, placeMutant, readStrykerReport, type Position, type Report } from './mutants.js';

interface Sampled { id: string; file: string; line: number; mutator: string; replacement: string; start: Position; end: Position; source: string }
type Verdict = 'valid' | 'INVALID' | 'unknown' | 'crash' | 'timeout' | 'no-build' | 'not-in-base';

const UNIT_TESTS = /^paxos\/core\/[^/]+\.test\.ts$/;
const VERDICT_OF: Record<number, Verdict> = { [EXIT.valid]: 'valid', [EXIT.invalid]: 'INVALID', [EXIT.unknown]: 'unknown' };

function usageExit(message: string): never {
  process.stderr.write(`mutation-harness: ${message}\n`);
  process.exit(EXIT.usage);
}

const argv = yargs(hideBin(process.argv))
  .scriptName('mutation-harness')
  .option('report', { type: 'string', array: true, default: ['reports/mutation/mutation.json'], describe: "Stryker's JSON report (repeat for one per group of files)" })
  .option('base', { type: 'string', describe: 'measure the harness of this git revision instead of the working tree' })
  .option('sample', { type: 'number', default: 20, describe: 'mutants to sample among those the unit tests kill' })
  .option('sample-seed', { type: 'number', default: 1, describe: 'seed of the sample' })
  .option('seeds', { type: 'number', default: 3, describe: 'jepsen-ts test runs per mutant (seeds first-seed, first-seed+1, ...)' })
  .option('first-seed', { type: 'number', default: 1 })
  .option('time-limit', { type: 'number', default: 30, describe: "each run's --time-limit, seconds" })
  .option('out', { type: 'string', default: 'reports/mutation/harness.json' })
  .strict()
  .fail((msg, err) => usageExit(msg ?? err?.message ?? 'bad arguments'))
  .parseSync();

for (const flag of ['sample', 'seeds', 'time-limit'] as const) {
  if (!Number.isSafeInteger(argv[flag]) || argv[flag] < 1) usageExit(`--${flag} must be a positive integer, got ${argv[flag]}`);
}
for (const flag of ['sample-seed', 'first-seed'] as const) {
  if (!Number.isSafeInteger(argv[flag])) usageExit(`--${flag} must be an integer, got ${argv[flag]}`);
}

function readReport(file: string): Report {
  try {
    return readStrykerReport(file);
  } catch (e) {
    usageExit((e as Error).message);
  }
}

/** Mutants at least one of paxos/core's unit tests killed, in id order. */
function killedByUnitTests(report: Report): Sampled[] {
  const unitTestIds = new Set<string>();
  for (const [file, { tests }] of Object.entries(report.testFiles ?? {})) {
    if (UNIT_TESTS.test(file)) for (const t of tests) unitTestIds.add(t.id);
  }
  const out: Sampled[] = [];
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      if (m.status !== 'Killed' || !(m.killedBy ?? []).some((t) => unitTestIds.has(t))) continue;
      out.push({ id: m.id, file, line: m.location.start.line, mutator: m.mutatorName, replacement: m.replacement ?? '', start: m.location.start, end: m.location.end, source: report.files[file].source });
    }
  }
  return out;
}

/** File order, then id order: a stable order whatever the order of the reports. */
const byFileAndId = (a: Sampled, b: Sampled) => a.file.localeCompare(b.file) || Number(a.id) - Number(b.id) || a.id.localeCompare(b.id);

async function build(dir: string): Promise<boolean> {
  const r = await execa(process.execPath, [path.join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, reject: false });
  if (r.exitCode !== 0) process.stderr.write(`tsc failed in ${dir}:\n${r.stdout}\n`);
  return r.exitCode === 0;
}

async function runTest(dir: string, seed: number): Promise<Verdict> {
  const r = await execa(process.execPath, ['bin/jepsen-ts.js', 'test', '--nemesis', 'all', '--time-limit', String(argv['time-limit']), '--seed', String(seed)], {
    cwd: dir,
    reject: false,
    // Start-up, recovery reads and teardown on a loaded machine: generous, but a hung run must end.
    timeout: (argv['time-limit'] * 4 + 180) * 1000,
    forceKillAfterDelay: 20_000,
  });
  fs.rmSync(path.join(dir, 'results'), { recursive: true, force: true });
  if (r.timedOut) return 'timeout';
  return VERDICT_OF[r.exitCode ?? -1] ?? 'crash';
}

const root = process.cwd();
if (argv.base !== undefined) {
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', `${argv.base}^{commit}`], { cwd: root, stdio: 'ignore' });
  } catch {
    usageExit(`--base ${argv.base}: not a commit of this repository`);
  }
}
const candidates = argv.report.flatMap((file) => killedByUnitTests(readReport(file))).sort(byFileAndId);
if (candidates.length === 0) usageExit(`${argv.report.join(', ')}: no mutant killed by paxos/core's unit tests to sample from`);
const sample = new Rng(argv['sample-seed']).shuffle(candidates).slice(0, argv.sample).sort(byFileAndId);
const seeds = Array.from({ length: argv.seeds }, (_, i) => argv['first-seed'] + i);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jepsen-mutation-'));
const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
process.once('SIGINT', () => { cleanup(); process.exit(130); });
process.once('SIGTERM', () => { cleanup(); process.exit(143); });

const rows: (Sampled & { verdicts: Verdict[]; killed: boolean })[] = [];
try {
  process.stdout.write(`${candidates.length} mutants killed by the unit tests; sampling ${sample.length}, seeds ${seeds.join(',')}, --time-limit ${argv['time-limit']}${argv.base === undefined ? '' : `, harness of ${argv.base}`}\n`);
  copyRepo(root, work, argv.base);
  if (!(await build(work))) throw new Error('the unmutated copy does not build');
  for (const m of sample) {
    const file = path.join(work, m.file);
    const original = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const mutated = placeMutant(original, m);
    const verdicts: Verdict[] = [];
    if (mutated === null) verdicts.push('not-in-base'); // only with --base: the report's own source always places
    else {
      fs.writeFileSync(file, mutated);
      if (!(await build(work))) verdicts.push('no-build');
      else for (const seed of seeds) verdicts.push(await runTest(work, seed));
      fs.writeFileSync(file, original);
    }
    const row = { ...m, verdicts, killed: verdicts.includes('INVALID') };
    rows.push(row);
    process.stdout.write(`mutant ${m.id} ${m.file}:${m.line} ${m.mutator}: ${verdicts.join(' ')}${row.killed ? ' -> killed' : ''}\n`);
  }
} catch (e) {
  process.stderr.write(`mutation-harness: ${(e as Error).message}\n`);
  process.exitCode = EXIT.crash;
} finally {
  cleanup();
}

if (process.exitCode === EXIT.crash) process.exit();
const placed = rows.filter((r) => !r.verdicts.includes('not-in-base'));
const killed = placed.filter((r) => r.killed).length;
const oneLine = (s: string) => (s.length > 40 ? `${s.slice(0, 37)}...` : s).replace(/\s+/g, ' ');
const table = [
  ['mutant', 'file:line', 'mutator', 'replacement', ...seeds.map((s) => `seed ${s}`), 'killed'],
  ...rows.map((r) => [r.id, `${r.file}:${r.line}`, r.mutator, oneLine(r.replacement), ...r.verdicts, r.killed ? 'yes' : 'no']),
];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
process.stdout.write(`\n${table.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n')}\n`);
const rate = placed.length === 0 ? 0 : killed / placed.length;
const left = rows.length - placed.length;
process.stdout.write(`\nharness kill rate: ${killed}/${placed.length} = ${(rate * 100).toFixed(0)}% of mutants the unit tests kill${left > 0 ? ` (${left} not in ${argv.base}: left out)` : ''}\n`);
fs.mkdirSync(path.dirname(argv.out), { recursive: true });
fs.writeFileSync(argv.out, `${JSON.stringify({ reports: argv.report, base: argv.base ?? null, sampleSeed: argv['sample-seed'], seeds, timeLimit: argv['time-limit'], killed, sampled: rows.length, placed: placed.length, rate, mutants: rows.map(({ source: _, ...r }) => r) }, null, 2)}\n`);
process.stdout.write(`written to ${argv.out}\n`);
