/**
 * Trends across runs and the merge of stores: FLAKY on both sides (same seed, different
 * verdicts; a verdict that changed between nights; a steady test is not flaky), merging is
 * idempotent and keeps a different run on the same path. < 1 s.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeStores, writeStaticIndex } from './merge.js';
import type { RunOutcome, Verdict } from './outcome.js';
import { trendsOf, trendsSection } from './trends.js';

const outcome = (name: string, seed: number, verdict: Verdict, startedAt: string): RunOutcome => ({
  dir: `/r/${name}/${startedAt}`, name, seed, verdict, seconds: 10, failure: null, error: null, replay: null, commit: null, startedAt, report: null, throughput: 40 + seed, p99Ms: 12,
});

describe('trendsOf', () => {
  it('same test and seed with different verdicts: FLAKY', () => {
    const [t] = trendsOf([outcome('reg', 1, 'VALID', '2026-12-01T02:00:00Z'), outcome('reg', 1, 'INVALID', '2026-12-01T03:00:00Z')]);
    expect(t.flaky).toContain('seed 1 gave INVALID and VALID');
    expect(t.runs.map((r) => r.verdict)).toEqual(['INVALID', 'VALID']);
  });

  it('a verdict that changed from one night to the next: FLAKY; a steady test and runs of one night with different seeds: not', () => {
    const trends = trendsOf([
      outcome('bank', 1, 'VALID', '2026-12-01T02:00:00Z'),
      outcome('bank', 2, 'INVALID', '2026-12-02T02:00:00Z'),
      outcome('set', 1, 'VALID', '2026-12-01T02:00:00Z'),
      outcome('set', 2, 'VALID', '2026-12-02T02:00:00Z'),
      outcome('kv', 1, 'INVALID', '2026-12-01T02:00:00Z'),
      outcome('kv', 2, 'VALID', '2026-12-01T02:10:00Z'),
    ]);
    const byName = Object.fromEntries(trends.map((t) => [t.name, t.flaky]));
    expect(byName.bank).toEqual(['VALID on 2026-12-01, INVALID on 2026-12-02']);
    expect(byName.set).toEqual([]);
    expect(byName.kv).toEqual([]);
    expect(trends[0].name).toBe('bank');
  });

  it('the section draws one cell per run, links it, and marks FLAKY', () => {
    const html = trendsSection(trendsOf([outcome('reg', 1, 'VALID', '2026-12-01T02:00:00Z'), outcome('reg', 1, 'INVALID', '2026-12-02T02:00:00Z')]), (o) => `${o.name}/${o.startedAt}/`);
    expect(html.match(/class="cell"/g)).toHaveLength(2);
    expect(html).toContain('href="reg/2026-12-02T02:00:00Z/"');
    expect(html).toContain('FLAKY');
    expect(html.match(/<svg class="spark"/g)).toHaveLength(2);
  });
});

const root = mkdtempSync(join(os.tmpdir(), 'jt-merge-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(store: string, name: string, start: string, valid: boolean): void {
  const dir = join(root, store, name, start);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test.json'), JSON.stringify({ name, seed: 1, startedAt: '2026-12-01T02:00:00.000Z' }));
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ valid, results: {} }));
  writeFileSync(join(dir, 'report.html'), '<div class="sub">x · <a id="previous-run">no previous run</a></div>');
}

describe('mergeStores', () => {
  it('copies every run once, keeps a different run on the same path under a suffix, and indexes them', async () => {
    run('a', 'reg', '20261201T020000.000Z', true);
    run('b', 'reg', '20261201T020000.000Z', false);
    run('b', 'bank', '20261201T030000.000Z', true);
    const into = join(root, 'merged');
    expect(mergeStores(into, [join(root, 'a'), join(root, 'b')])).toEqual({ copied: 3, skipped: 0 });
    expect(mergeStores(into, [join(root, 'a'), join(root, 'b')])).toEqual({ copied: 0, skipped: 3 });
    expect(readdirSync(join(into, 'reg')).sort()).toEqual(['20261201T020000.000Z', '20261201T020000.000Z-m1']);
    const outcomes = await writeStaticIndex(into);
    expect(outcomes.map((o) => o.verdict).sort()).toEqual(['INVALID', 'VALID', 'VALID']);
    const html = readFileSync(join(into, 'index.html'), 'utf8');
    expect(html).toContain('FLAKY');
    expect(html).toContain('href="reg/20261201T020000.000Z-m1/"');
    expect(html).not.toContain('<form');
    // The reports link the run before them in the merged store.
    expect(readFileSync(join(into, 'reg', '20261201T020000.000Z-m1', 'report.html'), 'utf8')).toContain('<a id="previous-run" href="../20261201T020000.000Z/report.html">previous run</a>');
    expect(readFileSync(join(into, 'reg', '20261201T020000.000Z', 'report.html'), 'utf8')).toContain('<a id="previous-run">no previous run</a>');
  });

  it('refuses a store that does not exist', () => {
    expect(() => mergeStores(join(root, 'x'), [join(root, 'nope')])).toThrow(/nope: no such results directory/);
  });
});
