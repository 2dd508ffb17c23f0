/**
 * The report and the serve index in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): no console errors, plots with data points, the counterexample showing the
 * failing operation, the escape probe inert (no dialog) yet visible as text, the serve index
 * linking to a report, traversal refused. Screenshots are kept under each run dir (and the
 * index's under the results dir) in $JEPSEN_TS_ARTIFACTS or <tmp>/jepsen-ts-report-artifacts.
 * Cost: ~10-15 s (Chromium start + three page loads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ESCAPE_PROBE, writeFixtureRun } from './fixture.js';
import { writeReport } from './index.js';
import { startServer, type RunningServer } from './server.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'jepsen-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

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

describe('report and serve in Chromium', () => {
  const artifacts = process.env.JEPSEN_TS_ARTIFACTS ?? join(tmpdir(), 'jepsen-ts-report-artifacts');
  const results = join(artifacts, 'results');
  const validRun = join(results, 'register-partition', '20261126T100000.000Z');
  const invalidRun = join(results, 'register-partition-stale-read', '20261126T110000.000Z');
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let server: RunningServer;

  beforeAll(async () => {
    rmSync(results, { recursive: true, force: true });
    mkdirSync(results, { recursive: true });
    writeFixtureRun(validRun, { ops: 3000, invalid: false, startedAt: '2026-11-26T10:00:00.000Z' });
    writeFixtureRun(invalidRun, { ops: 3000, invalid: true, startedAt: '2026-11-26T11:00:00.000Z' });
    await writeReport(validRun);
    await writeReport(invalidRun);
    browser = await launchChromium();
    server = await startServer({ resultsDir: results, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await browser?.close();
  });

  async function checkCommon(page: Page): Promise<void> {
    expect(await page.locator('svg.latency use.pt').count()).toBeGreaterThan(100);
    expect(await page.locator('svg.throughput circle.pt').count()).toBeGreaterThan(5);
    expect(await page.locator('svg.throughput path.series').count()).toBeGreaterThan(0);
    expect(await page.locator('.nemesis-label', { hasText: 'partition' }).count()).toBeGreaterThan(0);
    expect(await page.locator('table.quantiles tr').count()).toBeGreaterThan(2);
    expect(await page.locator('.tl .op').count()).toBeGreaterThan(100);
    expect(await page.locator('svg.spacetime .ev').count()).toBeGreaterThan(5);
    expect(await page.locator('svg.spacetime line.msg').count()).toBeGreaterThan(2);
  }

  it('the report of a valid run', async () => {
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

  it('the report of an invalid run: counterexample, divergence, inert escape probe', async () => {
    const { page, errors, dialogs } = await watchedPage(browser.context);
    await page.goto(pathToFileURL(join(invalidRun, 'report.html')).href, { waitUntil: 'load' });
    await checkCommon(page);
    await expect(page.locator('header .badge').textContent()).resolves.toBe('INVALID');
    const failed = page.locator('#first-error');
    await expect(failed.textContent()).resolves.toContain('read() -> ok 99');
    await page.locator('a.jump').first().click();
    await expect(failed.isVisible()).resolves.toBe(true);
    const detail = await page.locator('.lin-section .lin-detail').first().textContent();
    expect(detail).toContain('could not be placed');
    expect(detail).toContain('state before: 11');
    expect(await page.locator('.lin-op.linearized').count()).toBe(11);
    expect(await page.locator('svg.lin-points circle').count()).toBe(11);
    await expect(page.locator('#agreement b.slot').textContent()).resolves.toBe('7');
    // The probe is text on the page, and no script from the history ran.
    const text = await page.locator('body').innerText();
    expect(text).toContain(ESCAPE_PROBE);
    expect(await page.locator('script').count()).toBe(1);
    await page.screenshot({ path: join(invalidRun, 'screenshot-report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('the serve index lists the runs and links to their reports; traversal is refused', async () => {
    const { page, errors } = await watchedPage(browser.context);
    await page.goto(server.url, { waitUntil: 'load' });
    expect(await page.locator('tr.run').count()).toBe(2);
    await expect(page.locator('tr.run').first().locator('a.report').textContent()).resolves.toBe('register-partition-stale-read');
    await page.screenshot({ path: join(results, 'screenshot-index.png'), fullPage: true });
    await page.locator('tr.run.invalid a.report').click();
    await page.waitForURL(/report\.html$/);
    await expect(page.locator('header .badge').textContent()).resolves.toBe('INVALID');
    await expect(page.locator('#first-error').count()).resolves.toBe(1);
    // A report served over HTTP links its files relative to itself.
    await page.locator('a[href="nodes/n1/node.log"]').click();
    await expect(page.locator('body').innerText()).resolves.toContain(`n1 ${ESCAPE_PROBE} in a log line`);
    // The browser folds `..` itself (so the server sees /etc/passwd under the root: 404); raw `..` is server.test.ts's.
    const refused = await page.goto(`${server.url}register-partition/%2e%2e/%2e%2e/%2e%2e/etc/passwd`);
    expect([403, 404]).toContain(refused?.status());
    expect(await refused?.text()).not.toContain('root:');
    expect(errors.filter((e) => !/40[34]/.test(e))).toEqual([]);
    await page.close();
  });
});
