/**
 * `jepsen-ts merge --into DIR STORE...` and `jepsen-ts index [--results DIR]`: the end of a CI
 * night. `merge` copies the runs of many stores (one per CI cell) into one; both write the
 * store's static index.html (every run, the trends, FLAKY tests) and, when asked, the JUnit
 * file and the Markdown step summary of its runs.
 */
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { EXIT } from '../../ground/exit.js';
import { UsageError } from '../../ground/runtime.js';
import type { RunOutcome } from '../ci/outcome.js';

interface ArtefactArgs {
  junit?: unknown;
  summary?: unknown;
}

const fileFlag = (v: unknown, flag: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`${flag} needs a file name`);
  return resolve(v);
};

function artefactOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('junit', { type: 'string', requiresArg: true, describe: 'also write a JUnit XML file of the runs' })
    .option('summary', { type: 'string', requiresArg: true, describe: 'also append a Markdown summary of the runs (e.g. $GITHUB_STEP_SUMMARY)' }) as never;
}

async function writeArtefacts(store: string, argv: ArtefactArgs, lead: string): Promise<void> {
  const junit = fileFlag(argv.junit, '--junit');
  const summary = fileFlag(argv.summary, '--summary');
  const { writeStaticIndex, INDEX_FILE } = await import('../ci/merge.js');
  const outcomes: RunOutcome[] = await writeStaticIndex(store);
  if (junit) (await import('../ci/junit.js')).writeJunit(junit, 'jepsen-ts', outcomes);
  if (summary) (await import('../ci/summary.js')).writeSummary(summary, 'jepsen-ts runs', outcomes);
  const count = (v: RunOutcome['verdict']) => outcomes.filter((o) => o.verdict === v).length;
  process.stdout.write(`${lead}${outcomes.length} runs (${count('VALID')} valid, ${count('INVALID')} invalid, ${outcomes.length - count('VALID') - count('INVALID')} without a verdict)\n`);
  process.stdout.write(`index: ${resolve(store, INDEX_FILE)}\n`);
  if (junit) process.stdout.write(`junit: ${junit}\n`);
  if (summary) process.stdout.write(`summary: ${summary}\n`);
  process.exitCode = EXIT.valid;
}

export const mergeCommand: CommandModule<object, ArtefactArgs & { into?: unknown; stores?: unknown }> = {
  command: 'merge <stores..>',
  describe: 'merge results stores (e.g. CI cells) into one, with a static index, JUnit and summary',
  builder: (y) => artefactOptions(y.positional('stores', { type: 'string', array: true, describe: 'results directories to merge' }).option('into', { type: 'string', requiresArg: true, demandOption: true, describe: 'the merged store (created if absent)' })) as never,
  handler: async (argv) => {
    const into = fileFlag(argv.into, '--into')!;
    const stores = (Array.isArray(argv.stores) ? argv.stores : [argv.stores]).map(String).map((s) => resolve(s));
    if (stores.includes(into)) throw new UsageError(`--into ${into} is also one of the stores to merge`);
    const { mergeStores } = await import('../ci/merge.js');
    const { copied, skipped } = mergeStores(into, stores);
    await writeArtefacts(into, argv, `merged ${copied} runs (${skipped} already there) into ${into}: `);
  },
};

export const indexCommand: CommandModule<object, ArtefactArgs & { results?: unknown }> = {
  command: 'index',
  describe: 'write the static index.html of a results store (runs, trends, FLAKY), and JUnit / summary',
  builder: (y) => artefactOptions(y.option('results', { type: 'string', requiresArg: true, describe: 'the results store [default: results]' })) as never,
  handler: async (argv) => {
    const store = resolve(fileFlag(argv.results, '--results') ?? 'results');
    await writeArtefacts(store, argv, `${store}: `);
  },
};
