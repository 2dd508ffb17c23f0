/**
 * End to end, under load (issue 12): `jepsen-ts test` as a user runs it against real Paxos
 * nodes at high concurrency and rate.
 *   - c50 at --rate 2000, no faults: VALID (each group of <= 10 threads has its own key, so the
 *     linearizability check is small), no Node warning (one abort listener per phase), and the
 *     achieved rate is in the summary and results.json;
 *   - the rate line warns when --rate cannot be met (one thread, an absurd rate), not when it is;
 *   - a bad --checker-memory-mb: one line, exit 254, nothing started; a good one is in test.json.
 * Short runs (3 s or less of main phase), about 40 s in all on a loaded 2-core machine.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, cleanUpScratch, cli, filesUnder, processesMentioning, scratch } from './cli.js';

const results = scratch('load-results');
afterAll(cleanUpScratch);

const SHORT = ['--recovery-time', '1', '--results', results];

describe.skipIf(!BUILT)('jepsen-ts test under load', () => {
  it('c50 at --rate 2000, no faults: VALID, no warning on stderr, the rate in the summary and results.json', async () => {
    const run = await cli(['test', '--concurrency', '50', '--rate', '2000', '--time-limit', '3', '--seed', '3', '--checker-memory-mb', '512', ...SHORT]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^verdict: VALID/m);
    expect(run.stderr).not.toMatch(/Warning/);
    expect(run.stdout).toMatch(/^rate: [\d,]+ ops\/s of 2,000 requested \(\d+%\)$/m);
    const r = JSON.parse(readFileSync(join(run.runDir!, 'results.json'), 'utf8'));
    expect(r.results.linearizable).toMatchObject({ valid: true, partitionsUnknown: 0 });
    expect(r.rate).toMatchObject({ requested: 2000, concurrency: 50 });
    expect(r.rate.invoked).toBeGreaterThan(50);
    expect(r.rate.achieved).toBeCloseTo(r.rate.invoked / r.rate.seconds, 6);
    const test = JSON.parse(readFileSync(join(run.runDir!, 'test.json'), 'utf8'));
    expect(test.config.checkerMemoryMb).toBe(512);
    expect(test.command).toContain('--checker-memory-mb 512');
    expect(processesMentioning(run.runDir!)).toEqual([]);
  });

  it('warns when --rate cannot be met (one thread, an absurd rate), and not when it is', async () => {
    // (No verdict asserted here: so few ops may leave an op kind that never succeeded: stats.)
    const short = await cli(['test', '--concurrency', '1', '--rate', '100000', '--time-limit', '2', '--seed', '1', ...SHORT]);
    expect(short.stdout).toMatch(/^rate: [\d,]+ ops\/s of 100,000 requested \(\d+%\)$/m);
    expect(short.stdout).toMatch(/^warning: --rate 100,000 not met \([\d,]+ ops\/s invoked\): 1 --concurrency thread, one op outstanding each/m);
    expect(short.runDir).toBeTruthy();

    // Ten threads for 10 ops/s (a second per op), over 4 s: a loaded machine's latency or the
    // wait for the last op (both in the measured time) cannot cost a tenth of the ops.
    const met = await cli(['test', '--concurrency', '10', '--rate', '10', '--time-limit', '4', '--seed', '1', ...SHORT]);
    expect(met.runDir, met.stdout + met.stderr).toBeTruthy();
    expect(met.stdout).toMatch(/^rate: \d+ ops\/s of 10 requested \((9\d|1\d\d)%\)$/m);
    expect(met.stdout).not.toContain('warning');
  });

  it('--checker-memory-mb: a bad value is one line and exit 254, nothing started', async () => {
    const dir = scratch('bad-memory');
    for (const value of ['0', 'lots', '99999999']) {
      const run = await cli(['test', '--checker-memory-mb', value, '--results', join(dir, 'results')], { timeoutMs: 60_000 });
      expect(run.exitCode).toBe(254);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
      expect(run.stderr).toMatch(/--checker-memory-mb/);
      expect(filesUnder(run.tmp)).toEqual([]);
      rmSync(run.tmp, { recursive: true, force: true });
    }
    const analyze = await cli(['analyze', '--checker-memory-mb', '-3', join(results, 'latest')], { timeoutMs: 60_000 });
    expect(analyze.exitCode).toBe(254);
    expect(analyze.stderr.trim()).toMatch(/^[^\n]*--checker-memory-mb must be > 0[^\n]*$/);
  });
});
