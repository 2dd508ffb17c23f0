/**
 * The nightly on one machine (`bash .ci/nightly-local`, runs of 8 s): the merged store holds
 * every cell's runs; its index.html opens in a real Chromium with the trends strip of the test
 * run twice (a correct build and a planted bug on the same seed: FLAKY), its reports link the
 * previous run; junit.xml read by an independent parser (junit2json) has the right numbers of
 * tests and failures; the summary lists the failure first with its replay command. ~70 s.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'junit2json';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../chromium.js';
import { BUILT, cleanUpScratch, ROOT, scratch } from './cli.js';

afterAll(cleanUpScratch);

describe.skipIf(!BUILT)('bash .ci/nightly-local', () => {
  it('produces a merged store, an index with trends and FLAKY, and a JUnit file with the failure', async () => {
    const out = join(scratch('nightly'), 'night');
    const run = await execa('bash', [join(ROOT, '.ci', 'nightly-local'), out], { cwd: ROOT, env: { TIME_LIMIT: '8' }, reject: false, timeout: 240_000 });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('merged 3 runs');
    const merged = join(out, 'merged');

    const junit = (await parse(readFileSync(join(merged, 'junit.xml'), 'utf8'))) as { tests?: number; failures?: number; errors?: number; testsuite?: Array<{ testcase?: Array<{ name?: string; failure?: Array<{ message?: string }> }> }> };
    expect(junit).toMatchObject({ tests: 3, failures: 1, errors: 0 });
    const failed = junit.testsuite![0].testcase!.filter((c) => c.failure);
    expect(failed.map((c) => c.name)).toEqual(['register-partition seed 1']);
    expect(failed[0].failure![0].message).toMatch(/^linearizable: /);

    const summary = readFileSync(join(merged, 'summary.md'), 'utf8');
    expect(summary).toContain('3 runs: 2 valid, 1 invalid');
    expect(summary.indexOf('--bug stale-read')).toBeGreaterThan(summary.indexOf('### Failures'));

    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`file://${join(merged, 'index.html')}`);
      const row = page.locator('tr.trend', { hasText: 'register-partition' });
      await expect(row.locator('a.cell').count()).resolves.toBe(2);
      await expect(row.locator('.flaky').textContent()).resolves.toBe('FLAKY');
      await expect(page.locator('tr.trend', { hasText: 'set-kill' }).locator('.flaky').count()).resolves.toBe(0);
      // The newest cell (the planted bug's run) opens its report, which links the run before it.
      await row.locator('a.cell').first().click();
      await page.waitForURL(/report\.html$/);
      await page.locator('#previous-run').click();
      await page.waitForURL(/report\.html$/);
      await expect(page.locator('h1').textContent()).resolves.toContain('register-partition');
      await expect(page.locator('#previous-run').textContent()).resolves.toBe('no previous run');
    } finally {
      await browser.close();
    }
  });
});
