/**
 * End to end: the disk faults find a bug in the real node's durability path that no other fault
 * can, and pass the correct build. `--bug lazy-fsync` (paxos/bugs.ts) acknowledges WAL groups
 * it has not synced: a whole-cluster power loss (`--nemesis lose-unsynced --kill-targets all`)
 * loses acknowledged adds on at least 1 of seeds 1-3, while SIGKILLing every node (`--nemesis
 * kill --kill-targets all`) never does. A power loss finds the bug only by chance, when no node of
 * the recovery quorum had synced the last acknowledged adds: 29-43% of the cuts measured (README,
 * "Durability, as tested"). So these runs last 60 s (8 cuts: caught in about 15 runs of 16) and
 * ask for 1 of 3 (seed by seed, stopping at the first that finds it), which fails about once in
 * 3,000 CI runs. The correct build stays VALID under slow disks with
 * power losses landing on them (`--nemesis slow-disk,lose-unsynced --nemesis-together`), and no
 * mount or process outlives a run. Where the FUSE layer cannot be set up, the run refuses in one
 * line before anything starts. About 4.5 min (usually 1 run of a 60 s main phase, 6 of 30 s).
 */
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, BUILT, cleanUpScratch, cli, fuseSkipReason, processesMentioning, ROOT, scratch } from './cli.js';

const fuse = await fuseSkipReason('test/e2e/disk-faults.test.ts');

const results = scratch('disk');
afterAll(cleanUpScratch);
const TIMEOUT_MS = 300_000;
const SEEDS = ['test', '--workload', 'set', '--time-limit', '30', '--seed', '1', '--test-count', '3', '--results', results];
const SEED_ONE = (seed: string, timeLimit: string) => ['test', '--workload', 'set', '--time-limit', timeLimit, '--seed', seed, '--results', results];

interface Results {
  valid: unknown;
  results: Record<string, { valid: unknown }>;
  faults?: { injected: Record<string, { count: number }> };
}

function runsOf(stdout: string): Array<{ dir: string; results: Results }> {
  return [...stdout.matchAll(/^results: (.+)$/gm)].map((m) => ({ dir: m[1], results: JSON.parse(readFileSync(join(m[1], 'results.json'), 'utf8')) as Results }));
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));
}

describe.skipIf(!BUILT || fuse !== null)('disk faults, end to end', () => {
  it('--bug lazy-fsync: a whole-cluster power loss finds it on at least 1 of seeds 1-3 (60 s runs); killing every node never does', async () => {
    // One seed at a time, stopping at the first that finds it: the same 1-of-3 test, about a
    // third of the time (the first seed finds it ~15 times in 16).
    const tried: Array<{ dir: string; results: Results }> = [];
    for (const seed of ['1', '2', '3']) {
      const lose = await cli([...SEED_ONE(seed, '60'), '--bug', 'lazy-fsync', '--nemesis', 'lose-unsynced', '--kill-targets', 'all'], { timeoutMs: TIMEOUT_MS });
      const runs = runsOf(lose.stdout);
      expect(runs, lose.stdout + lose.stderr).toHaveLength(1);
      expect(runs[0].results.faults?.injected['lose-unsynced']?.count ?? 0, runs[0].dir).toBeGreaterThan(0);
      tried.push(runs[0]);
      if (runs[0].results.valid === false) break;
    }
    const invalid = tried.filter((r) => r.results.valid === false);
    expect(invalid.length, tried.map((r) => r.dir).join(', ')).toBe(1);
    // Found by a checker meant for it: acknowledged adds missing (set) or never decided (agreement).
    expect(invalid[0].results.results.set?.valid === false || invalid[0].results.results.agreement?.valid === false, invalid[0].dir).toBe(true);

    const kill = await cli([...SEEDS, '--bug', 'lazy-fsync', '--nemesis', 'kill', '--kill-targets', 'all'], { timeoutMs: TIMEOUT_MS });
    expect(kill.exitCode, kill.stdout + kill.stderr).toBe(0);
    expect(kill.stdout).toContain('3 tests: seed 1 exit 0, seed 2 exit 0, seed 3 exit 0');
  }, 3 * TIMEOUT_MS);

  it('the correct build: VALID with power losses landing on slow disks, seeds 1-3; nothing left mounted or running', async () => {
    const run = await cli([...SEEDS, '--nemesis', 'slow-disk,lose-unsynced', '--nemesis-together'], { timeoutMs: TIMEOUT_MS });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('3 tests: seed 1 exit 0, seed 2 exit 0, seed 3 exit 0');
    for (const r of runsOf(run.stdout)) {
      expect(r.results.faults?.injected['slow-disk']?.count ?? 0).toBeGreaterThan(0);
      expect(r.results.faults?.injected['lose-unsynced']?.count ?? 0).toBeGreaterThan(0);
      expect(readFileSync(join(r.dir, 'history.jsonl'), 'utf8')).toMatch(/"f":"disk-lost","value":\{"node":"n\d","lost":"lost \d+ writes/);
      // The nodes' files are back in their data dirs once the disk layer is gone.
      expect(existsSync(join(r.dir, 'nodes', 'n1', 'data', 'wal.log'))).toBe(true);
    }
    expect(mountsUnder(results)).toEqual([]);
    expect(processesMentioning(results)).toEqual([]);
  }, TIMEOUT_MS);

  it('no usable FUSE device: one line naming what is missing, exit 254, nothing started', async () => {
    const store = scratch('nofuse');
    // A private mount namespace where /dev/fuse is /dev/null: the device is there, a mount fails.
    const r = await execa('unshare', ['--mount', 'sh', '-c', 'mount --bind /dev/null /dev/fuse && exec "$@"', 'sh', process.execPath, BIN, 'test', '--nemesis', 'lose-unsynced', '--time-limit', '5', '--results', store], { cwd: ROOT, reject: false, env: { FORCE_COLOR: '0' } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(254);
    const lines = String(r.stderr).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^jepsen-ts: the lose-unsynced and slow-disk faults need a FUSE layer \(faultfs\), and a trial mount failed: /);
    expect(readdirSync(store)).toEqual([]);
  });
});
