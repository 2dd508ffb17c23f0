/**
 * `npm run mutation:harness` and `mutation:recheck` refuse bad input with one line and exit 254
 * before they copy or build anything: an unknown --base revision, a file that is not a Stryker
 * report, a report with no mutant the unit tests killed, an unknown flag.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const SCRIPT = path.join(ROOT, 'dist', 'paxos', 'mutation-harness.js');
const RECHECK = path.join(ROOT, 'dist', 'paxos', 'mutation-recheck.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'jt-mutation-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function report(status: string): string {
  const file = path.join(dir, `${status}.json`);
  const source = 'export const f = (a: number, b: number) => (a > b ? a : b);\n';
  const mutant = { id: '1', mutatorName: 'EqualityOperator', replacement: 'a >= b', status, killedBy: ['t1'], location: { start: { line: 1, column: 45 }, end: { line: 1, column: 50 } } };
  writeFileSync(file, JSON.stringify({ files: { 'paxos/core/f.ts': { source, mutants: [mutant] } }, testFiles: { 'paxos/core/f.test.ts': { tests: [{ id: 't1' }] } } }));
  return file;
}

async function run(args: string[], script = SCRIPT): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [script, ...args], { cwd: ROOT });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

describe('mutation:harness input', () => {
  it('refuses an unknown --base revision', async () => {
    const r = await run(['--report', report('Killed'), '--base', 'no-such-revision-xyz']);
    expect(r.code).toBe(254);
    expect(r.stderr.trim().split('\n')).toEqual(['mutation-harness: --base no-such-revision-xyz: not a commit of this repository']);
  });

  it('refuses a file that is not a Stryker report, and a report with nothing killed by the unit tests', async () => {
    const notReport = path.join(dir, 'not.json');
    writeFileSync(notReport, '[1, 2');
    const bad = await run(['--report', notReport]);
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/^mutation-harness: .*not\.json: not a Stryker JSON report/);
    const survived = await run(['--report', report('Killed'), '--report', report('Survived'), '--sample', '0']);
    expect(survived.code).toBe(254);
    const none = await run(['--report', report('Survived')]);
    expect(none.code).toBe(254);
    expect(none.stderr).toMatch(/no mutant killed by paxos\/core's unit tests/);
  });

  it('mutation:recheck refuses a file that is not a Stryker report, and an unknown flag', async () => {
    const notReport = path.join(dir, 'not-either.json');
    writeFileSync(notReport, '{"files": null}');
    const bad = await run(['--report', notReport], RECHECK);
    expect(bad.code).toBe(254);
    expect(bad.stderr.trim().split('\n')).toEqual([`mutation-recheck: ${notReport}: not a Stryker JSON report (no files)`]);
    const flag = await run(['--no-such-flag'], RECHECK);
    expect(flag.code).toBe(254);
    expect(flag.stderr).toMatch(/^mutation-recheck: Unknown argument/);
  });
});
