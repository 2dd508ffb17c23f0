/**
 * The disk faults and the burst as the composite schedules them: `all` leaves the disk faults
 * out (they need FUSE) and brings bursts, which fill the quiet time after each fault and never
 * outlive the main phase; a together cycle gives a slow disk its lead before the power loss;
 * a power loss restarts its nodes on stop. (faultfs itself: harness/runtime/faultfs.test.ts;
 * end to end: test/e2e/disk-faults.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../ground/rng.js';
import type { Runtime, SlowDisk } from '../ground/runtime.js';
import { ALL_FAULTS, nemesisFromSpec, parseNemesisSpec } from './compose.js';
import { SLOW_DISK_LEAD_MS } from './disk.js';
import type { NemesisContext } from '../ground/nemesis.js';
import { wallTimers } from '../ground/time.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** A runtime that logs what it was asked, with the time since the start of the test. */
function recordingRuntime() {
  const calls: Array<{ at: number; call: string }> = [];
  const t0 = performance.now();
  const log = (call: string) => calls.push({ at: performance.now() - t0, call });
  const runtime = {
    partition: async () => log('partition'),
    heal: async () => log('heal'),
    kill: async (n: string) => log(`kill ${n}`),
    start: async (n: string) => log(`start ${n}`),
    pause: async (n: string) => log(`pause ${n}`),
    resume: async (n: string) => log(`resume ${n}`),
    setClockOffset: async () => {},
    shape: async () => {},
    powerLoss: async (n: string, o: { torn: boolean }) => {
      log(`powerLoss ${n}${o.torn ? ' torn' : ''}`);
      return 'lost 1 writes (10 bytes) in 1 files, tore 0';
    },
    slowDisk: async (n: string, s: SlowDisk | null) => log(s ? `slow ${n} ${s.minMs}..${s.maxMs}` : `fast ${n}`),
  } as unknown as Runtime;
  return { runtime, calls };
}

function context(runtime: Runtime, seed = 1) {
  const records: Array<{ f: string; value: unknown }> = [];
  const bursts: boolean[] = [];
  const ctx: NemesisContext = {
    runtime,
    time: wallTimers,
    nodes,
    rng: new Rng(seed),
    record: (f, value) => void records.push({ f, value }),
    leader: async () => 'n2',
    burst: (on) => void bursts.push(on),
  };
  return { ctx, records, bursts };
}

describe('disk faults and bursts in the composite', () => {
  it('all: every fault but the disk ones, which are named explicitly; needs say so', () => {
    expect(ALL_FAULTS).toEqual(['partition', 'kill', 'pause', 'clock', 'packet', 'burst']);
    expect(parseNemesisSpec('all')).toEqual(ALL_FAULTS);
    expect(parseNemesisSpec('all,lose-unsynced')).toEqual(['partition', 'kill', 'lose-unsynced', 'pause', 'clock', 'packet', 'burst']);
    expect(nemesisFromSpec('all', { nodes }).needs).toEqual({ clock: true, packet: true, disk: false });
    expect(nemesisFromSpec('slow-disk', { nodes }).needs.disk).toBe(true);
    expect(nemesisFromSpec('lose-unsynced,kill', { nodes }).needs.disk).toBe(true);
    expect(() => parseNemesisSpec('lose-unfsynced')).toThrow(/unknown nemesis "lose-unfsynced": use none\|partition\|slow-disk\|kill\|lose-unsynced\|pause\|clock\|packet\|burst\|all/);
  });

  it('lose-unsynced: a power loss of a majority, all, or the leader on start, every node back on stop, the loss recorded', async () => {
    const sizes = new Set<number>();
    for (let seed = 1; seed <= 30; seed++) {
      const { runtime, calls } = recordingRuntime();
      const { ctx, records } = context(runtime, seed);
      const n = nemesisFromSpec('lose-unsynced', { nodes, leaderAware: true });
      await n.start(ctx);
      const lost = calls.filter((c) => c.call.startsWith('powerLoss')).map((c) => c.call.split(' ')[1]);
      sizes.add(lost.length);
      if (lost.length === 1) expect(lost).toEqual(['n2']); // the leader
      expect(records.filter((r) => r.f === 'disk-lost')).toHaveLength(lost.length);
      expect(records.find((r) => r.f === 'start-lose-unsynced')?.value).toEqual(lost);
      await n.stop(ctx);
      expect(calls.filter((c) => c.call.startsWith('start')).map((c) => c.call.split(' ')[1])).toEqual(lost);
    }
    expect([...sizes].sort()).toEqual([1, 3, 5]);
  });

  it('together: a slow disk comes first and runs for SLOW_DISK_LEAD_MS before the power loss lands', async () => {
    const { runtime, calls } = recordingRuntime();
    const { ctx } = context(runtime);
    const n = nemesisFromSpec('lose-unsynced,slow-disk', { nodes, together: true });
    await n.start(ctx);
    const firstSlow = calls.find((c) => c.call.startsWith('slow'))!;
    const firstLoss = calls.find((c) => c.call.startsWith('powerLoss'))!;
    expect(firstSlow.call).toMatch(/ 50\.\.500$/);
    expect(firstLoss.at - firstSlow.at).toBeGreaterThanOrEqual(SLOW_DISK_LEAD_MS - 5);
    await n.stop(ctx);
    expect(calls.filter((c) => c.call.startsWith('fast')).length).toBe(calls.filter((c) => c.call.startsWith('slow')).length);
  });

  it('burst among other faults: on after each stop, off before each start, never after the last stop', async () => {
    const { runtime } = recordingRuntime();
    const { ctx, records, bursts } = context(runtime);
    const n = nemesisFromSpec('partition,burst', { nodes });
    for (let i = 0; i < 3; i++) {
      await n.start(ctx);
      await n.stop(ctx);
    }
    await n.stop({ ...ctx, lastStop: true });
    expect(bursts).toEqual([true, false, true, false, true, false]);
    const fs = records.map((r) => r.f);
    expect(fs).toEqual(['start-partition', 'stop-partition', 'start-burst', 'stop-burst', 'start-partition', 'stop-partition', 'start-burst', 'stop-burst', 'start-partition', 'stop-partition', 'start-burst', 'stop-burst']);
  });

  it('burst alone takes its turn like any fault', async () => {
    const { runtime } = recordingRuntime();
    const { ctx, bursts, records } = context(runtime);
    const n = nemesisFromSpec('burst', { nodes });
    await n.start(ctx);
    await n.stop(ctx);
    await n.stop({ ...ctx, lastStop: true });
    expect(bursts).toEqual([true, false]);
    expect(records.map((r) => r.f)).toEqual(['start-burst', 'stop-burst']);
  });
});
