/**
 * The deterministic simulation as a vitest suite, per cluster size: 250 seeds of the fixed
 * regime (delay, drop, duplicate, reorder, partitions, crash+restart) and 250 swarm seeds
 * (swarm.ts: a random subset of the fault kinds, torn crashes and pauses included, with random
 * parameters and clients), each then healed, checking agreement, validity, acceptor
 * monotonicity, convergence and liveness. A failing seed is printed with its replay command
 * (and swarm options). One file per cluster size (sim3/sim5.test.ts) so that vitest runs the
 * two sizes in parallel workers. SIM_SEEDS=N runs N seeds of each kind instead (the
 * mutation-testing tier, stryker.config.mjs, uses a sample).
 */
import { describe, expect, it } from 'vitest';
import { describeFailures, sweep } from './sweep.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 250);
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
        // Compaction is exercised, not just switched on: restarts from a snapshot file, and
        // laggards catching up by a peer's snapshot.
        expect(r.snapshots).toBeGreaterThan(count);
        expect(r.snapshotRestarts).toBeGreaterThan(0);
        expect(r.snapshotInstalls).toBeGreaterThan(0);
      });
    }
    const swarmFrom = firstSeed + SEEDS;
    for (let from = swarmFrom; from < swarmFrom + SEEDS; from += CHUNK) {
      it(`keeps every invariant, swarm seeds ${from}..${from + CHUNK - 1}`, () => {
        const r = sweep({ nodes, from, count: CHUNK, swarm: true });
        if (r.failures.length > 0) console.error(describeFailures(nodes, r.failures));
        expect(r.failures.map((f) => f.seed)).toEqual([]);
        // Each fault kind was on in some runs and off in others; the runs did real work.
        for (const kind of ['crashes', 'torn', 'partitions', 'pauses'] as const) {
          expect(r.kinds[kind], kind).toBeGreaterThan(3);
          expect(r.kinds[kind], kind).toBeLessThan(CHUNK - 3);
        }
        expect(r.okOps).toBeGreaterThan(CHUNK * 20);
        expect(r.crashes).toBeGreaterThan(CHUNK / 2);
        expect(r.torn).toBeGreaterThan(CHUNK / 10);
        expect(r.pauses).toBeGreaterThan(CHUNK / 2);
      });
    }
  });
}
