import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runTest, UsageError } from '../index.js';
import { paxosTest } from '../paxos/suite.js';

const results = mkdtempSync(join(tmpdir(), 'jt-api-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

/** Output the run writes, kept off the test's own stdout. */
function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

describe.skipIf(!existsSync(join(import.meta.dirname, '..', 'dist', 'paxos', 'main.js')))('runTest: a whole test from a program', () => {
  it('runs the definition with the flags and returns the verdict, results and run dir', async () => {
    const { out, text } = sink();
    const verdict = await runTest(paxosTest, { nodes: 3, concurrency: 3, 'time-limit': 1, 'recovery-time': 0.2, seed: 5, results }, { out });
    expect(verdict).toMatchObject({ valid: true, exit: 0, interrupted: false });
    expect(verdict.runs).toHaveLength(1);
    expect(Object.keys(verdict.results)).toEqual(expect.arrayContaining(['linearizable', 'agreement', 'final-reads']));
    expect(text()).toContain(`results: ${verdict.runDir}`);
    const record = JSON.parse(readFileSync(join(verdict.runDir, 'test.json'), 'utf8')) as { config: { db: string; seed: number } };
    expect(record.config).toMatchObject({ db: 'paxos', seed: 5 });
  }, 60_000);

  it('refuses bad flags and a malformed definition before anything starts', async () => {
    await expect(runTest(paxosTest, { workload: 'queue', results })).rejects.toThrow(/^unknown workload "queue"/);
    await expect(runTest({ ...paxosTest, workloads: {} }, { results })).rejects.toThrow(UsageError);
  });
});
