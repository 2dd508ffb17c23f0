/**
 * Targeted fault schedules (what catches the lease-skew bug): the composite's `together` mode
 * injects every fault each cycle in a fixed order with one leader answer per cycle, and the
 * clock nemesis aims at the leader and draws offsets from the configured range. The runtime here
 * only records calls (the faults' real effects are proven in nemesis.test.ts and end to end in
 * test/e2e/planted-bugs.test.ts); what is under test is which nodes and offsets get picked.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../ground/rng.js';
import type { Runtime } from '../ground/runtime.js';
import { UsageError } from '../ground/runtime.js';
import { clockNemesis, parseClockOffset, CLOCK_TARGETS } from './clock.js';
import { parseNames } from './names.js';
import { composite, nemesisFromSpec } from './compose.js';
import { PARTITION_SETTLE_MS } from './partition.js';
import type { Nemesis, NemesisContext } from '../ground/nemesis.js';
import { wallTimers } from '../ground/time.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

function context(seed: number, leader: string | null) {
  const offsets: Array<[string, number]> = [];
  const records: Array<{ f: string; value: unknown }> = [];
  let leaderQueries = 0;
  const runtime = { setClockOffset: async (n: string, ms: number) => void offsets.push([n, ms]) } as unknown as Runtime;
  const ctx: NemesisContext = {
    runtime,
    time: wallTimers,
    nodes,
    rng: new Rng(seed),
    record: (f, value) => void records.push({ f, value }),
    leader: async () => {
      leaderQueries++;
      return leader;
    },
  };
  return { ctx, offsets, records, queries: () => leaderQueries };
}

describe('composite, together', () => {
  it('starts every fault each cycle, in order, and stops them in reverse', async () => {
    const calls: string[] = [];
    const fake = (name: string): Nemesis => ({ name, start: async () => void calls.push(`start-${name}`), stop: async () => void calls.push(`stop-${name}`) });
    const n = composite(['a', 'b', 'c'].map(fake), { together: true });
    const { ctx } = context(1, null);
    for (let cycle = 0; cycle < 5; cycle++) {
      calls.length = 0;
      await n.start(ctx);
      await n.stop(ctx);
      expect(calls).toEqual(['start-a', 'start-b', 'start-c', 'stop-c', 'stop-b', 'stop-a']);
    }
  });

  it('asks who leads at most once per cycle: every fault aimed at the leader hits the same node', async () => {
    const seen: Array<string | null> = [];
    const aim = (name: string): Nemesis => ({ name, start: async (c) => void seen.push(await c.leader()), stop: async () => {} });
    let answer = 'n2';
    let asked = 0;
    const { ctx } = context(1, null);
    ctx.leader = async () => {
      asked++;
      return answer;
    };
    const n = composite([aim('a'), aim('b')], { together: true });
    await n.start(ctx);
    answer = 'n4'; // a new leader was elected meanwhile: the next cycle sees it
    await n.start(ctx);
    expect(seen).toEqual(['n2', 'n2', 'n4', 'n4']);
    expect(asked).toBe(2);
  });

  it('no leader known: one random node stands in for it, the same for every fault of the cycle', async () => {
    const picked = new Set<string | null>();
    for (let seed = 0; seed < 20; seed++) {
      const seen: Array<string | null> = [];
      const aim = (name: string): Nemesis => ({ name, start: async (c) => void seen.push(await c.leader()), stop: async () => {} });
      await composite([aim('a'), aim('b')], { together: true }).start(context(seed, null).ctx);
      expect(seen[0]).toBe(seen[1]);
      expect(nodes).toContain(seen[0]);
      picked.add(seen[0]);
    }
    expect(picked.size).toBeGreaterThan(2);
  });

  it('without together each start injects the next fault of a shuffled round, one at a time', async () => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const started: string[] = [];
      const fake = (name: string): Nemesis => ({ name, start: async () => void started.push(name), stop: async () => {} });
      const n = composite(['a', 'b', 'c', 'd'].map(fake));
      const { ctx } = context(seed, null);
      for (let i = 0; i < 8; i++) await n.start(ctx);
      // Two rounds: each a permutation of every fault.
      expect(started.slice(0, 4).sort()).toEqual(['a', 'b', 'c', 'd']);
      expect(started.slice(4).sort()).toEqual(['a', 'b', 'c', 'd']);
      orders.add(started.join(''));
    }
    expect(orders.size).toBeGreaterThan(5);
  });

  it('partition + clock aimed at the leader isolate and skew the same node (nemesisFromSpec)', async () => {
    const n = nemesisFromSpec('partition,clock', { nodes, partition: 'leader', together: true, clock: { targets: ['leader'], modes: ['bump'], offsetMs: [-9000, -6000] } });
    const { ctx, offsets, records } = context(7, 'n3');
    const grudges: unknown[] = [];
    Object.assign(ctx.runtime, { partition: async (g: unknown) => void grudges.push(g), heal: async () => {} });
    await n.start(ctx);
    // n3, the leader, is cut off in a minority (with one follower, 5 nodes) and skewed.
    expect(grudges).toHaveLength(1);
    const g = grudges[0] as Record<string, string[]>;
    expect(g.n3).toHaveLength(3);
    expect(nodes.filter((x) => g[x].length === 3)).toHaveLength(2);
    expect(offsets).toHaveLength(1);
    expect(offsets[0][0]).toBe('n3');
    expect(records.map((r) => r.f)).toEqual(['start-partition', 'start-clock']);
    await n.stop(ctx);
    expect(offsets.at(-1)).toEqual(['n3', 0]);
  });

  it('a clock step lands PARTITION_SETTLE_MS after the partition (a quorum ack already on its way renews the lease on the old clock); a drift does not wait', async () => {
    const timeline = async (mode: 'bump' | 'drift') => {
      const n = nemesisFromSpec('partition,clock', { nodes, partition: 'leader', together: true, clock: { targets: ['leader'], modes: [mode], offsetMs: [-9000, -6000] } });
      const { ctx } = context(7, 'n3');
      const at: number[] = [];
      const t0 = performance.now();
      Object.assign(ctx.runtime, { partition: async () => void at.push(performance.now() - t0), heal: async () => {} });
      ctx.record = (f) => {
        if (f === 'start-clock') at.push(performance.now() - t0);
      };
      await n.start(ctx);
      await n.stop(ctx);
      expect(at).toHaveLength(2);
      return at[1] - at[0];
    };
    expect(await timeline('bump')).toBeGreaterThanOrEqual(PARTITION_SETTLE_MS - 5);
    expect(await timeline('drift')).toBeLessThan(PARTITION_SETTLE_MS / 2);
  });
});

describe('clock nemesis targets and offsets', () => {
  it('leader: skews exactly the node the cluster names, by an offset within the range', async () => {
    for (let seed = 0; seed < 30; seed++) {
      const { ctx, offsets, records } = context(seed, 'n4');
      const c = clockNemesis({ targets: ['leader'], modes: ['bump'], offsetMs: [-9000, -6000] });
      await c.start(ctx);
      expect(offsets).toHaveLength(1);
      const [node, ms] = offsets[0];
      expect(node).toBe('n4');
      expect(ms).toBeGreaterThanOrEqual(-9000);
      expect(ms).toBeLessThanOrEqual(-6000);
      expect(records[0]).toEqual({ f: 'start-clock', value: { mode: 'bump', offsets: { n4: ms } } });
      await c.stop(ctx);
      expect(offsets[1]).toEqual(['n4', 0]);
    }
  });

  it('leader unknown: one random node instead', async () => {
    const hit = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const { ctx, offsets } = context(seed, null);
      await clockNemesis({ targets: ['leader'], modes: ['bump'] }).start(ctx);
      expect(offsets).toHaveLength(1);
      hit.add(offsets[0][0]);
    }
    expect(hit.size).toBeGreaterThan(2);
  });

  it('strobe draws its delta from the range too; a range around 0 never draws 0', async () => {
    const { ctx, offsets } = context(3, 'n1');
    const c = clockNemesis({ targets: ['leader'], modes: ['strobe'], offsetMs: [1000, 1000] });
    await c.start(ctx);
    await c.stop(ctx);
    expect(offsets[0]).toEqual(['n1', 1000]);
    for (let seed = 0; seed < 50; seed++) {
      const k = context(seed, 'n1');
      await clockNemesis({ targets: ['all'], modes: ['bump'], offsetMs: [-1, 1] }).start(k.ctx);
      expect(k.offsets.every(([, ms]) => ms === -1 || ms === 1)).toBe(true);
    }
  });

  it('refuses a range that cannot skew anything', () => {
    expect(() => clockNemesis({ offsetMs: [0, 0] })).toThrow(/bad clock offset range/);
    expect(() => clockNemesis({ offsetMs: [5, 1] })).toThrow(/bad clock offset range/);
    expect(() => clockNemesis({ targets: [] })).toThrow(/at least one mode and one target/);
  });
});

describe('flag parsers', () => {
  it('--clock-offset MIN..MAX (signed ms) or one number', () => {
    expect(parseClockOffset('-9000..-6000')).toEqual([-9000, -6000]);
    expect(parseClockOffset(' -5 .. 7 ')).toEqual([-5, 7]);
    expect(parseClockOffset('300')).toEqual([300, 300]);
    for (const bad of ['', '1..', '..2', '1.5..2', '2..1', '0', '0..0', 'a..b', '1..2..3']) expect(() => parseClockOffset(bad), bad).toThrow(UsageError);
  });

  it('comma lists of known names, deduplicated', () => {
    expect(parseNames('leader,one,leader', CLOCK_TARGETS, '--clock-target: unknown value')).toEqual(['leader', 'one']);
    expect(() => parseNames('one,', CLOCK_TARGETS, '--clock-target: unknown value')).toThrow(/unknown value ""/);
  });
});
