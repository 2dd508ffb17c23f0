/** Node targets (Jepsen's node specs): sizes per cluster size, randomness, validation. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../ground/rng.js';
import { UsageError } from '../ground/runtime.js';
import { parseNames } from './names.js';
import { pickTargets, targetSize, type Target } from './targets.js';

describe('targets', () => {
  it('one / minority / majority / all have the sizes their names say', () => {
    expect([1, 2, 3, 4, 5, 7].map((n) => targetSize('minority', n))).toEqual([1, 1, 1, 1, 2, 3]);
    expect([1, 2, 3, 4, 5, 7].map((n) => targetSize('majority', n))).toEqual([1, 2, 2, 3, 3, 4]);
    expect(targetSize('one', 5)).toBe(1);
    expect(targetSize('all', 5)).toBe(5);
  });

  it('picks distinct nodes, in cluster order, varying with the seed', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const t = pickTargets('minority', nodes, new Rng(seed));
      expect(t).toHaveLength(2);
      expect(t).toEqual(nodes.filter((n) => t.includes(n)));
      seen.add(t.join());
    }
    expect(seen.size).toBeGreaterThan(4);
    expect(pickTargets('one', nodes, new Rng(3))).toEqual(pickTargets('one', nodes, new Rng(3)));
  });

  it('validates target names', () => {
    expect(parseNames<Target>('one,majority,one', ['one', 'majority'], 'unknown pause target')).toEqual(['one', 'majority']);
    expect(() => parseNames<Target>('one,half', ['one', 'majority'], 'unknown pause target')).toThrow(UsageError);
    expect(() => parseNames<Target>('all', ['one', 'minority'], 'unknown kill target')).toThrow(/unknown kill target "all"/);
  });
});
