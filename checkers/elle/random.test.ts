/**
 * Randomized proof of both sides: histories of a strict-serializable store (simulate.ts) are
 * valid under every model, and corrupting one read in them is caught, on a fixed set of seeds.
 */
import { describe, expect, it } from 'vitest';
import { checkElle, type ElleWorkload } from './index.js';
import { MODELS } from './models.js';
import { corruptOneRead, simulate } from './simulate.js';

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

describe.each<ElleWorkload>(['list-append', 'rw-register'])('elle %s, randomized', (workload) => {
  it('a strict-serializable executor\'s histories are valid under every model, with nothing to report', () => {
    for (const seed of SEEDS) {
      const h = simulate({ workload, txns: 300, seed, processes: 1 + (seed % 8) });
      const r = checkElle(h, workload, { models: [...MODELS] });
      expect({ seed, anomalies: r.anomalyTypes }).toEqual({ seed, anomalies: [] });
      expect(r.counts.txns).toBe(300);
    }
  });

  it('one corrupted read is caught under strict-serializable on most seeds', () => {
    let caught = 0;
    let tried = 0;
    for (const seed of SEEDS) {
      const h = simulate({ workload, txns: 300, seed, processes: 1 + (seed % 8) });
      if (corruptOneRead(h, seed, workload) === undefined) continue;
      tried++;
      const r = checkElle(h, workload, { models: ['strict-serializable'] });
      if (r.valid === false) caught++;
    }
    expect(tried).toBe(SEEDS.length);
    console.log(`${workload}: ${caught} of ${tried} corrupted histories caught`);
    expect(caught / tried).toBeGreaterThanOrEqual(workload === 'list-append' ? 0.8 : 0.6);
  });
});
