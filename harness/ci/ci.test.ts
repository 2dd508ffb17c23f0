/**
 * CI artefacts of stored runs: outcomes read from run dirs, the JUnit file (parsed back with
 * junit2json, an independent parser) and the Markdown summary. < 1 s.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parse } from 'junit2json';
import { afterAll, describe, expect, it } from 'vitest';
import { junitXml, writeJunit } from './junit.js';
import { readOutcome, reasonOf, type RunOutcome } from './outcome.js';
import { markdownSummary, writeSummary } from './summary.js';

const root = mkdtempSync(join(os.tmpdir(), 'jt-ci-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(name: string, seed: number, results: object | null): string {
  const dir = join(root, name, `2026120${seed}T000000.000Z`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test.json'), JSON.stringify({ name, seed, startedAt: '2026-12-05T00:00:00.000Z', command: `jepsen-ts test --seed ${seed} --name ${name}`, git: { commit: 'abc123', dirty: false }, config: { seed } }));
  writeFileSync(join(dir, 'history.jsonl'), `${JSON.stringify({ index: 0, time: 1e9, type: 'invoke' })}\n${JSON.stringify({ index: 1, time: 12.5e9, type: 'ok' })}\n`);
  if (results) writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
  return dir;
}

const ok = { valid: true, results: { linearizable: { valid: true } }, interrupted: false, crashed: null };
const dirs = {
  valid: run('register-partition', 1, ok),
  invalid: run('register-partition', 2, { valid: false, results: { stats: { valid: true }, linearizable: { valid: false, error: 'read of r3 saw 4, never written\nmore' }, agreement: { valid: false, slots: 2, message: 'slot 3 differs' } }, interrupted: false, crashed: null }),
  unknown: run('bank-kill', 3, { valid: 'unknown', results: { bank: { valid: 'unknown', error: 'timed out' } }, interrupted: false, crashed: null }),
  crashed: run('bank-kill', 4, { valid: 'unknown', results: {}, interrupted: false, crashed: 'TypeError: x is undefined\n at y' }),
  missing: run('set-pause', 5, null),
};
const outcomes: RunOutcome[] = Object.values(dirs).map(readOutcome);

describe('readOutcome', () => {
  it('reads verdict, first failing checker and its one-line reason, seed, replay, duration', () => {
    const [valid, invalid, unknown, crashed, missing] = outcomes;
    expect(valid).toMatchObject({ verdict: 'VALID', name: 'register-partition', seed: 1, failure: null, error: null, commit: 'abc123', seconds: 12.5 });
    expect(invalid).toMatchObject({ verdict: 'INVALID', failure: { checker: 'linearizable', reason: 'read of r3 saw 4, never written' }, replay: 'jepsen-ts test --seed 2 --name register-partition' });
    expect(unknown).toMatchObject({ verdict: 'UNKNOWN', error: 'bank: timed out' });
    expect(crashed).toMatchObject({ verdict: 'CRASHED', error: 'TypeError: x is undefined' });
    expect(missing.verdict).toBe('NO RESULTS');
    expect(reasonOf({ valid: false, slots: 2, message: 'slot 3 differs' })).toBe('slot 3 differs');
    expect(reasonOf({ valid: false, missing: 3, lost: true, anomalies: [1] })).toBe('missing: 3 · lost: true');
  });
});

describe('JUnit', () => {
  it('one testcase per run; INVALID a failure with its checker, runs without a verdict errors; read back by junit2json', async () => {
    const file = join(root, 'out', 'junit.xml');
    writeJunit(file, 'nightly', outcomes);
    const doc = (await parse(readFileSync(file, 'utf8'))) as { tests?: number; failures?: number; errors?: number; testsuite?: Array<{ name?: string; testcase?: Array<Record<string, unknown>> }> };
    expect(doc).toMatchObject({ tests: 5, failures: 1, errors: 3 });
    const cases = doc.testsuite![0].testcase!;
    expect(doc.testsuite![0].name).toBe('nightly');
    expect(cases.map((c) => c.name)).toEqual(['register-partition seed 1', 'register-partition seed 2', 'bank-kill seed 3', 'bank-kill seed 4', 'set-pause seed 5']);
    expect(cases[0].failure).toBeUndefined();
    expect(cases[0].time).toBe(12.5);
    expect(cases[1].failure).toEqual([expect.objectContaining({ message: 'linearizable: read of r3 saw 4, never written', type: 'INVALID' })]);
    expect(cases[3].error).toEqual([expect.objectContaining({ message: 'TypeError: x is undefined', type: 'CRASHED' })]);
    const props = cases[1].properties as Array<{ name: string; value: string }>;
    expect(props).toContainEqual({ name: 'replay', value: 'jepsen-ts test --seed 2 --name register-partition' });
    // junit2json turns numeric attribute values into numbers.
    expect(String(props.find((p) => p.name === 'seed')?.value)).toBe('2');
    expect(String(cases[1]['system-out'])).toContain(`run: ${dirs.invalid}`);
  });

  it('all VALID: no failure, no error', async () => {
    const doc = (await parse(junitXml('ok', [outcomes[0]]))) as { tests?: number; failures?: number; errors?: number };
    expect(doc).toMatchObject({ tests: 1, failures: 0, errors: 0 });
  });
});

describe('Markdown summary', () => {
  it('counts, failures first with their replay commands, then every run', () => {
    const md = markdownSummary('Nightly', outcomes);
    expect(md).toContain('5 runs: 1 valid, 1 invalid, 3 without a verdict');
    const failures = md.indexOf('### Failures');
    expect(failures).toBeGreaterThan(0);
    expect(md.indexOf('linearizable: read of r3 saw 4')).toBeGreaterThan(failures);
    expect(md).toContain('  jepsen-ts test --seed 2 --name register-partition');
    const table = md.slice(md.indexOf('### Runs'));
    expect(table.indexOf('| ✅ VALID')).toBeGreaterThan(table.indexOf('| ❌ INVALID'));
    expect(markdownSummary('Nightly', [outcomes[0]])).not.toContain('### Failures');
  });

  it('appends to an existing summary file (a job step summary is shared)', () => {
    const file = join(root, 'summary.md');
    writeFileSync(file, '# before');
    writeSummary(file, 'Night', [outcomes[0]]);
    expect(readFileSync(file, 'utf8')).toMatch(/^# before\n## Night\n/);
  });
});
