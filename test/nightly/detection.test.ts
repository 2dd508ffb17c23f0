/**
 * End to end: what users run finds narrow bugs. The default schedule, no tuning flags
 * (`jepsen-ts test --nemesis all --time-limit 30`, seeds 1-3 in one CLI call), must find each
 * of the planted bugs `stale-read`, `early-ack` and `no-adopt` on at least 2 of the 3 seeds, and
 * pass the correct build on all 3. Every run must also have injected every fault kind, and the
 * run's first partition must have cut off the leader (fault coverage, results.json `faults`).
 * `--bug batch-drop` needs slots of more than 5 commands, which the bursts between the faults
 * bring (7-15 per run) and the same faults without them (`--nemesis
 * partition,kill,pause,clock,packet`) rarely do: INVALID on at least 2 of seeds 1-3 with the
 * bursts, on at most 1 without (0 here; a stall under load can gather such a slot).
 * About 8 min on a quiet 2-core machine (12 runs of a 30 s main phase); the runs are
 * sequential within this file so their timing does not depend on each other.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, cleanUpScratch, cli, processesMentioning, scratch } from '../e2e/cli.js';

const results = scratch('detection');
afterAll(cleanUpScratch);

const DEFAULT_RUN = ['test', '--nemesis', 'all', '--time-limit', '30', '--seed', '1', '--test-count', '3', '--results', results];
/** One CLI call of 3 runs (about 2.5 min with bursts; their histories are ~6x bigger). */
const TIMEOUT_MS = 300_000;

interface Results {
  valid: unknown;
  results: Record<string, { valid: unknown }>;
  faults?: { injected: Record<string, { count: number; by: Record<string, number> }> };
}

function runsOf(stdout: string): Array<{ dir: string; results: Results }> {
  return [...stdout.matchAll(/^results: (.+)$/gm)].map((m) => ({ dir: m[1], results: JSON.parse(readFileSync(join(m[1], 'results.json'), 'utf8')) as Results }));
}

/** Every kind of `--nemesis all` injected (bursts between the faults), and a leader partition among them. */
function expectFullCoverage(r: Results, dir: string): void {
  const injected = r.faults?.injected ?? {};
  for (const kind of ['partition', 'kill', 'pause', 'clock', 'packet', 'burst']) expect(injected[kind]?.count ?? 0, `${kind} in ${dir}`).toBeGreaterThan(0);
  expect(injected.partition.by.leader ?? 0, dir).toBeGreaterThan(0);
}

describe.skipIf(!BUILT)('the default run (--nemesis all, 30 s) finds narrow planted bugs', () => {
  const cases: Array<[bug: string, caughtBy: string[]]> = [
    ['stale-read', ['linearizable']],
    ['early-ack', ['linearizable', 'agreement']],
    ['no-adopt', ['agreement', 'linearizable']],
  ];
  for (const [bug, caughtBy] of cases) {
    it(`--bug ${bug}: INVALID on at least 2 of seeds 1-3`, async () => {
      const run = await cli([...DEFAULT_RUN, '--bug', bug], { timeoutMs: TIMEOUT_MS });
      const runs = runsOf(run.stdout);
      expect(runs, run.stdout + run.stderr).toHaveLength(3);
      const invalid = runs.filter((r) => r.results.valid === false);
      expect(invalid.length, run.stdout).toBeGreaterThanOrEqual(2);
      expect(run.exitCode).toBe(1);
      for (const r of invalid) {
        // Found by a checker meant for it, not by a crash of the harness.
        expect(caughtBy.some((c) => r.results.results[c]?.valid === false), r.dir).toBe(true);
      }
      for (const r of runs) {
        expectFullCoverage(r.results, r.dir);
        expect(processesMentioning(r.dir)).toEqual([]);
      }
    }, TIMEOUT_MS);
  }

  it('--bug batch-drop: INVALID on at least 2 of seeds 1-3 with the bursts of `all`, on at most 1 without them', async () => {
    const run = await cli([...DEFAULT_RUN, '--bug', 'batch-drop'], { timeoutMs: TIMEOUT_MS });
    const invalid = runsOf(run.stdout).filter((r) => r.results.valid === false);
    expect(invalid.length, run.stdout + run.stderr).toBeGreaterThanOrEqual(2);
    for (const r of invalid) expect(['linearizable', 'agreement'].some((c) => r.results.results[c]?.valid === false), r.dir).toBe(true);
    const noBursts = DEFAULT_RUN.map((a) => (a === 'all' ? 'partition,kill,pause,clock,packet' : a));
    const without = await cli([...noBursts, '--bug', 'batch-drop'], { timeoutMs: TIMEOUT_MS });
    const found = runsOf(without.stdout).filter((r) => r.results.valid === false).length;
    expect(runsOf(without.stdout), without.stderr).toHaveLength(3);
    expect(found, without.stdout).toBeLessThanOrEqual(1);
  }, 2 * TIMEOUT_MS);

  it('the correct build: VALID on seeds 1-3', async () => {
    const run = await cli(DEFAULT_RUN, { timeoutMs: TIMEOUT_MS });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('3 tests: seed 1 exit 0, seed 2 exit 0, seed 3 exit 0');
    for (const r of runsOf(run.stdout)) expectFullCoverage(r.results, r.dir);
  }, TIMEOUT_MS);
});
