/**
 * The verdict lines of a run (printVerdict): nemesis errors are shown with the verdict and a
 * VALID run whose faults failed to apply says so; a clean run stays one plain line. < 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_FILE as REPORT_WRITTEN } from './report/index.js';
import { faultCaveat, printVerdict, REPORT_FILE, type ResultsFile } from './run.js';

const runDir = mkdtempSync(path.join(os.tmpdir(), 'jt-verdict-'));
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

function file(over: Partial<ResultsFile>): ResultsFile {
  return {
    valid: true,
    exit: 0,
    results: { linearizable: { valid: true } },
    interrupted: false,
    crashed: null,
    counts: { ok: 10, fail: 1, info: 0 },
    decidedLogErrors: {},
    nemesisErrors: [],
    nemesisCycles: 3,
    finalReadsMissing: 0,
    ...over,
  } as ResultsFile;
}

function printed(f: ResultsFile): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  printVerdict(out, f, runDir);
  return text;
}

describe('verdict with nemesis errors', () => {
  it('a clean run: plain VALID, no nemesis line', () => {
    const text = printed(file({}));
    expect(text).toMatch(/^verdict: VALID  ok 10 fail 1 info 0  exit 0$/m);
    expect(text).not.toContain('nemesis');
    expect(faultCaveat(file({}))).toBe('');
  });

  it('failed fault starts: listed, and the VALID verdict says the faults were not all applied', () => {
    const errors = ['start partition: grudge names unknown node n9', 'stop kill: could not restart n2\nstack...'];
    const text = printed(file({ nemesisErrors: errors }));
    expect(text).toContain('  nemesis error: start partition: grudge names unknown node n9\n');
    expect(text).toContain('  nemesis error: stop kill: could not restart n2\n');
    expect(text).not.toContain('stack...');
    expect(text).toMatch(/^verdict: VALID \(but 2 nemesis errors: faults were not all applied as scheduled\)  ok 10/m);
  });

  it('many errors: the first five, then a count', () => {
    const errors = Array.from({ length: 8 }, (_, i) => `start pause: error ${i}`);
    const text = printed(file({ nemesisErrors: errors, valid: false, exit: 1, results: { linearizable: { valid: false } } }));
    expect(text.match(/nemesis error:/g)).toHaveLength(5);
    expect(text).toContain('... and 3 more nemesis errors (results.json)');
    expect(text).toMatch(/^verdict: INVALID \(linearizable\) \(but 8 nemesis errors/m);
  });

  it("names report.html by the report module's own file name (restated in run.ts so that d3 loads late)", () => {
    expect(REPORT_FILE).toBe(REPORT_WRITTEN);
  });
});

describe('the rate line', () => {
  const rate = (requested: number, invoked: number, seconds = 20) => ({ requested, concurrency: 50, invoked, completed: invoked, seconds, achieved: invoked / seconds });

  it('says what was achieved of what was asked, with a warning when more than 10% short', () => {
    const short = printed(file({ rate: rate(2000, 21_842) }));
    expect(short).toContain('rate: 1,092 ops/s of 2,000 requested (55%)\n');
    expect(short).toContain("warning: --rate 2,000 not met (1,092 ops/s invoked): 50 --concurrency threads, one op outstanding each, were too few for the system's latency\n");
    const met = printed(file({ rate: rate(50, 950) }));
    expect(met).toContain('rate: 48 ops/s of 50 requested (95%)\n');
    expect(met).not.toContain('warning');
  });

  it('unlimited: the rate alone, never a warning; runs recorded before it: no line', () => {
    const text = printed(file({ rate: rate(0, 100_000) }));
    expect(text).toContain('rate: 5,000 ops/s (unlimited requested)\n');
    expect(text).not.toContain('warning');
    expect(printed(file({}))).not.toContain('rate:');
  });
});
