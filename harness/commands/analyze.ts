/**
 * `jepsen-ts analyze RUN_DIR`: re-checks a stored run from its files alone (test.json,
 * history.jsonl, nodes/<n>/decided-log.json and replica-state.json) with the checkers of its workload, rewrites
 * results.json (and report.html), and exits with the verdict's code. Works on interrupted or crashed runs too:
 * whatever made it to history.jsonl is judged.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { createWorkload } from '../../workloads/index.js';
import { exitCodeFor } from '../exit.js';
import { readHistory } from '../historyWriter.js';
import { countOps, printVerdict, writeReportQuietly, type ResultsFile } from '../run.js';
import { FILES, readDecidedLogs, readJson, readReplicaStates, resolveRunDir, type TestRecord, writeJson } from '../store.js';
import { paxosDb } from '../../paxos/db.js';

export async function analyzeRun(path: string): Promise<{ exit: number; file: ResultsFile; runDir: string }> {
  const runDir = resolveRunDir(path);
  const record = readJson<TestRecord>(join(runDir, FILES.test));
  const workload = createWorkload(record.config.workload, { opTimeoutMs: record.config.opTimeoutMs });
  const history = readHistory(join(runDir, FILES.history));
  const decidedLogs = readDecidedLogs(runDir);
  const [{ checkAll }, checkers] = await Promise.all([import('../../checkers/checker.js'), workload.checkers()]);
  // The runs jepsen-ts stores are of our Paxos KV (harness/wiring.ts): its state machine replays them.
  const { valid, results } = await checkAll(checkers, history, { runDir, decidedLogs, replicaStates: readReplicaStates(runDir), replay: paxosDb.replay, dbName: paxosDb.name });
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

export const analyzeCommand: CommandModule<object, { run: string }> = {
  command: 'analyze <run>',
  describe: 're-check a stored run (its history and decided logs) and rewrite its results.json',
  builder: (yargs) => yargs.positional('run', { type: 'string', demandOption: true, describe: 'run directory, e.g. results/latest' }),
  async handler(argv) {
    const { exit, file, runDir } = await analyzeRun(argv.run);
    printVerdict(process.stdout, { ...file, crashed: null, interrupted: false }, runDir);
    process.exitCode = exit;
  },
};
