/**
 * `jepsen-ts analyze RUN_DIR`: re-checks a stored run from its files alone (test.json,
 * history.jsonl, nodes/<n>/decided-log.json and replica-state.json) with the checkers of its workload, rewrites
 * results.json (and report.html), and exits with the verdict's code. Works on interrupted or crashed runs too:
 * whatever made it to history.jsonl is judged. Ctrl-C (or SIGTERM, or the parent's death)
 * cancels the check: results.json is left as it was, exit 2.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { EXIT, exitCodeFor } from '../../ground/exit.js';
import { UsageError } from '../../ground/runtime.js';
import { readHistory } from '../historyWriter.js';
import { CANCEL_CHECK, Interrupts } from '../interrupts.js';
import { checkerMemoryMb, workloadOptionsOf } from '../options.js';
import { countOps, printVerdict, writeReportQuietly, type ResultsFile } from '../run.js';
import { FILES, readDecidedLogs, readJson, readReplicaStates, resolveRunDir, type TestRecord, writeJson } from '../store.js';
import { definitionOfRun } from '../suites.js';
import { checkersOf, workloadOf } from '../suite.js';

/**
 * Re-checks a run; once `signal` aborts the check stops and nothing is written (interrupted: true).
 * `checkerMemoryMb` overrides the run's own --checker-memory-mb (test.json).
 */
export async function analyzeRun(path: string, opts: { checkerMemoryMb?: number; signal?: AbortSignal } = {}): Promise<{ exit: number; file: ResultsFile; runDir: string; interrupted: boolean }> {
  const signal = opts.signal;
  const runDir = resolveRunDir(path);
  const record = readJson<TestRecord>(join(runDir, FILES.test));
  const config = record?.config as Partial<TestRecord['config']> | undefined;
  for (const field of ['workload', 'opTimeoutMs', 'concurrency'] as const) {
    if (config?.[field] === undefined) throw new UsageError(`${join(runDir, FILES.test)}: config.${field} is missing; is this a jepsen-ts run directory?`);
  }
  // The run's own definition: its built-in suite (config.db; paxos for runs older than --db) or its test module.
  const definition = await definitionOfRun(record.config);
  const workload = workloadOf(definition, record.config.workload, { ...workloadOptionsOf(record.config), ...opts });
  const history = readHistory(join(runDir, FILES.history));
  const decidedLogs = readDecidedLogs(runDir);
  const before: Partial<ResultsFile & { coreErrors: string[] }> = existsSync(join(runDir, FILES.results)) ? readJson<ResultsFile>(join(runDir, FILES.results)) : {};
  const [{ checkAll }, suiteCheckers] = await Promise.all([import('../../ground/checker.js'), checkersOf(definition, record.config.workload, workload)]);
  // A simulated run's node errors are facts of the run, not of its history: judged again from results.json.
  const checkers = Array.isArray(before.coreErrors) ? [...suiteCheckers, (await import('../sim/node-errors.js')).nodeErrorsChecker(before.coreErrors)] : suiteCheckers;
  const { valid, results } = await checkAll(checkers, history, { runDir, decidedLogs, replicaStates: readReplicaStates(runDir), replay: definition.db.replay?.bind(definition.db), dbName: definition.db.name, signal, ...(record.config.checkerTimeoutMs !== undefined ? { timeoutMs: record.config.checkerTimeoutMs } : {}) });
  const interrupted = signal?.aborted === true;
  const exit = interrupted ? EXIT.unknown : exitCodeFor(valid);
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
  // A cancelled re-check proves nothing: the verdict on file stays.
  if (interrupted) return { exit, file: { ...file, interrupted: true }, runDir, interrupted };
  writeJson(join(runDir, FILES.results), file);
  await writeReportQuietly(runDir, (line) => process.stdout.write(`${line}\n`));
  return { exit, file, runDir, interrupted };
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
    const checkerMemory = memory === undefined ? {} : { checkerMemoryMb: checkerMemoryMb(memory, '--checker-memory-mb') };
    const interrupts = new Interrupts((line) => process.stdout.write(`${line}\n`), CANCEL_CHECK).install();
    try {
      const { exit, file, runDir, interrupted } = await analyzeRun(argv.run, { ...checkerMemory, signal: interrupts.signal });
      printVerdict(process.stdout, { ...file, crashed: null, interrupted }, runDir);
      if (interrupted) process.stdout.write(`interrupted: ${join(runDir, FILES.results)} left as it was\n`);
      process.exitCode = exit;
    } finally {
      interrupts.uninstall();
    }
  },
};
