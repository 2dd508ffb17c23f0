/**
 * The deterministic simulation, 5 nodes: 500 seeds of faults (delay, drop, duplicate,
 * reorder, partitions, crash+restart) then a heal, checking agreement, validity,
 * convergence and liveness. A failing seed is printed with its replay command.
 */
import { describe, expect, it } from 'vitest';
import { describeFailures, sweep } from './sweep.js';

const NODES = 5;
const FIRST_SEED = 100_001;
const CHUNK = 50;

describe(`simulation, ${NODES} nodes`, () => {
  // Chunks keep each test short (vitest's worker must get the event loop back now and then).
  for (let from = FIRST_SEED; from < FIRST_SEED + 500; from += CHUNK) {
    it(`keeps every invariant, seeds ${from}..${from + CHUNK - 1}`, () => {
      const r = sweep({ nodes: NODES, from, count: CHUNK });
      if (r.failures.length > 0) console.error(describeFailures(NODES, r.failures));
      expect(r.failures.map((f) => f.seed)).toEqual([]);
      // The runs did real work under real faults: commands, crashes, partitions, re-elections.
      expect(r.okOps).toBeGreaterThan(CHUNK * 20);
      expect(r.crashes).toBeGreaterThan(CHUNK);
      expect(r.partitions).toBeGreaterThan(CHUNK);
      expect(r.elections).toBeGreaterThan(CHUNK * 2);
    });
  }
});
