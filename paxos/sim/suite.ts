/**
 * The deterministic simulation as a vitest suite: 500 seeds of faults (delay, drop, duplicate,
 * reorder, partitions, crash+restart) then a heal, checking agreement, validity, convergence
 * and liveness. A failing seed is printed with its replay command. One file per cluster size
 * (sim3/sim5.test.ts) so that vitest runs the two sizes in parallel workers. SIM_SEEDS=N runs
 * N seeds instead (the mutation-testing tier, stryker.config.mjs, uses a sample).
 */
import { describe, expect, it } from 'vitest';
import { describeFailures, sweep } from './sweep.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 500);
if (!Number.isInteger(SEEDS) || SEEDS < 1) throw new Error(`SIM_SEEDS must be a positive integer, got ${process.env.SIM_SEEDS}`);
const CHUNK = Math.min(50, SEEDS);

export function simulationSuite(nodes: number, firstSeed: number): void {
  describe(`simulation, ${nodes} nodes`, () => {
    // Chunks keep each test short (vitest's worker must get the event loop back now and then).
    for (let from = firstSeed; from < firstSeed + SEEDS; from += CHUNK) {
      const count = Math.min(CHUNK, firstSeed + SEEDS - from);
      it(`keeps every invariant, seeds ${from}..${from + count - 1}`, () => {
        const r = sweep({ nodes, from, count });
        if (r.failures.length > 0) console.error(describeFailures(nodes, r.failures));
        expect(r.failures.map((f) => f.seed)).toEqual([]);
        // The runs did real work under real faults: commands, crashes, partitions, re-elections.
        expect(r.okOps).toBeGreaterThan(count * 20);
        expect(r.crashes).toBeGreaterThan(count);
        expect(r.partitions).toBeGreaterThan(count);
        expect(r.elections).toBeGreaterThan(count * 2);
      });
    }
  });
}
