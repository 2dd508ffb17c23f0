/**
 * The correct paxos/core explores the whole bounded space of each safe CI configuration with
 * no violation of agreement, validity, decided-was-chosen, acked-was-chosen, linearizability
 * or the refinement of Voting, and its non-vacuity witnesses (an op answered ok, a slot
 * decided) are reached. The costly file of spec/: about 10-35k states per config, roughly
 * 10-30 s of CPU each (see the report in spec/README.md for measured figures).
 */
import { describe, expect, it } from 'vitest';
import { checkAsync } from '../mc/checker.js';
import { formatResult } from '../mc/report.js';
import { CONFIGS, worldSpec } from './configs.js';

const SAFE = Object.entries(CONFIGS).filter(([name, c]) => name.startsWith('ci-') && c.expect === 'safe');

describe('the correct core under the model checker', () => {
  it('has safe CI configurations, and each planted-bug CI configuration has a safe twin', () => {
    expect(SAFE.map(([n]) => n)).toEqual(['ci-two-writes', 'ci-write-read', 'ci-crash']);
    for (const [name, c] of Object.entries(CONFIGS)) {
      if (!name.startsWith('ci-') || c.expect === 'safe') continue;
      const twin = SAFE.find(([, s]) => JSON.stringify({ ...c.world, bug: null }) === JSON.stringify(s.world));
      expect(twin, `${name} has a correct twin`).toBeDefined();
    }
  });

  for (const [name, c] of SAFE) {
    it(`${name}: whole bounded space, no violation`, { timeout: 600_000 }, async () => {
      const spec = worldSpec(name, c.world);
      // checkAsync: a minutes-long synchronous loop would starve the worker's RPC with vitest.
      const result = await checkAsync(spec, { maxStates: c.maxStates });
      expect(result.violations, formatResult(spec, result)).toEqual([]);
      expect(result.complete).toBe(true);
      expect(result.valid).toBe(true);
      expect(result.witnesses.SomeOpOk).not.toBeNull();
      expect(result.witnesses.SomeSlotDecided).not.toBeNull();
      expect(result.stats.distinct).toBeGreaterThan(1000);
    });
  }
});
