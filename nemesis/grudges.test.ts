/** Partition shapes as pure functions: each shape's defining property, over sizes and seeds. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../ground/rng.js';
import type { Grudge } from '../ground/runtime.js';
import { UsageError } from '../ground/runtime.js';
import { bridgeGrudge, completeGrudge, grudgeFor, isolate, majoritiesRingGrudge, majority, majorityGrudge, oneGrudge, parsePartitionShapes } from './grudges.js';

const cluster = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);
/** What node x can hear from: everyone it does not drop (itself included). */
const sees = (g: Grudge, nodes: string[], x: string) => nodes.filter((y) => !(g[x] ?? []).includes(y));
const symmetric = (g: Grudge) => Object.entries(g).every(([a, bs]) => bs.every((b) => (g[b] ?? []).includes(a)));
const cases = [2, 3, 4, 5, 6, 7].flatMap((n) => [1, 2, 3, 42].map((seed) => ({ n, seed })));

describe('grudges', () => {
  it('one: exactly one node is cut off from all others', () => {
    for (const { n, seed } of cases) {
      const nodes = cluster(n);
      const g = oneGrudge(nodes, new Rng(seed));
      const alone = nodes.filter((x) => sees(g, nodes, x).length === 1);
      expect(alone).toHaveLength(n === 2 ? 2 : 1); // with two nodes, each is alone
      for (const x of nodes) if (x !== alone[0]) expect(sees(g, nodes, x)).toHaveLength(n - 1);
      expect(symmetric(g)).toBe(true);
    }
  });

  it('majority: a minority and a majority that cannot hear each other', () => {
    for (const { n, seed } of cases.filter((c) => c.n >= 3)) {
      const nodes = cluster(n);
      const g = majorityGrudge(nodes, new Rng(seed));
      const sizes = nodes.map((x) => sees(g, nodes, x).length).sort();
      const m = majority(n);
      expect(sizes.filter((s) => s === m)).toHaveLength(m);
      expect(sizes.filter((s) => s === n - m)).toHaveLength(n - m);
      expect(symmetric(g)).toBe(true);
    }
  });

  it('majorities-ring: every node sees a majority, no two the same one', () => {
    for (const { n, seed } of cases.filter((c) => c.n >= 3)) {
      const nodes = cluster(n);
      const g = majoritiesRingGrudge(nodes, new Rng(seed));
      const views = nodes.map((x) => sees(g, nodes, x));
      for (const [i, v] of views.entries()) {
        expect(v).toContain(nodes[i]);
        expect(v.length).toBe(majority(n));
      }
      expect(new Set(views.map((v) => v.join())).size).toBe(n);
      if (n >= 4) expect(views.every((v) => v.length < n)).toBe(true); // a real partition, not a no-op
    }
  });

  it('bridge: two sides that cannot hear each other, one node hearing both', () => {
    for (const { n, seed } of cases.filter((c) => c.n >= 3)) {
      const nodes = cluster(n);
      const g = bridgeGrudge(nodes, new Rng(seed));
      const bridges = nodes.filter((x) => g[x].length === 0);
      expect(bridges).toHaveLength(1);
      const others = nodes.filter((x) => x !== bridges[0]);
      for (const x of others) {
        const v = sees(g, nodes, x);
        expect(v).toContain(bridges[0]);
        expect(g[x].length).toBeGreaterThan(0);
        // With n odd both sides plus the bridge are majorities; with n even only the larger one can be.
        if (n % 2 === 1) expect(v.length).toBe(majority(n));
      }
      expect(Math.max(...others.map((x) => sees(g, nodes, x).length))).toBe(majority(n));
      expect(symmetric(g)).toBe(true);
    }
  });

  it('leader: cuts the leader off in a minority (alone on 3 nodes, with one follower on 5); without one, a random minority', () => {
    expect(grudgeFor('leader', cluster(3), new Rng(1), 'n2')).toEqual(isolate(cluster(3), 'n2'));
    for (const [n, side] of [[5, 2], [6, 2], [7, 3]]) {
      const nodes = cluster(n);
      for (let seed = 1; seed <= 20; seed++) {
        const g = grudgeFor('leader', nodes, new Rng(seed), 'n4');
        const minority = sees(g, nodes, 'n4');
        expect(minority).toHaveLength(side);
        expect(minority.length).toBeLessThan(majority(n));
        expect(symmetric(g)).toBe(true);
        for (const x of minority) expect(sees(g, nodes, x)).toEqual(minority);
      }
    }
    const g = grudgeFor('leader', cluster(5), new Rng(1), null);
    expect(cluster(5).filter((x) => g[x].length === 3)).toHaveLength(2);
  });

  it('is a pure function of (nodes, seed)', () => {
    const nodes = cluster(5);
    for (const shape of ['one', 'majority', 'majorities-ring', 'bridge'] as const) {
      expect(grudgeFor(shape, nodes, new Rng(9), null)).toEqual(grudgeFor(shape, nodes, new Rng(9), null));
    }
    const distinct = new Set([1, 2, 3, 4, 5, 6].map((s) => JSON.stringify(majorityGrudge(nodes, new Rng(s)))));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('rejects what cannot be built', () => {
    expect(() => completeGrudge([['a'], ['a', 'b']])).toThrow(/overlap/);
    expect(() => grudgeFor('bridge', cluster(2), new Rng(1), null)).toThrow(UsageError);
    expect(() => isolate(cluster(3), 'zz')).toThrow(/not in/);
    expect(() => parsePartitionShapes('one,ring')).toThrow(/unknown partition shape "ring"/);
    expect(parsePartitionShapes('bridge, one,bridge')).toEqual(['bridge', 'one']);
    expect(parsePartitionShapes(undefined)).toHaveLength(5);
  });
});
