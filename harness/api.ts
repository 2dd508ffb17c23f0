/**
 * runTest for programs: runs a TestDefinition the way `jepsen-ts test --test` does (the same
 * flags, validation, run dir, teardown, checkers) and returns the verdict instead of exiting.
 * The harness is imported on the first call, so importing the public entry stays cheap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, Validity } from '../ground/checker.js';
import { worstExit } from '../ground/exit.js';
import { UsageError } from '../ground/runtime.js';
import type { TestDefinition } from '../ground/test.js';

/** The verdict of one run. */
export interface RunVerdict {
  /** true: every checker passed; false: one found a violation; 'unknown': nothing could be decided. */
  valid: Validity;
  /** The CLI's exit code: 0 valid, 1 invalid, 2 unknown or interrupted, 255 crashed. */
  exit: number;
  /** The run directory (history.jsonl, results.json, report.html, node logs). */
  runDir: string;
  /** Each checker's result, by name (empty when the run crashed or was interrupted). */
  results: Record<string, CheckResult>;
  interrupted: boolean;
}

/** What runTest returns: the worst run's verdict, and every run's (`test-count` > 1). */
export interface TestVerdict extends RunVerdict {
  runs: RunVerdict[];
}

/** Where runTest writes progress and the verdict lines, and how the run is recorded. */
export interface RunTestOptions {
  /** Progress and verdict lines (default: process.stdout). */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /**
   * The test module that exports the definition, recorded in test.json so `jepsen-ts analyze`
   * can load it again; without it the run is recorded as `--db <definition.name>`.
   */
  module?: string;
}

/**
 * Runs `definition` with `flags` (the CLI's flag names without dashes, e.g.
 * `{ nemesis: 'kill', 'time-limit': 15, seed: 3 }`; they override `definition.defaults`) and
 * resolves to the verdict. Bad flags or a malformed definition reject with a UsageError before
 * anything starts. Like the CLI, it handles SIGINT/SIGTERM while it runs (teardown, then
 * an interrupted verdict).
 */
export async function runTest(definition: TestDefinition, flags: Readonly<Record<string, unknown>> = {}, opts: RunTestOptions = {}): Promise<TestVerdict> {
  const [{ definitionProblem }, { ensureWritableResults, toTestConfig }, { runSeries }, { depsFor }] = await Promise.all([
    import('./test-module.js'),
    import('./options.js'),
    import('./commands/test.js'),
    import('./wiring.js'),
  ]);
  const problem = definitionProblem(definition);
  if (problem) throw new UsageError(`runTest: not a TestDefinition: ${problem}`);
  const config = toTestConfig({ ...flags }, definition, opts.module !== undefined ? { test: opts.module } : { db: definition.name });
  ensureWritableResults(config.resultsDir);
  const configs = Array.from({ length: config.testCount }, (_, i) => ({ ...config, seed: config.seed + i }));
  const outcomes = await runSeries(configs, depsFor(definition), opts.out ?? process.stdout);
  const runs = outcomes.map((o): RunVerdict => ({ valid: o.valid, exit: o.exit, runDir: o.runDir, results: resultsOf(o.runDir), interrupted: o.interrupted }));
  const worst = worstExit(runs.map((r) => r.exit));
  return { ...(runs.find((r) => r.exit === worst) ?? runs[runs.length - 1]), runs };
}

/** The checkers' results as results.json holds them ({} when it was not written). */
function resultsOf(runDir: string): Record<string, CheckResult> {
  try {
    return (JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as { results?: Record<string, CheckResult> }).results ?? {};
  } catch {
    return {};
  }
}
