/**
 * `npm run bench:report`: how heavy the report of a big run is. Generates a run dir with a
 * 100,000-op history (or BENCH_OPS), times writeReport, then loads report.html in headless
 * Chromium several times and prints the browser's own navigation timing. Target: load < 3 s.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeFixtureRun } from './fixture.js';
import { writeReport } from './index.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const LOADS = 3;
const TARGET_MS = 3000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const ops = Number(process.env.BENCH_OPS ?? 100_000);
  if (!Number.isInteger(ops) || ops < 1) throw new Error(`BENCH_OPS must be a positive integer, got ${process.env.BENCH_OPS}`);
  const base = mkdtempSync(join(tmpdir(), 'jepsen-bench-report-'));
  const profile = mkdtempSync(join(tmpdir(), 'jepsen-bench-chromium-'));
  try {
    const runDir = join(base, 'run');
    let t = performance.now();
    writeFixtureRun(runDir, { ops, invalid: true, events: 5000 });
    const fixtureMs = performance.now() - t;
    t = performance.now();
    const report = await writeReport(runDir);
    const writeMs = performance.now() - t;
    const kib = (p: string) => (statSync(p).size / 1024).toFixed(0);
    console.log(`history: ${ops.toLocaleString('en-US')} ops (${kib(join(runDir, 'history.jsonl'))} KiB), fixture written in ${fixtureMs.toFixed(0)} ms`);
    console.log(`writeReport: ${writeMs.toFixed(0)} ms -> report.html ${kib(report)} KiB`);

    const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
    const rows: Array<{ dcl: number; load: number; wall: number; painted: number }> = [];
    try {
      for (let i = 0; i < LOADS; i++) {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        const start = performance.now();
        await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
        const wall = performance.now() - start;
        // Two animation frames after load: layout and paint of the page have happened.
        await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
        const painted = performance.now() - start;
        // A string expression: this file compiles without the DOM typings.
        const nav = (await page.evaluate('JSON.parse(JSON.stringify(performance.getEntriesByType("navigation")[0]))')) as { domContentLoadedEventEnd: number; loadEventEnd: number };
        rows.push({ dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, wall, painted });
        if (errors.length > 0) throw new Error(`console errors while loading the report: ${errors.join('; ')}`);
        console.log(`load ${i + 1}: domContentLoaded ${nav.domContentLoadedEventEnd.toFixed(0)} ms, load event end ${nav.loadEventEnd.toFixed(0)} ms, goto->load ${wall.toFixed(0)} ms, goto->painted ${painted.toFixed(0)} ms`);
        await page.close();
      }
    } finally {
      await context.close();
    }
    const load = median(rows.map((r) => r.load));
    const painted = median(rows.map((r) => r.painted));
    console.log(`median load event end: ${load.toFixed(0)} ms, median goto->painted: ${painted.toFixed(0)} ms (target < ${TARGET_MS} ms): ${painted < TARGET_MS ? 'OK' : 'TOO SLOW'}`);
    if (painted >= TARGET_MS) process.exitCode = 1;
  } finally {
    rmSync(base, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench:report failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 255;
});
