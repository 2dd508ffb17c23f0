/**
 * The README's example, end to end as a user runs it: examples/primary-backup/test.ts through
 * `jepsen-ts test --test`, with the primary killed. The correct server is VALID; with the planted
 * bug (the primary acknowledges before it replicates) a killed primary loses acknowledged
 * writes, and the run is INVALID. Both leave nothing running.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, cleanUpScratch, cli, processesMentioning, scratch } from './cli.js';

afterAll(cleanUpScratch);

const RUN = ['test', '--test', 'examples/primary-backup/test.ts', '--nemesis', 'kill', '--kill-targets', 'leader', '--time-limit', '15'];

describe.skipIf(!BUILT)('the primary-backup example', () => {
  it('the correct server: VALID under kills of the primary', async () => {
    const results = scratch('pb-ok');
    const run = await cli([...RUN, '--seed', '1', '--results', results], { timeoutMs: 150_000 });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/faults injected: kill \d+ \(leader \d+\)/);
    expect(run.stdout).toMatch(/^  linearizable: true$/m);
    const record = JSON.parse(readFileSync(join(run.runDir!, 'test.json'), 'utf8')) as { command: string; config: { test: string; name: string } };
    expect(record.config.test).toMatch(/examples\/primary-backup\/test\.ts$/);
    expect(record.config.name).toBe('primary-backup-register-kill');
    expect(record.command).toMatch(/^jepsen-ts test --test \S+examples\/primary-backup\/test\.ts /);
    expect(processesMentioning(results)).toEqual([]);
  }, 180_000);

  it('--bug ack-before-replicate: INVALID (a killed primary lost acknowledged writes), and analyze agrees', async () => {
    const results = scratch('pb-bug');
    const run = await cli([...RUN, '--bug', 'ack-before-replicate', '--seed', '1', '--results', results], { timeoutMs: 150_000 });
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^  linearizable: false/m);
    expect(processesMentioning(results)).toEqual([]);
    // analyze reloads the run's own definition from test.json (config.test).
    const again = await cli(['analyze', run.runDir!], { timeoutMs: 120_000 });
    expect(again.exitCode, again.stdout + again.stderr).toBe(1);
  }, 300_000);
});
