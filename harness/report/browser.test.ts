/**
 * The report and the serve index in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core), on two real runs of the harness (a valid one and a `--bug stale-read` one,
 * spawned through bin/jepsen-ts.js: run tsc first) and a fixture run whose history, logs and
 * counterexample carry `<script>alert(1)</script>`: no console errors, plots with data points,
 * the counterexample showing the failing operation, the escape probe inert (no dialog) yet
 * visible as text, the serve index linking to a report, traversal refused. Screenshots are kept
 * under each run dir (and the index's under the results dir) in $JEPSEN_TS_ARTIFACTS or
 * <tmp>/jepsen-ts-report-artifacts. Cost: ~60 s (two real runs of ~20 s, Chromium, 4 pages).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { ESCAPE_PROBE, writeFixtureRun } from './fixture.js';
import { writeReport } from './index.js';
import { findLinearizationInfos } from './linearview.js';
import { startServer, type RunningServer } from './server.js';
import { launchChromium } from '../../test/chromium.js';

/** Opens a page that records console errors, uncaught exceptions and dialogs (an alert would be an XSS). */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; errors: string[]; dialogs: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { page, errors, dialogs };
}

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'jepsen-ts.js');

/**
 * Runs `jepsen-ts test ...` for real and returns its run dir (the only one under results/<name>/).
 * A run whose verdict is not the expected one is removed and retried with the next seed: these
 * tests are about the report of such a run, and whether a 10 s run happens to catch a planted
 * bug depends on timing (with the options below it did in every local try).
 */
async function realRun(results: string, name: string, args: string[], expectedExit: number, seeds: number[]): Promise<string> {
  const tries: string[] = [];
  for (const seed of seeds) {
    const outcome = await promisify(execFile)(process.execPath, [CLI, 'test', '--name', name, '--results', results, '--seed', String(seed), ...args], { timeout: 150_000 })
      .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => e);
    if (outcome.code === expectedExit) break;
    // Never retried: a run without a planted bug judged INVALID is a real bug to look at.
    if (expectedExit === 0 && outcome.code === 1) throw new Error(`a run without a planted bug was INVALID (seed ${seed}): ${join(results, name)}\n${outcome.stdout}`);
    tries.push(`seed ${seed}: exit ${outcome.code}\n${outcome.stdout}\n${outcome.stderr}`);
    rmSync(join(results, name), { recursive: true, force: true });
  }
  if (tries.length === seeds.length) throw new Error(`jepsen-ts test ${args.join(' ')} never exited ${expectedExit}:\n${tries.join('\n')}`);
  if (tries.length > 0) console.warn(`jepsen-ts test ${args.join(' ')}: exit ${expectedExit} only after ${tries.length} other seed(s)`);
  const dirs = readdirSync(join(results, name));
  expect(dirs).toHaveLength(1);
  const runDir = join(results, name, dirs[0]);
  // The CLI's own report command, end to end.
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'report', runDir]);
  expect(stdout.trim()).toBe(join(runDir, 'report.html'));
  return runDir;
}

describe('report and serve in Chromium', () => {
  const artifacts = process.env.JEPSEN_TS_ARTIFACTS ?? join(tmpdir(), 'jepsen-ts-report-artifacts');
  const results = join(artifacts, 'results');
  const probeRun = join(results, 'escape-probe', '20261126T100000.000Z');
  let validRun: string;
  let invalidRun: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let server: RunningServer;

  beforeAll(async () => {
    rmSync(results, { recursive: true, force: true });
    mkdirSync(results, { recursive: true });
    // A follower cut off alone answers reads from its stale state under this bug.
    invalidRun = await realRun(results, 'stale-read', ['--bug', 'stale-read', '--nemesis', 'partition', '--partition', 'one', '--nemesis-interval', '2', '--time-limit', '10', '--nodes', '3', '--recovery-time', '2'], 1, [7, 8, 9]);
    validRun = await realRun(results, 'healthy', ['--nemesis', 'partition', '--nemesis-interval', '2', '--time-limit', '5', '--nodes', '3', '--recovery-time', '1'], 0, [3, 4]);
    writeFixtureRun(probeRun, { ops: 3000, invalid: true, startedAt: '2026-11-26T10:00:00.000Z' });
    await writeReport(probeRun);
    browser = await launchChromium();
    server = await startServer({ resultsDir: results, host: '127.0.0.1', port: 0 });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await browser?.close();
  });

  async function checkCommon(page: Page): Promise<void> {
    expect(await page.locator('svg.latency use.pt').count()).toBeGreaterThan(20);
    expect(await page.locator('svg.throughput circle.pt').count()).toBeGreaterThan(2);
    expect(await page.locator('svg.throughput path.series').count()).toBeGreaterThan(0);
    expect(await page.locator('.nemesis-label', { hasText: 'partition' }).count()).toBeGreaterThan(0);
    expect(await page.locator('table.quantiles tr').count()).toBeGreaterThan(2);
    expect(await page.locator('.tl .op').count()).toBeGreaterThan(20);
    expect(await page.locator('svg.spacetime .ev').count()).toBeGreaterThan(5);
    expect(await page.locator('svg.spacetime line.msg').count()).toBeGreaterThan(2);
    expect(await page.locator('a[href="nodes/n1/node.log"]').count()).toBe(1);
    expect(await page.locator('p.na').count()).toBe(0);
  }

  it('the report of a real valid run', async () => {
    const { page, errors, dialogs } = await watchedPage(browser.context);
    await page.goto(pathToFileURL(join(validRun, 'report.html')).href, { waitUntil: 'load' });
    await checkCommon(page);
    await expect(page.locator('header .badge').textContent()).resolves.toBe('valid');
    expect(await page.locator('#linearizability').count()).toBe(0);
    await page.screenshot({ path: join(validRun, 'screenshot-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('the report of a real --bug stale-read run shows the operation that could not be linearized', async () => {
    const stored = JSON.parse(readFileSync(join(invalidRun, 'results.json'), 'utf8')) as { results: Record<string, unknown> };
    const [info] = findLinearizationInfos(stored.results.linearizable);
    const failedOp = info.operations.find((o) => o.id === info.unplaced[0].op)!;
    const { page, errors, dialogs } = await watchedPage(browser.context);
    await page.goto(pathToFileURL(join(invalidRun, 'report.html')).href, { waitUntil: 'load' });
    await checkCommon(page);
    await expect(page.locator('header .badge').textContent()).resolves.toBe('INVALID');
    const failed = page.locator('#first-error');
    await expect(failed.getAttribute('data-desc')).resolves.toBe(failedOp.description);
    await page.locator('a.jump').first().click();
    await expect(failed.isVisible()).resolves.toBe(true);
    // Focus, not hover: after the jump scrolls, the pointer rests over whichever op is under it,
    // and that op (often another with the same description, not reached) would fill the detail.
    await page.mouse.move(0, 0);
    await failed.focus();
    const detail = await page.locator('.lin-section .lin-detail').first().textContent();
    expect(detail).toContain(failedOp.description);
    expect(detail).toContain(`state before: ${info.unplaced[0].stateBefore}`);
    expect(await page.locator('svg.lin-points circle').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(invalidRun, 'screenshot-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('a history, logs and counterexample holding <script>alert(1)</script>: inert, visible as text', async () => {
    const { page, errors, dialogs } = await watchedPage(browser.context);
    await page.goto(pathToFileURL(join(probeRun, 'report.html')).href, { waitUntil: 'load' });
    await expect(page.locator('#first-error').textContent()).resolves.toContain('read() -> ok 99');
    await expect(page.locator('#agreement b.slot').textContent()).resolves.toBe('7');
    const text = await page.locator('body').innerText();
    expect(text).toContain(ESCAPE_PROBE);
    expect(await page.locator('script').count()).toBe(1);
    await page.mouse.move(0, 0);
    await page.locator('#first-error').hover();
    await expect(page.locator('.lin-section .lin-detail').first().textContent()).resolves.toContain(ESCAPE_PROBE);
    await page.screenshot({ path: join(probeRun, 'screenshot-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('the serve index lists the runs and links to their reports; traversal is refused', async () => {
    const { page, errors } = await watchedPage(browser.context);
    await page.goto(server.url, { waitUntil: 'load' });
    expect(await page.locator('tr.run').count()).toBe(3);
    expect(await page.locator('tr.run.invalid').count()).toBe(2);
    expect(await page.locator('tr.run.valid').count()).toBe(1);
    await page.screenshot({ path: join(results, 'screenshot-index.png'), fullPage: true });
    await page.getByRole('link', { name: 'stale-read', exact: true }).click();
    await page.waitForURL(/report\.html$/);
    await expect(page.locator('header .badge').textContent()).resolves.toBe('INVALID');
    await expect(page.locator('#first-error').count()).resolves.toBe(1);
    // A report served over HTTP links its files relative to itself.
    await page.locator('a[href="nodes/n1/node.log"]').click();
    await expect(page.locator('body').innerText()).resolves.toMatch(/\S/);
    expect(page.url()).toMatch(/\/stale-read\/[^/]+\/nodes\/n1\/node\.log$/);
    // The browser folds `..` itself (so the server sees /etc/passwd under the root: 404); raw `..` is server.test.ts's.
    const refused = await page.goto(`${server.url}stale-read/%2e%2e/%2e%2e/%2e%2e/etc/passwd`);
    expect([403, 404]).toContain(refused?.status());
    expect(await refused?.text()).not.toContain('root:');
    expect(errors.filter((e) => !/40[34]/.test(e))).toEqual([]);
    await page.close();
  });
});
