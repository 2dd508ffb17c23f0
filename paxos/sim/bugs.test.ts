/**
 * The simulation must catch the planted protocol bugs: for no-adopt and volatile-acceptor it
 * finds a violating seed within a bounded number of seeds and prints it with its replay;
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
        expect(r.failures[0].violations.join('\n')).toMatch(/agreement|convergence|threw|validity/);
      });
    }
  }

  it(`early-ack, 3 nodes: an acknowledged write lost within ${BOUND} seeds`, () => {
    const r = sweep({ nodes: 3, bug: 'early-ack', from: 1, count: BOUND, stopAtFirst: true });
    expect(r.failures.length).toBe(1);
    console.log(`early-ack: found\n${describeFailures(3, r.failures)}`);
    expect(r.failures[0].violations.join('\n')).toMatch(/durability/);
  });
});
