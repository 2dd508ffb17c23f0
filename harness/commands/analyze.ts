/**
 * `jepsen-ts analyze RUN_DIR`: re-checks a stored run from its files alone (test.json,
 * history.jsonl, nodes/<n>/decided-log.json) with the checkers of its workload, rewrites
 * results.json (and report.html), and exits with the verdict's code. Works on interrupted or crashed runs too:
 * whatever made it to history.jsonl is judged.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { createWorkload } from '../../workloads/index.js';
import { exitCodeFor } from '../exit.js';
import { readHistory } from '../historyWriter.js';
import { checkerMemoryMb, workloadOptionsOf } from '../options.js';
import { countOps, printVerdict, writeReportQuietly, type ResultsFile } from '../run.js';
import { FILES, readDecidedLogs, readJson, resolveRunDir, type TestRecord, writeJson } from '../store.js';

/** `checkerMemoryMb` overrides the run's own --checker-memory-mb (test.json). */
export async function analyzeRun(path: string, opts: { checkerMemoryMb?: number } = {}): Promise<{ exit: number; file: ResultsFile; runDir: string }> {
  const runDir = resolveRunDir(path);
  const record = readJson<TestRecord>(join(runDir, FILES.test));
  const workload = createWorkload(record.config.workload, { ...workloadOptionsOf(record.config), ...opts });
  const history = readHistory(join(runDir, FILES.history));
  const decidedLogs = readDecidedLogs(runDir);
  const [{ checkAll }, checkers] = await Promise.all([import('../../checkers/checker.js'), workload.checkers()]);
  const { valid, results } = await checkAll(checkers, history, { runDir, decidedLogs });
  const before: Partial<ResultsFile> = existsSync(join(runDir, FILES.results)) ? readJson<ResultsFile>(join(runDir, FILES.results)) : {};
  const exit = exitCodeFor(valid);
  const file: ResultsFile = {
    decidedLogErrors: {},
    nemesisErrors: [],
    nemesisCycles: 0,
    finalReadsMissing: 0,
    ...before,
    interrupted: before.interrupted ?? false,
    crashed: before.crashed ?? null,
    valid,
    exit,
    results,
    counts: countOps(history),
    analyzedAt: new Date().toISOString(),
  };
  writeJson(join(runDir, FILES.results), file);
  await writeReportQuietly(runDir, (line) => process.stdout.write(`${line}\n`));
  return { exit, file, runDir };
}

export const analyzeCommand: CommandModule<object, { run: string; 'checker-memory-mb'?: number }> = {
  command: 'analyze <run>',
  describe: 're-check a stored run (its history and decided logs) and rewrite its results.json',
  builder: (yargs) =>
    yargs
      .positional('run', { type: 'string', demandOption: true, describe: 'run directory, e.g. results/latest' })
      .option('checker-memory-mb', { type: 'number', requiresArg: true, describe: "MB the linearizability checker's search caches may hold (default: the run's own)" }) as never,
  async handler(argv) {
    const memory = argv['checker-memory-mb'];
    const { exit, file, runDir } = await analyzeRun(argv.run, memory === undefined ? {} : { checkerMemoryMb: checkerMemoryMb(memory, '--checker-memory-mb') });
    printVerdict(process.stdout, { ...file, crashed: null, interrupted: false }, runDir);
    process.exitCode = exit;
  },
};
