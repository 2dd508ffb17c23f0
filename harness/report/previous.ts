/**
 * The link from a run's report to the previous run of the same test: the sibling run dir just
 * before it (run dirs are named by start time, ISO basic, so names sort by time). A merge of
 * stores brings earlier runs in after the reports were written, so `merge` relinks them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { hrefPath } from './escape.js';

const REPORT = 'report.html';

/** The previous run's directory, or null. */
export function previousRunOf(runDir: string): string | null {
  const dir = resolve(runDir);
  const parent = dirname(dir);
  const name = basename(dir);
  let siblings: string[];
  try {
    siblings = readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name < name).map((e) => e.name);
  } catch {
    return null;
  }
  const earlier = siblings.filter((s) => existsSync(join(parent, s, 'test.json'))).sort();
  return earlier.length ? join(parent, earlier[earlier.length - 1]) : null;
}

/** The header's link (an anchor with id previous-run, present either way so it can be relinked). */
export function previousRunLink(previous: string | null): string {
  return previous ? `<a id="previous-run" href="../${hrefPath(basename(previous))}/${REPORT}">previous run</a>` : '<a id="previous-run">no previous run</a>';
}

/** Points an existing report's link at the run now before it; a run without a report is left alone. */
export async function relinkPrevious(runDir: string): Promise<void> {
  const path = join(runDir, REPORT);
  const html = await readFile(path, 'utf8').catch(() => null);
  if (html === null) return;
  const relinked = html.replace(/<a id="previous-run"[^>]*>[^<]*<\/a>/, previousRunLink(previousRunOf(runDir)));
  if (relinked === html) return;
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, relinked);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
