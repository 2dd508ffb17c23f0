/**
 * The deterministic simulation as a vitest suite: 500 seeds of faults (delay, drop, duplicate,
 * reorder, partitions, crash+restart) then a heal, checking agreement, validity, convergence
 * and liveness. A failing seed is printed with its replay command. One file per cluster size
 * (sim3/sim5.test.ts) so that vitest runs the two sizes in parallel workers.
 */
import { describe, expect, it } from 'vitest';
import { describeFailures, sweep } from './sweep.js';

const SEEDS = 500;
const CHUNK = 50;

export function simulationSuite(nodes: number, firstSeed: number): void {
  describe(`simulation, ${nodes} nodes`, () => {
    // Chunks keep each test short (vitest's worker must get the event loop back now and then).
    for (let from = firstSeed; from < firstSeed + SEEDS; from += CHUNK) {
      it(`keeps every invariant, seeds ${from}..${from + CHUNK - 1}`, () => {
        const r = sweep({ nodes, from, count: CHUNK });
        if (r.failures.length > 0) console.error(describeFailures(nodes, r.failures));
        expect(r.failures.map((f) => f.seed)).toEqual([]);
        // The runs did real work under real faults: commands, crashes, partitions, re-elections.
        expect(r.okOps).toBeGreaterThan(CHUNK * 20);
        expect(r.crashes).toBeGreaterThan(CHUNK);
        expect(r.partitions).toBeGreaterThan(CHUNK);
        expect(r.elections).toBeGreaterThan(CHUNK * 2);
      });
    }
  });
}
