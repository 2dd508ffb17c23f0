/** libfaketime offsets: the file syntax, and that a real process under LD_PRELOAD follows the file live. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { faketimeEnv, findLibfaketime, formatOffset, writeOffset } from './faketime.js';

describe('faketime', () => {
  it('formats offsets as libfaketime relative seconds', () => {
    expect(formatOffset(5250)).toBe('+5.250');
    expect(formatOffset(-250)).toBe('-0.250');
    expect(formatOffset(0)).toBe('+0.000');
    expect(formatOffset(-0.4)).toBe('+0.000');
    expect(formatOffset(-62_001.6)).toBe('-62.002');
    expect(() => formatOffset(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });

  it.skipIf(!findLibfaketime())('a process reads the offset file on every clock call', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-ft-'));
    try {
      const file = path.join(dir, 'faketime');
      writeOffset(file, -3500);
      expect(readFileSync(file, 'utf8')).toBe('-3.500\n');
      // The child reads its clock, rewrites the file itself (as the nemesis would), reads again.
      const script = `const fs=require('fs');const a=Date.now(),p0=performance.now();
        fs.writeFileSync(${JSON.stringify(file)},'+7.000\\n');console.log(JSON.stringify([a,Date.now()-a-(performance.now()-p0)]));`;
      const t0 = Date.now();
      const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...faketimeEnv(findLibfaketime()!, file) }, encoding: 'utf8' });
      const t1 = Date.now();
      const [first, jump] = JSON.parse(out) as number[];
      expect(first).toBeGreaterThanOrEqual(t0 - 3500 - 50);
      expect(first).toBeLessThanOrEqual(t1 - 3500 + 50);
      expect(Math.abs(jump - 10_500)).toBeLessThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
