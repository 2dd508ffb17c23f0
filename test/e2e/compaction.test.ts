/**
 * End to end: log compaction under the harness. The paxos test with its nodes snapshotting
 * every 8 slots (a test module wrapping it, as a user would), nodes killed and restarted: the
 * restarted ones recover from their snapshots, laggards catch up by a peer's snapshot, and the
 * agreement checker (decided logs from the archive, union over nodes; state digests) and the
 * linearizability checker find it VALID. The planted skip-apply bug under the same compaction
 * is still INVALID by the state digests.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, ROOT, cleanUpScratch, cli, processesMentioning, scratch } from './cli.js';
import { SNAPSHOT_FILE } from '../../paxos/files.js';

const results = scratch('compaction');
afterAll(cleanUpScratch);

const module = join(results, 'compacting-paxos.mjs');
writeFileSync(
  module,
  `import { paxosTest } from ${JSON.stringify(join(ROOT, 'dist', 'paxos', 'suite.js'))};\n` +
    `export default { ...paxosTest, db: { ...paxosTest.db, command: (node, extra) => paxosTest.db.command(node, [...extra, '--snapshot-every', '8']) } };\n`,
);
const FLAGS = ['--test', module, '--time-limit', '10', '--recovery-time', '3', '--results', results, '--seed', '1'];

type Results = { valid: unknown; results: Record<string, { valid: unknown; divergentCount?: number; state?: { valid: unknown } }> };
const resultsOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
const nodeLogs = (dir: string) => readdirSync(join(dir, 'nodes')).map((n) => readFileSync(join(dir, 'nodes', n, 'data', 'node.log'), 'utf8')).join('');

describe.skipIf(!BUILT)('log compaction, end to end', () => {
  it('--snapshot-every 8 with nodes killed: VALID; restarts recover from snapshots', async () => {
    const run = await cli(['test', ...FLAGS, '--nemesis', 'kill'], { timeoutMs: 180_000 });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const r = resultsOf(run.runDir!);
    expect(r.results.agreement.valid).toBe(true);
    expect(r.results.agreement.divergentCount).toBe(0);
    expect(r.results.agreement.state?.valid).toBe(true);
    for (const n of readdirSync(join(run.runDir!, 'nodes'))) expect(existsSync(join(run.runDir!, 'nodes', n, 'data', SNAPSHOT_FILE)), n).toBe(true);
    expect(nodeLogs(run.runDir!)).toMatch(/recovered \d+ WAL records after a snapshot of slot \d+/);
    expect(processesMentioning(run.runDir!)).toEqual([]);
  });

  it('--bug skip-apply under the same compaction: INVALID by the state digests', async () => {
    const run = await cli(['test', ...FLAGS, '--bug', 'skip-apply'], { timeoutMs: 180_000 });
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    const r = resultsOf(run.runDir!);
    expect(r.results.agreement.valid).toBe(false);
    expect(r.results.agreement.divergentCount).toBe(0);
    expect(processesMentioning(run.runDir!)).toEqual([]);
  });
});
