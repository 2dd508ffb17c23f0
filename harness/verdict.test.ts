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
