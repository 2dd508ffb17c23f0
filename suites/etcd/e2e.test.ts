/**
 * End to end: `jepsen-ts test --db etcd` as a user runs it, against the real etcd: register
 * under partition,kill,pause,clock on 2 seeds (the clock nemesis runs but does not reach etcd:
 * Go ignores libfaketime, see suite.ts), kv / set / bank under kill,pause, and issue 14's disk
 * faults (lose-unsynced; slow-disk,kill) which etcd must pass since it fsyncs its WAL before it
 * answers. Every run VALID, the etcd agreement checker among the judges. ~3-4 min.
 * Skipped (with a message) when no etcd binary exists (unless JEPSEN_TS_REQUIRE_ETCD is set: then it fails), and the disk
 * runs where FUSE is unusable, as test/e2e/disk-faults.test.ts does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, cleanUpScratch, cli, fuseSkipReason, scratch } from '../../test/e2e/cli.js';
import { etcdTestsRun } from './test-cluster.js';

const skip = !BUILT ? 'not built' : !etcdTestsRun ? 'no etcd binary (apt-get install etcd-server)' : null;
if (skip) console.warn(`SKIPPED suites/etcd/e2e.test.ts: ${skip}`);
const fuse = skip ? 'skipped' : await fuseSkipReason('suites/etcd/e2e.test.ts (disk faults)');

const results = scratch('etcd');
afterAll(cleanUpScratch);
const TIMEOUT_MS = 150_000;

interface Results {
  valid: unknown;
  results: Record<string, { valid: unknown }>;
  faults?: { injected: Record<string, { count: number }> };
}

/** Runs `test --db etcd ...args`; expects every run VALID with the agreement checker compared; returns the results. */
async function validRuns(args: string[]): Promise<Results[]> {
  const run = await cli(['test', '--db', 'etcd', '--nodes', '3', '--time-limit', '15', '--results', results, ...args], { timeoutMs: TIMEOUT_MS });
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  const dirs = [...run.stdout.matchAll(/^results: (.+)$/gm)].map((m) => m[1]);
  expect(dirs.length).toBeGreaterThan(0);
  return dirs.map((d) => {
    const r = JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')) as Results;
    expect(r.valid, d).toBe(true);
    expect(r.results['etcd-agreement']?.valid, d).toBe(true);
    return r;
  });
}

const injected = (r: Results, kind: string) => r.faults?.injected[kind]?.count ?? 0;

describe.skipIf(skip !== null)('etcd, end to end', () => {
  it('register under partition,kill,pause,clock: VALID on seeds 1 and 2', async () => {
    const runs = await validRuns(['--workload', 'register', '--nemesis', 'partition,kill,pause,clock', '--seed', '1', '--test-count', '2']);
    expect(runs).toHaveLength(2);
  }, 2 * TIMEOUT_MS);

  it.each(['kv', 'set', 'bank'])('%s under kill,pause: VALID', async (workload) => {
    const [r] = await validRuns(['--workload', workload, '--nemesis', 'kill,pause', '--seed', '3']);
    expect(injected(r, 'kill') + injected(r, 'pause')).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it.skipIf(fuse !== null)('power loss (lose-unsynced) and slow disks under kill: VALID (etcd syncs its WAL before answering)', async () => {
    const [lose] = await validRuns(['--workload', 'set', '--nemesis', 'lose-unsynced', '--seed', '1']);
    expect(injected(lose, 'lose-unsynced')).toBeGreaterThan(0);
    const [slow] = await validRuns(['--workload', 'set', '--nemesis', 'slow-disk,kill', '--seed', '1']);
    expect(injected(slow, 'slow-disk')).toBeGreaterThan(0);
  }, 2 * TIMEOUT_MS);
});
