/**
 * `npm run mutation:recheck` end to end on one real mutant that hangs the tier (promiseReport's
 * loop bound turned around: `s > v.maxSlot` never ends): it is judged a timeout, i.e. detected,
 * and no process of the tier survives, though the loop spins in a vitest WORKER that outlives a
 * kill of vitest's main process (an earlier version left such workers spinning for hours), and
 * nothing in the temp dir: a killed vitest leaves its transform cache there (as CI once saw).
 * About a minute: the unmutated tier once, then the mutant until its time is up.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'jt-recheck-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pids whose working directory is (or was) a recheck copy. */
function recheckProcesses(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`).includes('jepsen-recheck-')) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

describe('mutation:recheck', () => {
  it('judges a mutant that hangs the tier a timeout and leaves no process behind', async () => {
    const file = 'paxos/core/acceptor.ts';
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    const lines = source.split('\n');
    const line = lines.findIndex((l) => l.includes('for (let s = from; s <= v.maxSlot; s++)'));
    expect(line).toBeGreaterThanOrEqual(0);
    const column = lines[line].indexOf('s <= v.maxSlot') + 1;
    const mutant = { id: '1', mutatorName: 'EqualityOperator', replacement: 's > v.maxSlot', status: 'Timeout', location: { start: { line: line + 1, column }, end: { line: line + 1, column: column + 's <= v.maxSlot'.length } } };
    const report = path.join(dir, 'report.json');
    writeFileSync(report, JSON.stringify({ files: { [file]: { source, mutants: [mutant] } } }));
    const out = path.join(dir, 'recheck.json');
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist/paxos/mutation-recheck.js'), '--report', report, '--out', out], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp } });
    expect(stdout).toContain(`${file}:${line + 1} #1 EqualityOperator "s > v.maxSlot": Stryker Timeout, written in: timeout`);
    expect(stdout).toMatch(/^all\s+1\/1\s+100\.0%/m);
    expect(JSON.parse(readFileSync(out, 'utf8')).mutants[0].recheck).toBe('timeout');
    expect(recheckProcesses()).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 600_000);
});
