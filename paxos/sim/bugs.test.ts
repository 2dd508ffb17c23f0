/**
 * The simulation must catch the planted protocol bugs: for no-adopt, volatile-acceptor and
 * forget-promise-on-recovery it finds a violating seed within a bounded number of seeds and
 * prints it with its replay;
 * early-ack shows up as an acknowledged write missing from the decided log. (stale-read and
 * lease-skew need the linearizability oracle: linearizability.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { BugName } from '../core/types.js';
import { describeFailures, sweep } from './sweep.js';

const BOUND = 300;

describe('planted bugs are found by the simulation', () => {
  for (const bug of ['no-adopt', 'volatile-acceptor'] as BugName[]) {
    for (const nodes of [3, 5]) {
      // Five nodes need more of the right crashes (three acceptors forgetting) to go wrong.
      const bound = bug === 'volatile-acceptor' && nodes === 5 ? 2 * BOUND : BOUND;
      it(`${bug}, ${nodes} nodes: a violating seed within ${bound} seeds`, () => {
        const r = sweep({ nodes, bug, from: 1, count: bound, stopAtFirst: true });
        expect(r.failures.length).toBe(1);
        console.log(`${bug}: found\n${describeFailures(nodes, r.failures)}`);
        expect(r.failures[0].violations.join('\n')).toMatch(/agreement|convergence|threw|validity|acceptor/);
      });
    }
  }

  // Survived the fixed-regime sweep of 1,000 seeds before the acceptor checks (invariants.ts);
  // swarm seeds here, so the printed replay shows the options that found it.
  for (const nodes of [3, 5]) {
    it(`forget-promise-on-recovery, ${nodes} nodes: a violating swarm seed within ${BOUND} seeds`, () => {
      const r = sweep({ nodes, bug: 'forget-promise-on-recovery', from: nodes === 3 ? 1 : 100_001, count: BOUND, stopAtFirst: true, swarm: true });
      expect(r.failures.length).toBe(1);
      console.log(`forget-promise-on-recovery: found\n${describeFailures(nodes, r.failures)}`);
      expect(r.failures[0].violations[0]).toMatch(/acceptor: .* recovered promise .* below ballot .* it had acknowledged/);
      expect(r.failures[0].replay).toMatch(/--bug forget-promise-on-recovery --swarm$/);
    });
  }

  it(`early-ack, 3 nodes: an acknowledged write lost within ${BOUND} seeds`, () => {
    const r = sweep({ nodes: 3, bug: 'early-ack', from: 1, count: BOUND, stopAtFirst: true });
    expect(r.failures.length).toBe(1);
    console.log(`early-ack: found\n${describeFailures(3, r.failures)}`);
    expect(r.failures[0].violations.join('\n')).toMatch(/durability/);
  });
});
