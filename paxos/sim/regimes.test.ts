/**
 * The simulation under harsher regimes than the default sweep: delays longer than the
 * heartbeat (80 ms), heavy loss and duplication (20% / 10%), a long fault phase. Fewer seeds
 * each; the same invariants.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../ground/canonical.js';
import { replayCommand, simulate, type SimOptions } from './sim.js';

const REGIMES: [string, Partial<SimOptions>][] = [
  ['delays beyond the heartbeat', { maxDelayMs: 80 }],
  ['heavy loss and duplication', { dropP: 0.2, dupP: 0.1 }],
  ['a long fault phase', { faultMs: 4000, quietMs: 2000 }],
];

describe('simulation regimes', () => {
  for (const [name, regime] of REGIMES) {
    it(`${name}: 3 and 5 nodes, 30 seeds each`, () => {
      const bad: string[] = [];
      for (const nodes of [3, 5]) {
        for (let seed = 1; seed <= 30; seed++) {
          const r = simulate({ seed, nodes, ...regime });
          if (r.violations.length > 0) bad.push(`seed ${seed}, ${nodes} nodes, ${canonicalJson(regime)}: ${r.violations[0]}\n  replay: ${replayCommand(r.options)}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
