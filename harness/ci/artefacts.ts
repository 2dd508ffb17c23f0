/**
 * `--junit FILE` and `--summary FILE` of `test`, `test-all`, `merge` and `index`: the flags,
 * checked before anything runs, and the files written from the runs' stored outcomes once they
 * are over. The JUnit writer loads only when asked for.
 */
import { resolve } from 'node:path';
import { UsageError } from '../../ground/runtime.js';
import { readOutcome, type RunOutcome } from './outcome.js';

export interface ArtefactFiles {
  junit?: string;
  summary?: string;
}

/** yargs definitions of the two flags. */
export const ARTEFACT_OPTIONS = {
  junit: { type: 'string', requiresArg: true, describe: 'also write a JUnit XML file of the runs (one testcase per run)' },
  summary: { type: 'string', requiresArg: true, describe: 'also append a Markdown summary of the runs (e.g. $GITHUB_STEP_SUMMARY)' },
} as const;

const fileFlag = (v: unknown, flag: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`${flag} needs a file name`);
  return resolve(v);
};

export function artefactFiles(argv: Readonly<Record<string, unknown>>): ArtefactFiles {
  const junit = fileFlag(argv.junit, '--junit');
  const summary = fileFlag(argv.summary, '--summary');
  return { ...(junit ? { junit } : {}), ...(summary ? { summary } : {}) };
}

/** Writes the asked-for files of `outcomes` and names them on `out`. */
export async function writeArtefacts(files: ArtefactFiles, outcomes: readonly RunOutcome[], out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (files.junit) {
    (await import('./junit.js')).writeJunit(files.junit, 'jepsen-ts', outcomes);
    out.write(`junit: ${files.junit}\n`);
  }
  if (files.summary) {
    (await import('./summary.js')).writeSummary(files.summary, 'jepsen-ts runs', outcomes);
    out.write(`summary: ${files.summary}\n`);
  }
}

/** The outcomes of finished runs, from their run dirs. */
export const outcomesOf = (runDirs: readonly string[]): RunOutcome[] => runDirs.map(readOutcome);
