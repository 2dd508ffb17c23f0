/**
 * One results store from many: the run directories of several stores (e.g. the artefacts of a
 * night's CI cells) copied into one, then indexed as a static page with the trends. A run that is
 * already there (same <test>/<start> path and the same results.json) is skipped, so merging the
 * same artefacts twice changes nothing; a different run on the same path gets a suffix.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../ground/runtime.js';
import { relinkPrevious } from '../report/previous.js';
import { indexPage, listRuns } from '../report/server.js';
import { writeText } from '../store.js';
import type { RunOutcome } from './outcome.js';

export const INDEX_FILE = 'index.html';

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();
const children = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const sameFile = (a: string, b: string): boolean => existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));

/** The run dirs of a store: <test>/<start>/ holding test.json or history.jsonl. */
export function runDirsOf(store: string): string[] {
  return children(store).flatMap((test) => children(join(store, test)).map((start) => join(store, test, start))).filter((d) => existsSync(join(d, 'test.json')) || existsSync(join(d, 'history.jsonl')));
}

export function mergeStores(into: string, stores: readonly string[]): { copied: number; skipped: number } {
  for (const s of stores) if (!isDir(s)) throw new UsageError(`${s}: no such results directory`);
  mkdirSync(into, { recursive: true });
  let copied = 0;
  let skipped = 0;
  for (const store of stores) {
    for (const dir of runDirsOf(store)) {
      const [test, start] = dir.slice(store.length).split('/').filter(Boolean);
      let target = join(into, test, start);
      for (let i = 1; existsSync(target); i++) {
        if (sameFile(join(target, 'results.json'), join(dir, 'results.json')) && sameFile(join(target, 'test.json'), join(dir, 'test.json'))) break;
        target = join(into, test, `${start}-m${i}`);
      }
      if (existsSync(target)) {
        skipped++;
        continue;
      }
      cpSync(dir, target, { recursive: true, verbatimSymlinks: true });
      copied++;
    }
  }
  return { copied, skipped };
}

/**
 * Writes <store>/index.html (relative links, the trends on top) and points every report's
 * previous-run link at the run now before it; returns the outcomes of the store's runs.
 */
export async function writeStaticIndex(store: string): Promise<RunOutcome[]> {
  if (!isDir(store)) throw new UsageError(`${store}: no such results directory`);
  const runs = await listRuns(store);
  for (const r of runs) await relinkPrevious(join(store, r.path));
  writeText(join(store, INDEX_FILE), indexPage(store, runs, { verdict: 'all', name: '' }, { static: true }));
  return runs.map((r) => r.outcome);
}

