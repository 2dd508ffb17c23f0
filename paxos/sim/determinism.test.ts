/** A seed replays exactly: same schedule, same decisions, same answers. */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../ground/canonical.js';
import { replayCommand, simulate } from './sim.js';
import { swarmOptions } from './swarm.js';

describe('simulation determinism', () => {
  it('replays a seed exactly, and different seeds differ', () => {
    const a = simulate({ seed: 42, nodes: 5 });
    const b = simulate({ seed: 42, nodes: 5 });
    const c = simulate({ seed: 43, nodes: 5 });
    expect(canonicalJson(a.ops)).toBe(canonicalJson(b.ops));
    expect(a.steps).toBe(b.steps);
    expect(canonicalJson(a.ops)).not.toBe(canonicalJson(c.ops));
  });

  it('replays a swarm seed exactly from the seed alone', () => {
    const a = simulate({ seed: 7, nodes: 3, ...swarmOptions(7) });
    const b = simulate({ seed: 7, nodes: 3, ...swarmOptions(7) });
    expect(canonicalJson(a.ops)).toBe(canonicalJson(b.ops));
    expect(a.steps).toBe(b.steps);
    expect(canonicalJson(swarmOptions(8))).not.toBe(canonicalJson(swarmOptions(7)));
    expect(replayCommand(a.options)).toMatch(/replay\.js --seed 7 --nodes 3 --swarm$/);
  });
});
