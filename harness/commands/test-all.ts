/**
 * `jepsen-ts test-all [--db NAME | --test PATH] --workload a,b --nemesis x,y+z --seeds 1,2`: runs the cross product of
 * workloads x nemeses x seeds one after another (each a full `test` run with the other options
 * shared), prints a summary table, and exits with the worst exit code. In --nemesis, commas
 * separate the runs and `+` composes faults within one run (x,y+z = two nemesis settings).
 * Every combination is validated before the first run starts.
 */
import type { CommandModule } from 'yargs';
import { ARTEFACT_OPTIONS, artefactFiles, outcomesOf, writeArtefacts } from '../ci/artefacts.js';
import { worstExit } from '../../ground/exit.js';
import type { TestDefinition } from '../../ground/test.js';
import { ensureWritableResults, LIMITS, testOptions, toTestConfig, userFlags, type TestConfig } from '../options.js';
import { resolveDefinition, type TestSource } from '../suites.js';
import { depsFor } from '../wiring.js';
import { UsageError } from '../../ground/runtime.js';
import { availableParallelism } from 'node:os';
import { runParallel } from './parallel.js';
import { exitNow, runSeries } from './test.js';

/** test-all's own defaults, under the definition's defaults and the user's flags (as CLI_DEFAULTS for test). */
const TEST_ALL_DEFAULTS = { nemesis: 'none,partition,kill,pause,clock,packet', 'time-limit': 30 } as const;

const { 'test-count': _testCount, seed: _seed, name: _name, 'leave-db-running': _leave, ...shared } = testOptions;

export const testAllOptions = {
  ...shared,
  workload: { type: 'string', requiresArg: true, defaultDescription: "every workload of the suite", describe: 'workloads, comma list' },
  nemesis: { type: 'string', requiresArg: true, defaultDescription: TEST_ALL_DEFAULTS.nemesis, describe: 'nemesis settings, comma list; + composes (partition+kill)' },
  seeds: { type: 'string', requiresArg: true, describe: 'seeds, comma list; A..B is every seed from A to B (with --runtime sim: swept on worker threads, only the runs not VALID stored) (default: one random seed)' },
  parallel: { type: 'string', requiresArg: true, defaultDescription: 'the machine\'s cores', describe: 'runs at once, each a child `test` process with its own ports, dirs and proxy (1: one after another, in this process)' },
  'time-limit': { ...shared['time-limit'], defaultDescription: String(TEST_ALL_DEFAULTS['time-limit']) },
} as const;

function items(raw: unknown, flag: string): string[] {
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new UsageError(`${flag} needs a value`);
  const out = String(raw).split(',').map((s) => s.trim());
  if (out.some((s) => s === '')) throw new UsageError(`${flag}: empty item in ${JSON.stringify(raw)}`);
  return out;
}

/** Every combination as a validated TestConfig (UsageError on the first bad one). */
export function crossProduct(given: Record<string, unknown>, definition: TestDefinition, source: TestSource): TestConfig[] {
  const argv = { ...TEST_ALL_DEFAULTS, ...definition.defaults, workload: Object.keys(definition.workloads).join(','), ...userFlags(given), seeds: given.seeds };
  const workloads = items(argv.workload, '--workload');
  const nemeses = items(argv.nemesis, '--nemesis').map((n) => n.split('+').join(','));
  const seeds = argv.seeds === undefined ? [undefined] : items(argv.seeds, '--seeds').flatMap(seedRange);
  const runs = workloads.length * nemeses.length * seeds.length;
  if (runs > LIMITS.runs) throw new UsageError(`test-all: ${workloads.length} workloads x ${nemeses.length} nemeses x ${seeds.length} seeds = ${runs} runs, at most ${LIMITS.runs}`);
  const configs: TestConfig[] = [];
  let random: number | undefined;
  for (const workload of workloads) {
    for (const nemesis of nemeses) {
      for (const seed of seeds) {
        const c = toTestConfig({ ...userFlags(argv), workload, nemesis, seed: seed ?? random, name: undefined, 'test-count': 1 }, definition, source);
        random ??= seed === undefined ? c.seed : undefined; // one random seed shared by all runs
        configs.push(c);
      }
    }
  }
  return configs;
}

/** `A..B` -> every seed A to B (as strings, checked as --seed later); any other item as it is. */
function seedRange(item: string): string[] {
  const m = /^(\d+)\.\.(\d+)$/.exec(item);
  if (!m) return [item];
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (b < a) throw new UsageError(`--seeds: empty range ${item} (A..B needs A <= B)`);
  if (b - a + 1 > LIMITS.runs) throw new UsageError(`--seeds: ${item} is ${b - a + 1} seeds, at most ${LIMITS.runs}`);
  return Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
}

/** Whether --seeds holds a range (A..B): a simulated test-all then sweeps (harness/sim/sweep-cli.ts). */
const hasSeedRange = (raw: unknown) => typeof raw === 'string' && raw.split(',').some((s) => /^\s*\d+\.\.\d+\s*$/.test(s));

export const testAllCommand: CommandModule<object, Record<string, unknown>> = {
  command: 'test-all',
  describe: 'run the cross product of workloads x nemeses x seeds; exit code = the worst run',
  builder: (yargs) => yargs.options({ ...testAllOptions, ...ARTEFACT_OPTIONS }),
  async handler(argv) {
    const { definition, source } = await resolveDefinition(argv);
    const configs = crossProduct(argv, definition, source);
    // Refused before the first run, as `test` refuses: not one exit 254 per run.
    if (configs[0].runtime === 'sim') {
      const { refuseUnsimulated } = await import('../sim/options.js');
      for (const c of configs) refuseUnsimulated(c, definition);
    }
    const files = artefactFiles(argv);
    ensureWritableResults(configs[0].resultsDir);
    const parallel = parallelOf(argv.parallel);
    if (configs[0].runtime === 'sim' && hasSeedRange(argv.seeds)) {
      const { exit, runDirs } = await (await import('../sim/sweep-cli.js')).runSweep(configs, parallel);
      await writeArtefacts(files, outcomesOf(runDirs));
      return exitNow(exit);
    }
    const outcomes = parallel > 1 && configs.length > 1 ? await runParallel(configs, parallel) : await runSeries(configs, depsFor(definition));
    const rows = outcomes.map((o, i) => [configs[i].workload, configs[i].nemesis.join('+') || 'none', String(configs[i].seed), verdictWord(o.exit), String(o.exit), o.runDir]);
    const header = ['workload', 'nemesis', 'seed', 'verdict', 'exit', 'run dir'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ');
    const out = process.stdout;
    out.write(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
    for (const r of rows) out.write(`${line(r)}\n`);
    if (outcomes.length < configs.length) out.write(`(${configs.length - outcomes.length} run(s) not started: interrupted)\n`);
    const exit = worstExit(outcomes.map((o) => o.exit));
    out.write(`test-all: ${outcomes.length} run(s), worst exit ${exit}\n`);
    await writeArtefacts(files, outcomesOf(outcomes.map((o) => o.runDir)));
    exitNow(outcomes.length < configs.length ? worstExit([exit, 2]) : exit);
  },
};

/** --parallel: 1..LIMITS.parallel; default the cores this process may use. */
export function parallelOf(raw: unknown): number {
  if (raw === undefined) return availableParallelism();
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 1 || n > MAX_PARALLEL) throw new UsageError(`--parallel must be an integer 1..${MAX_PARALLEL} (got ${JSON.stringify(raw)})`);
  return n;
}

const MAX_PARALLEL = 64;

function verdictWord(exit: number): string {
  return ({ 0: 'valid', 1: 'INVALID', 2: 'unknown', 255: 'CRASHED' } as Record<number, string>)[exit] ?? `exit ${exit}`;
}
