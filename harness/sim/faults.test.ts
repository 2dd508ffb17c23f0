/**
 * The faults the simulator gained after partition/kill/pause/clock/lose-unsynced, each shown to
 * act and the correct core VALID under it on a few seeds: packet (shaped links delay, retransmit
 * and time out messages as the fault proxy's TCP model does), slow-disk (syncs take 50-500 ms of
 * virtual time and commits wait for them; power loss then loses more), burst (the rate limit
 * lifted, burst threads running) and --schedule (a named schedule's ops at their virtual times).
 * In-process, through simulate() (the phases without the store).
 */
import { describe, expect, it } from 'vitest';
import { checkAll } from '../../ground/checker.js';
import { cycle, op, phases, sleep } from '../../ground/generator.js';
import type { Op } from '../../ground/history.js';
import { marks, ms, windows } from './fault-windows.js';
import type { Schedule } from '../../ground/nemesis.js';
import { Rng } from '../../ground/rng.js';
import { loseUnsyncedNemesis, slowDiskNemesis } from '../../nemesis/disk.js';
import { nemesisFromSpec } from '../../nemesis/index.js';
import { flagSchedule } from '../../nemesis/schedule.js';
import { namedSchedule } from '../../nemesis/schedules.js';
import { paxosTest } from '../../paxos/suite.js';
import { nemesisOptionsOf, toTestConfig, workloadOptionsOf, type TestConfig } from '../options.js';
import { checkersOf, workloadOf } from '../suite.js';
import { DEFAULT_NETWORK, SimNetwork } from './network.js';
import { simulate, type Simulated } from './simulate.js';

type Flags = Record<string, string | boolean>;

async function run(flags: Flags, schedule?: (config: TestConfig) => Schedule): Promise<{ sim: Simulated; valid: unknown }> {
  const config = toTestConfig({ runtime: 'sim', workload: 'register', 'time-limit': '12', ...flags }, paxosTest);
  const workload = workloadOf(paxosTest, config.workload, workloadOptionsOf(config));
  const s = schedule ? schedule(config) : flagSchedule(nemesisFromSpec(config.nemesis.join(','), { ...nemesisOptionsOf(config), leaderAware: true }), config.nemesisIntervalMs);
  const sim = await simulate(config, workload, s);
  // A planted bug may break an acceptor invariant (node errors); the correct core never does.
  if (config.bug === null) expect(sim.coreErrors).toEqual([]);
  expect(sim.nemesisErrors).toEqual([]);
  const { valid } = await checkAll(await checkersOf(paxosTest, config.workload, workload), sim.history, { decidedLogs: sim.decidedLogs, replicaStates: sim.replicaStates, replay: paxosTest.db.replay, dbName: 'paxos' });
  return { sim, valid };
}


/** In a window, its ends included (an op at the very instant of a stop may have been invoked just before it). */
const inside = (t: number, ws: Array<[number, number]>) => ws.some(([a, b]) => t >= a && t <= b);

/** Ok completions per virtual second inside and outside the windows, in the main phase (to endMs). */
function okRates(h: Op[], ws: Array<[number, number]>, endMs: number): { inside: number; outside: number } {
  const oks = h.filter((o) => o.type === 'ok' && o.process !== 'nemesis' && ms(o) < endMs);
  const inMs = ws.reduce((s, [a, b]) => s + (Math.min(b, endMs) - a), 0);
  const n = oks.filter((o) => inside(ms(o), ws)).length;
  return { inside: n / (inMs / 1000), outside: (oks.length - n) / ((endMs - inMs) / 1000) };
}

describe('packet in the simulator', () => {
  it("a shaped link means what the fault proxy's shape means: delay, jitter both ways, loss as retransmissions, timeout as a lost message", () => {
    const net = new SimNetwork(new Rng(1), { ...DEFAULT_NETWORK, lossP: 0, dupP: 0 });
    const sample = (from: string, to: string) => Array.from({ length: 2000 }, () => net.delays(from, to));
    net.shapeLink('n1', 'n2', { delayMs: 100, jitterMs: 0, lossPct: 0 });
    expect(sample('n1', 'n2').every((d) => d.length === 1 && d[0] >= 101 && d[0] <= 105)).toBe(true);
    expect(sample('n2', 'n1').every((d) => d.length === 1 && d[0] <= 5)).toBe(true); // directed: the way back is not shaped
    net.shapeLink('n1', 'n2', { delayMs: 50, jitterMs: 50, lossPct: 0 });
    const jittered = sample('n1', 'n2').map((d) => d[0]);
    expect(Math.min(...jittered)).toBeLessThan(10);
    expect(Math.max(...jittered)).toBeGreaterThan(95);
    net.shapeLink('n1', 'n2', { delayMs: 0, jitterMs: 0, lossPct: 20 });
    const lossy = sample('n1', 'n2').map((d) => d[0]);
    const retransmitted = lossy.filter((d) => d >= 200).length / lossy.length;
    expect(retransmitted).toBeGreaterThan(0.15); // about 20% wait an RTO (200 ms) or more
    expect(retransmitted).toBeLessThan(0.25);
    net.shapeLink('n1', 'n2', { delayMs: 0, jitterMs: 0, lossPct: 100 });
    const before = net.shaped.timedOut;
    expect(sample('n1', 'n2').every((d) => d.length === 0)).toBe(true);
    expect(net.shaped.timedOut - before).toBe(2000);
    net.shapeLink('n1', 'n2', null);
    expect(sample('n1', 'n2').every((d) => d.length === 1 && d[0] <= 5)).toBe(true);
  });

  it('the nemesis shapes links (messages delayed and retransmitted), the correct core is VALID (seeds 1-3)', async () => {
    for (const seed of ['1', '2', '3']) {
      const { sim, valid } = await run({ nemesis: 'packet', 'nemesis-interval': '2', seed });
      expect(valid, `seed ${seed}`).toBe(true);
      expect(marks(sim.history, 'start-packet').length).toBeGreaterThanOrEqual(2);
      expect(sim.stats.shaped.sent).toBeGreaterThan(100);
      expect(sim.stats.shaped.retransmits).toBeGreaterThan(0); // the first packet fault always loses packets (pickBehaviour)
    }
  }, 60_000);
});

/** Power loss of a majority, every 2.5 s; with `slow`, every disk slow for a second before it. Schedules of their own (written before --nemesis-together could be simulated: its lead now waits on virtual time too). */
const loss = (slow: boolean) => (): Schedule => ({
  name: slow ? 'slow-then-lose' : 'lose',
  faults: { slow: slowDiskNemesis(['all']), lose: loseUnsyncedNemesis(['majority']) },
  generator: cycle(phases(sleep(1000), ...(slow ? [op('start-slow')] : []), sleep(1000), op('start-lose'), sleep(500), op('heal'))),
});

describe('slow-disk in the simulator', () => {
  it('syncs take 50-500 virtual ms, commits wait for them, the correct core is VALID (seeds 1-3)', async () => {
    for (const seed of ['1', '2', '3']) {
      const { sim, valid } = await run({ nemesis: 'slow-disk', 'nemesis-interval': '2', seed });
      expect(valid, `seed ${seed}`).toBe(true);
      const syncs = sim.stats.syncs;
      expect(syncs.slowCount).toBeGreaterThan(10);
      const slowMean = syncs.slowMs / syncs.slowCount;
      expect(slowMean).toBeGreaterThanOrEqual(50);
      expect(slowMean).toBeLessThanOrEqual(500);
      expect((syncs.ms - syncs.slowMs) / (syncs.count - syncs.slowCount)).toBeLessThanOrEqual(3);
      // A slow majority slows what a quorum waits for (and heartbeats wait behind syncs): far fewer ops commit under it.
      const rates = okRates(sim.history, windows(sim.history, 'slow-disk'), 12_000);
      expect(rates.inside).toBeLessThan(0.5 * rates.outside);
    }
  }, 60_000);

  it('power loss on a slow disk loses more unsynced records than on a normal one', async () => {
    const lost = (h: Op[]) => marks(h, 'disk-lost').reduce((sum, o) => sum + Number(/^(\d+) unsynced/.exec((o.value as { lost: string }).lost)![1]), 0);
    let fast = 0;
    let slow = 0;
    for (const seed of ['1', '2']) {
      const a = await run({ seed, nemesis: 'lose-unsynced' }, loss(false));
      const b = await run({ seed, nemesis: 'lose-unsynced' }, loss(true));
      expect(a.valid).toBe(true);
      expect(b.valid).toBe(true);
      expect(marks(b.sim.history, 'start-slow-disk').length).toBeGreaterThan(0);
      fast += lost(a.sim.history);
      slow += lost(b.sim.history);
    }
    expect(slow).toBeGreaterThan(3 * Math.max(1, fast));
  }, 60_000);
});

describe('burst in the simulator', () => {
  it('lifts the rate limit: the burst threads run, far above --rate during a burst and at it outside; VALID (seeds 1-3)', async () => {
    for (const seed of ['1', '2', '3']) {
      const { sim, valid } = await run({ nemesis: 'burst', 'nemesis-interval': '2', rate: '50', 'time-limit': '8', seed });
      expect(valid, `seed ${seed}`).toBe(true);
      const ws = windows(sim.history, 'burst');
      expect(ws.length).toBeGreaterThanOrEqual(2);
      const inMs = ws.reduce((s, [a, b]) => s + (Math.min(b, 8000) - a), 0);
      const invokes = sim.history.filter((o) => o.type === 'invoke' && o.process !== 'nemesis' && ms(o) < 8000);
      const during = invokes.filter((o) => inside(ms(o), ws));
      const rateIn = during.length / (inMs / 1000);
      const rateOut = (invokes.length - during.length) / ((8000 - inMs) / 1000);
      expect(rateOut).toBeLessThanOrEqual(52);
      expect(rateIn).toBeGreaterThan(10 * rateOut);
      // Burst threads (beyond --concurrency 10) ran, and only during bursts.
      const burstThread = (o: Op) => (o.process as number) % 64 >= 10;
      expect(during.some(burstThread)).toBe(true);
      expect(invokes.filter((o) => !inside(ms(o), ws)).some(burstThread)).toBe(false);
    }
  }, 60_000);
});

describe('--schedule in the simulator', () => {
  it("kill-all-in-flight's ops at their virtual times; the correct core VALID (seeds 1-3)", async () => {
    for (const seed of ['1', '2', '3']) {
      const { sim, valid } = await run({ seed, nemesis: 'kill' }, (c) => namedSchedule('kill-all-in-flight', { nodes: c.nodes, intervalMs: c.nemesisIntervalMs, leaderAware: true }));
      expect(valid, `seed ${seed}`).toBe(true);
      const ops = sim.history.filter((o) => o.process === 'nemesis' && /^(start|stop)-(packet|kill)$|^restart$/.test(o.f));
      // sleep 1000, slow links, 3000, kill all, 300, restart all but the old leader, 1000, the rest, 1000, heal; over again.
      expect(ops.slice(0, 6).map((o) => [o.f, ms(o)])).toEqual([
        ['start-packet', 1000],
        ['start-kill', 4000],
        ['restart', 4300],
        ['stop-kill', 5300],
        ['stop-packet', 6300],
        ['start-packet', 7300],
      ]);
      expect(sim.stats.shaped.sent).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe('each catches a planted core bug the faults without it miss (seed 1, 30 s)', () => {
  const long = { seed: '1', 'time-limit': '30', 'nemesis-interval': '2' };
  it('slow disks + power loss: early-ack (acknowledged before synced) INVALID; power loss alone: VALID', async () => {
    expect((await run({ ...long, nemesis: 'lose-unsynced', bug: 'early-ack' }, loss(true))).valid).toBe(false);
    expect((await run({ ...long, nemesis: 'lose-unsynced', bug: 'early-ack' }, loss(false))).valid).toBe(true);
  }, 60_000);

  it("burst: batch-drop (a batch's later commands lost) INVALID; partitions at --rate: VALID", async () => {
    // 10 s: a burst's history is large, and one burst finds it.
    expect((await run({ ...long, 'time-limit': '10', nemesis: 'burst', bug: 'batch-drop' })).valid).toBe(false);
    expect((await run({ ...long, nemesis: 'partition', bug: 'batch-drop' })).valid).toBe(true);
  }, 60_000);

  it('--schedule kill-all-in-flight: volatile-acceptor INVALID; --nemesis kill: VALID by the history (only the acceptor check sees it)', async () => {
    const inFlight = (c: TestConfig) => namedSchedule('kill-all-in-flight', { nodes: c.nodes, intervalMs: c.nemesisIntervalMs, leaderAware: true });
    expect((await run({ ...long, nemesis: 'kill', bug: 'volatile-acceptor' }, inFlight)).valid).toBe(false);
    const killed = await run({ ...long, nemesis: 'kill', bug: 'volatile-acceptor' });
    expect(killed.valid).toBe(true);
    expect(killed.sim.coreErrors.some((e) => /^acceptor: .* recovered promise .* below ballot/.test(e))).toBe(true);
  }, 60_000);
});
