/**
 * `npm run mutation:recheck`: re-runs every mutant Stryker did not see killed (Survived,
 * NoCoverage, Timeout) with the mutant WRITTEN INTO a copy of the source instead of switched on
 * by Stryker's instrumentation, and prints the mutation score that results.
 *
 * Why: under load a surviving run can outlast Stryker's timeout and count as a Timeout, i.e.
 * detected (18 of 37 here, assertion messages among them); and a mutant Stryker saw survive is
 * worth seeing fail against today's tests, with no instrumentation in between.
 *
 * The tier is vitest.mutation.config.ts without the model checker (about 90% of its cost): the
 * core's unit tests and SIM_SEEDS (50) simulator seeds per cluster size, stopping at the first
 * failure. A mutant gets four times the unmutated run's time (at least 30 s): one that hangs
 * the tier that long counts as a timeout, i.e. detected, as Stryker does. Leaving the model
 * checker out can only under-count kills.
 *
 *   npm run mutation:recheck -- --report F [--report G ...] [--out reports/mutation/recheck.json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT } from '../ground/exit.js';
import { copyRepo, placeMutant, readStrykerReport } from './mutants.js';

type Recheck = 'killed' | 'survived' | 'timeout' | 'not-placed';
const RECHECKED = new Set(['Survived', 'NoCoverage', 'Timeout']);
const NOT_COUNTED = new Set(['CompileError', 'Ignored', 'RuntimeError']);

function usageExit(message: string): never {
  process.stderr.write(`mutation-recheck: ${message}\n`);
  process.exit(EXIT.usage);
}

const argv = yargs(hideBin(process.argv))
  .scriptName('mutation-recheck')
  .option('report', { type: 'string', array: true, default: ['reports/mutation/mutation.json'], describe: "Stryker's JSON report (repeat for one per group of files)" })
  .option('out', { type: 'string', default: 'reports/mutation/recheck.json' })
  .strict()
  .fail((msg, err) => usageExit(msg ?? err?.message ?? 'bad arguments'))
  .parseSync();

const reports = argv.report.map((file) => {
  try {
    return readStrykerReport(file);
  } catch (e) {
    usageExit((e as Error).message);
  }
});

/** The process group of the tier now running (its vitest workers included), if any. */
let running: number | null = null;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs the tier in `dir` for at most `timeoutMs`: 'survived' when every test passes. Vitest
 * runs in a process group of its own, killed whole when the tier ends or hangs: a mutant that
 * loops forever does so in a vitest WORKER, which outlives a kill of vitest's main process.
 */
async function tier(dir: string, timeoutMs: number): Promise<Exclude<Recheck, 'not-placed'>> {
  const child = execa(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'vitest.mutation.config.ts', '--bail', '1', '--reporter', 'dot', 'paxos/core/', 'paxos/sim/'], {
    cwd: dir,
    reject: false,
    detached: true,
    // A vitest that bails or is killed leaves its transform cache (os.tmpdir()/<nanoid>/ssr):
    // keep it inside the work copy, which goes whole when the recheck ends.
    env: { SIM_SEEDS: '50', TMPDIR: path.join(dir, '.tmp') },
  });
  const pid = child.pid!;
  running = pid;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(pid);
  }, timeoutMs);
  const r = await child;
  clearTimeout(timer);
  killGroup(pid);
  running = null;
  if (timedOut) return 'timeout';
  return r.exitCode === 0 ? 'survived' : 'killed';
}

interface Row { file: string; id: string; line: number; mutator: string; replacement: string; stryker: string; recheck: Recheck | null }
const rows: Row[] = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'jepsen-recheck-'));
const cleanup = () => fs.rmSync(work, { recursive: true, force: true });
const stop = (code: number) => () => {
  if (running !== null) killGroup(running);
  cleanup();
  process.exit(code);
};
process.once('SIGINT', stop(130));
process.once('SIGTERM', stop(143));

try {
  copyRepo(process.cwd(), work);
  fs.mkdirSync(path.join(work, '.tmp'));
  const started = Date.now();
  if ((await tier(work, 600_000)) !== 'survived') throw new Error('the unmutated copy does not pass the tier');
  const perMutantMs = Math.max(30_000, 4 * (Date.now() - started));
  process.stdout.write(`the unmutated tier took ${((Date.now() - started) / 1000).toFixed(1)} s; each mutant gets ${(perMutantMs / 1000).toFixed(0)} s\n`);
  for (const report of reports) {
    for (const [file, { source, mutants }] of Object.entries(report.files)) {
      for (const m of mutants) {
        const row: Row = { file, id: m.id, line: m.location.start.line, mutator: m.mutatorName, replacement: m.replacement ?? '', stryker: m.status, recheck: null };
        rows.push(row);
        if (!RECHECKED.has(m.status)) continue;
        const target = path.join(work, file);
        const original = fs.readFileSync(target, 'utf8');
        const mutated = placeMutant(original, { source, start: m.location.start, end: m.location.end, replacement: row.replacement });
        if (mutated === null) row.recheck = 'not-placed';
        else {
          fs.writeFileSync(target, mutated);
          row.recheck = await tier(work, perMutantMs);
          fs.writeFileSync(target, original);
        }
        process.stdout.write(`${file}:${row.line} #${m.id} ${m.mutatorName} ${JSON.stringify(row.replacement.replace(/\s+/g, ' ').slice(0, 60))}: Stryker ${m.status}, written in: ${row.recheck}\n`);
      }
    }
  }
} catch (e) {
  process.stderr.write(`mutation-recheck: ${(e as Error).message}\n`);
  process.exitCode = EXIT.crash;
} finally {
  cleanup();
}
if (process.exitCode === EXIT.crash) process.exit();

const detected = (r: Row) => (r.recheck === null ? r.stryker === 'Killed' || r.stryker === 'Timeout' : r.recheck === 'killed' || r.recheck === 'timeout');
const counted = rows.filter((r) => !NOT_COUNTED.has(r.stryker));
const files = [...new Set(counted.map((r) => r.file))].sort();
const line = (name: string, of: Row[]) => {
  const d = of.filter(detected).length;
  const falseSurvivors = of.filter((r) => (r.stryker === 'Survived' || r.stryker === 'NoCoverage') && r.recheck === 'killed').length;
  const falseTimeouts = of.filter((r) => r.stryker === 'Timeout' && r.recheck === 'survived').length;
  return `${name.padEnd(24)} ${String(d).padStart(4)}/${String(of.length).padEnd(4)} ${((100 * d) / Math.max(1, of.length)).toFixed(1).padStart(5)}%   Stryker's survivors killed when written in: ${falseSurvivors}, its timeouts that survive: ${falseTimeouts}`;
};
process.stdout.write(`\nmutation score after the re-check (detected / mutants that compile):\n${files.map((f) => line(f, counted.filter((r) => r.file === f))).join('\n')}\n${line('all', counted)}\n`);
process.stdout.write(`survivors to triage (paxos/core/MUTATION.md): ${counted.filter((r) => !detected(r)).map((r) => `${path.basename(r.file)}#${r.id}`).join(' ') || 'none'}\n`);
fs.mkdirSync(path.dirname(argv.out), { recursive: true });
fs.writeFileSync(argv.out, `${JSON.stringify({ reports: argv.report, tier: 'paxos/core unit tests + SIM_SEEDS=50 simulator seeds per size', mutants: rows }, null, 2)}\n`);
process.stdout.write(`written to ${argv.out}\n`);
