/**
 * Clients' results against a linearizability oracle (the Porcupine port, kv model): the
 * correct core passes under faults; the read/ack bugs (stale-read, early-ack, lease-skew with
 * a clock nemesis) are caught within a bounded number of seeds. Runs without txns.
 */
import { describe, expect, it } from 'vitest';
import type { BugName } from '../core/types.js';
import { checkSimOps } from './linearizability.js';
import { LINEARIZABLE_SIM as LIN, replayCommand, simulate } from './sim.js';

describe('linearizability of simulated clients', () => {
  for (const [nodes, from, count] of [[3, 1, 60], [5, 1001, 30]]) {
    it(`correct core, ${nodes} nodes, ${count} seeds: no illegal history`, () => {
      const bad: string[] = [];
      let ok = 0;
      for (let seed = from; seed < from + count; seed++) {
        const r = simulate({ seed, nodes, ...LIN });
        const verdict = checkSimOps(r.ops, 500); // a rare hard history gives up as unknown
        if (verdict.result === 'ok') ok++;
        if (verdict.result === 'illegal' || r.violations.length > 0) bad.push(`seed ${seed}: ${verdict.message ?? r.violations[0]}`);
      }
      expect(bad).toEqual([]);
      expect(ok).toBeGreaterThan(count * 0.9); // 'unknown' (search timeout) must stay rare
    });
  }

  const cases: [BugName, number, number][] = [['stale-read', 0, 20], ['early-ack', 0, 60], ['lease-skew', 3000, 200]];
  for (const [bug, clockSkewMs, bound] of cases) {
    it(`${bug}: a non-linearizable history within ${bound} seeds`, () => {
      let found: number | null = null;
      for (let seed = 1; seed <= bound && found === null; seed++) {
        const r = simulate({ seed, nodes: 3, bug, clockSkewMs, ...LIN });
        if (checkSimOps(r.ops).result === 'illegal') found = seed;
      }
      expect(found).not.toBeNull();
      console.log(`${bug}: seed ${found} is not linearizable; replay: ${replayCommand({ seed: found!, nodes: 3, bug, clockSkewMs }, true)}`);
    });
  }
});
