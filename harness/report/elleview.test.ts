/**
 * The report's transactional-anomaly view: a run whose results.json carries an Elle checker's
 * result gets a section with each anomaly's cycle drawn (boxes, labelled edges), its steps
 * explained and its txns' ops, escaped; the txns are outlined in the timeline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkElle } from '../../checkers/elle/index.js';
import { history, inv, ok, txn } from '../../checkers/elle/testing.js';
import { cycleSvg, elleSection, isElleResult } from './elleview.js';
import { writeReport } from './index.js';

// Read skew, with a key that is markup.
const KEY = '<script>alert(1)</script>';
const h = history(inv(0, [['r', 'x', []], ['r', KEY, [1]]]), txn(1, [['append', 'x', 1], ['append', KEY, 1]]), ok(0, [['r', 'x', []], ['r', KEY, [1]]]), txn(2, [['append', 'y', 1]], 'fail'), txn(3, [['r', 'y', [1]]]));
const result = checkElle(h, 'list-append', { models: ['serializable'] });

describe('report: transactional anomalies', () => {
  it('draws a cycle: one box per txn, one labelled arrow per step, the closing one curved back', () => {
    const cycle = result.anomalies['G-single'][0].cycle!;
    const svg = cycleSvg(cycle, result.txns as never);
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg.match(/<line /g)).toHaveLength(1); // T -> T' straight
    expect(svg.match(/<path d="M[^"]*C/g)).toHaveLength(1); // the edge back, curved
    expect([...svg.matchAll(/font-weight="bold">(ww|wr|rw|rt|process)</g)].map((m) => m[1]).sort()).toEqual(['rw', 'wr']);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
  });

  it('lists forbidden anomalies first with the steps explained and the ops table', () => {
    expect(isElleResult(result)).toBe(true);
    const html = elleSection([{ checker: 'elle-append', result: result as never }]);
    expect(html).toMatch(/Checker <b>elle-append<\/b> under serializable: forbidden <b>G-single, G1a<\/b>/);
    expect(html).toContain("T0 read [r x []], missing T1&#39;s append of 1");
    expect(html).toMatch(/<td>T1<\/td><td>1<\/td><td>ok<\/td><td>1<\/td><td>2<\/td><td><code>\[\[append x 1\] \[append &lt;script&gt;alert\(1\)&lt;\/script&gt; 1\]\]<\/code>/);
    expect(html).not.toContain(KEY);
  });

  it('a run with an Elle result gets the section in report.html, with its txns outlined', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elle-report-'));
    writeFileSync(join(dir, 'history.jsonl'), h.map((op) => JSON.stringify(op)).join('\n') + '\n');
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ valid: false, results: { 'elle-append': result } }));
    const page = readFileSync(await writeReport(dir), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    expect(page).toContain('Transactional anomalies');
    expect(page).toContain('<svg class="elle-cycle"');
    expect(page).not.toContain(KEY);
    // The first forbidden anomaly's txns (G-single: T0 at #0, T1 at #1) are outlined; T3 is not.
    expect(page).toMatch(/class="op ok error" id="tl-0"/);
    expect(page).toMatch(/class="op ok error" id="tl-1"/);
    expect(page).toMatch(/class="op ok" id="tl-6"/);
  });
});
