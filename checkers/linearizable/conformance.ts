/**
 * The Porcupine conformance corpus (test/fixtures/porcupine: Porcupine v1.3.0's test_data, MIT,
 * origin in its VERDICTS.md): where it is,
 * which verdict each history must get (read from its VERDICTS.md table, not restated here), and
 * how to parse and check one. Used by the conformance test and by `npm run bench:checker`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEtcdLog, parseKvLog } from '../formats/porcupine.js';
import { checkEvents } from './check.js';
import { getModel } from './models/index.js';
import type { CheckOptions, CheckOutcome, Event } from './types.js';

export interface PorcupineCase {
  /** As in VERDICTS.md, e.g. `test_data/jepsen/etcd_000.log`. */
  file: string;
  path: string;
  format: 'etcd' | 'kv';
  /** null: upstream has no test for it (etcd_095, an empty file). */
  expected: 'ok' | 'illegal' | null;
}

/** The repo root: the nearest directory above this module holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repo root (no package.json above checkers/linearizable)');
    dir = up;
  }
  return dir;
}

/** The corpus, a fixture inside the repo (test/fixtures/porcupine). */
export function porcupineDataDir(): string {
  return resolve(repoRoot(), 'test', 'fixtures', 'porcupine');
}

/** Reads the expected verdicts from the rows of VERDICTS.md's two tables. */
export function loadPorcupineCases(dataDir = porcupineDataDir()): PorcupineCase[] {
  const text = readFileSync(join(dataDir, 'VERDICTS.md'), 'utf8');
  const cases: PorcupineCase[] = [];
  for (const line of text.split('\n')) {
    const m = /^\|\s*(test_data\/(jepsen|kv)\/[^\s|]+)\s*\|.*\|\s*([^|]+?)\s*\|\s*$/.exec(line);
    if (!m) continue;
    const verdict = m[3];
    const expected = /^NOT linearizable/.test(verdict) ? 'illegal' : /^linearizable/.test(verdict) ? 'ok' : /no test/.test(verdict) ? null : undefined;
    if (expected === undefined) throw new Error(`VERDICTS.md: cannot read the verdict of ${m[1]}: ${verdict}`);
    cases.push({ file: m[1], path: join(dataDir, m[1]), format: m[2] === 'jepsen' ? 'etcd' : 'kv', expected });
  }
  return cases;
}

export function parsePorcupineCase(c: PorcupineCase): Event[] {
  const text = readFileSync(c.path, 'utf8');
  return c.format === 'etcd' ? parseEtcdLog(text, c.file) : parseKvLog(text, c.file);
}

/** Checks parsed events with the model upstream uses for that format. */
export function checkPorcupineCase(c: PorcupineCase, events: Event[], opts: CheckOptions = {}): CheckOutcome {
  return checkEvents(getModel(c.format === 'etcd' ? 'etcd' : 'porcupine-kv'), events, opts);
}
