/**
 * `jepsen-ts test`: one test run (or --test-count N of them, seeds seed, seed+1, ...) of the
 * chosen definition (`--db NAME`, default paxos, or `--test PATH`) on the chosen runtime. Exit code: the worst run's (0 valid, 1 invalid,
 * 2 unknown/interrupted, 254 bad arguments, 255 harness crash).
 */
import type { CommandModule } from 'yargs';
import { ARTEFACT_OPTIONS, artefactFiles, outcomesOf, writeArtefacts } from '../ci/artefacts.js';
import { EXIT, worstExit } from '../../ground/exit.js';
import { Interrupts } from '../interrupts.js';
import { ensureWritableResults, testOptions, toTestConfig, type TestConfig } from '../options.js';
import { emergencyTeardown, runTest, type RunDeps, type RunOutcome } from '../run.js';
import { resolveDefinition } from '../suites.js';
import { depsFor } from '../wiring.js';

/**
 * Sets the exit code once a run is over and everything it started is torn down, and lets Node
 * end on its own (teardown leaves no handle: harness/runtime/exit-cleanup.test.ts). The unref'd
 * timer is the last resort for a handle leaked by code we do not own (a library's socket): a
 * finished CLI must not hang a CI job, so after a grace period it names what is still open
 * and exits.
 */
export function exitNow(code: number): void {
  process.exitCode = code;
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout');
    process.stderr.write(`jepsen-ts: still running ${EXIT_GRACE_MS} ms after the end (open: ${open.join(', ') || 'none'}); exiting\n`);
    process.exit(code);
  }, EXIT_GRACE_MS).unref();
}

const EXIT_GRACE_MS = 10_000;

/** Runs configs one after another (stopping at an interrupt); returns each outcome. */
export async function runSeries(configs: TestConfig[], deps: RunDeps, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Promise<RunOutcome[]> {
  const interrupts = new Interrupts((line) => out.write(`\n${line}\n`)).install();
  const outcomes: RunOutcome[] = [];
  // A bug that escapes every try (a throw in a timer callback) must still not leave nodes behind.
  const die = (err: unknown) => {
    process.stderr.write(`jepsen-ts: crashed: ${(err as Error)?.stack ?? String(err)}\ntearing down...\n`);
    void emergencyTeardown().finally(() => process.exit(EXIT.crash));
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  try {
    for (const [i, config] of configs.entries()) {
      if (configs.length > 1) out.write(`\n== test ${i + 1}/${configs.length}: ${config.name} seed ${config.seed}\n`);
      // A simulated run starts no process: its own loop (harness/sim), loaded only when chosen.
      const outcome = config.runtime === 'sim' ? await (await import('../sim/run.js')).runSimTest(config, deps.test, { out, interrupts }) : await runTest(config, deps, { out, interrupts });
      outcomes.push(outcome);
      if (outcome.interrupted) break;
    }
  } finally {
    interrupts.uninstall();
    process.off('uncaughtException', die);
    process.off('unhandledRejection', die);
  }
  return outcomes;
}

export const testCommand: CommandModule<object, Record<string, unknown>> = {
  command: 'test',
  describe: 'start a cluster, run a workload under faults, and check the history',
  builder: (yargs) => yargs.options({ ...testOptions, ...ARTEFACT_OPTIONS }),
  async handler(argv) {
    const { definition, source } = await resolveDefinition(argv);
    const config = toTestConfig(argv, definition, source);
    if (config.runtime === 'sim') (await import('../sim/options.js')).refuseUnsimulated(config, definition);
    const files = artefactFiles(argv);
    ensureWritableResults(config.resultsDir);
    const configs = Array.from({ length: config.testCount }, (_, i) => ({ ...config, seed: config.seed + i }));
    const outcomes = await runSeries(configs, depsFor(definition));
    if (outcomes.length > 1) {
      process.stdout.write(`\n${outcomes.length} tests: ${outcomes.map((o, i) => `seed ${configs[i].seed} exit ${o.exit}`).join(', ')}\n`);
    }
    await writeArtefacts(files, outcomesOf(outcomes.map((o) => o.runDir)));
    exitNow(worstExit(outcomes.map((o) => o.exit)));
  },
};
