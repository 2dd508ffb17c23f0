/** A seed replays exactly: same schedule, same decisions, same answers. */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical.js';
import { simulate } from './sim.js';

describe('simulation determinism', () => {
  it('replays a seed exactly, and different seeds differ', () => {
    const a = simulate({ seed: 42, nodes: 5 });
    const b = simulate({ seed: 42, nodes: 5 });
    const c = simulate({ seed: 43, nodes: 5 });
    expect(canonicalJson(a.ops)).toBe(canonicalJson(b.ops));
    expect(a.steps).toBe(b.steps);
    expect(canonicalJson(a.ops)).not.toBe(canonicalJson(c.ops));
  });
});
