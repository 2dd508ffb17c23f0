/**
 * The nemeses on virtual time (NemesisContext.time = the Scheduler's): the clock nemesis's strobe
 * flips and drift steps land at their virtual times on the simulated nodes' clocks, the
 * slow-disk lead of --nemesis-together waits virtual time while the run goes on, and whole
 * simulated runs under them replay byte for byte with the correct core VALID.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Op } from '../../ground/history.js';
import type { NemesisContext } from '../../ground/nemesis.js';
import { Rng } from '../../ground/rng.js';
import { clockNemesis, DRIFT_STEP_MS } from '../../nemesis/clock.js';
import { SLOW_DISK_LEAD_MS } from '../../nemesis/disk.js';
import { paxosTest } from '../../paxos/suite.js';
import { toTestConfig } from '../options.js';
import { SimCluster } from './cluster.js';
import { SimNetwork } from './network.js';
import { runSimTest } from './run.js';
import { simRuntime } from './runtime.js';
import { Scheduler } from './scheduler.js';

const nodes = ['n1', 'n2', 'n3'];

/** A cluster (not started: only its clocks matter here) and a nemesis context on its Scheduler. */
function virtual(seed: number) {
  const sched = new Scheduler();
  const cluster = new SimCluster(sched, nodes, null, new Rng(1), new SimNetwork(new Rng(2)));
  const records: Array<{ f: string; value: unknown; at: number }> = [];
  const ctx: NemesisContext = {
    runtime: simRuntime(cluster),
    time: sched.timers,
    nodes,
    rng: new Rng(seed),
    record: (f, value) => void records.push({ f, value, at: sched.now() }),
    leader: async () => 'n1',
  };
  /** Each node's offset (its wall clock minus virtual time) at virtual ms `at`. */
  const offsetsAt = (at: number, into: Map<number, Record<string, number>>) =>
    sched.at(at, () => void into.set(at, Object.fromEntries(nodes.map((n) => [n, cluster.wallClock(n) - sched.now()]))));
  return { sched, ctx, records, offsetsAt };
}

describe('the clock nemesis on virtual time', () => {
  it('strobe: the targets flip between the offset and 0 every periodMs of virtual time; stop resets them', async () => {
    const { sched, ctx, records, offsetsAt } = virtual(3);
    const strobe = clockNemesis({ modes: ['strobe'], strobePeriodMs: [40, 40], targets: ['all'] });
    const seen = new Map<number, Record<string, number>>();
    sched.at(0, () => strobe.start(ctx));
    for (let t = 5; t < 400; t += 10) offsetsAt(t, seen);
    sched.at(200, () => strobe.stop(ctx));
    await sched.run();
    const start = records[0].value as { mode: string; nodes: string[]; deltaMs: number; periodMs: number };
    expect(start).toMatchObject({ mode: 'strobe', periodMs: 40 });
    expect(start.nodes.sort()).toEqual(nodes);
    for (const [t, offsets] of seen) {
      const want = t > 200 ? 0 : Math.floor(t / 40) % 2 === 0 ? start.deltaMs : 0;
      for (const n of nodes) expect([t, offsets[n]]).toEqual([t, want]);
    }
    expect(records.map((r) => [r.f, r.at])).toEqual([['start-clock', 0], ['stop-clock', 200]]);
  });

  it('drift: each target runs at its recorded rate in virtual time (never 1); stop resets it to 0', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const { sched, ctx, records, offsetsAt } = virtual(seed);
      const drift = clockNemesis({ modes: ['drift'], targets: ['all'] });
      const seen = new Map<number, Record<string, number>>();
      sched.at(0, () => drift.start(ctx));
      for (const t of [505, 1005, 2005, 2105]) offsetsAt(t, seen);
      sched.at(2050, () => drift.stop(ctx));
      await sched.run();
      const { mode, rates } = records[0].value as { mode: string; rates: Record<string, number> };
      expect(mode).toBe('drift');
      expect(Object.keys(rates).sort()).toEqual(nodes);
      for (const n of nodes) {
        expect(rates[n] >= 0.5 && rates[n] <= 2 && Math.abs(rates[n] - 1) >= 0.1).toBe(true);
        // Last step at t - 5 (steps every DRIFT_STEP_MS): offset = (rate - 1) x that time.
        for (const t of [505, 1005, 2005]) expect(Math.abs(seen.get(t)![n] - (rates[n] - 1) * (t - 5))).toBeLessThanOrEqual(1);
        expect(seen.get(2105)![n]).toBe(0);
      }
      expect(DRIFT_STEP_MS).toBeLessThanOrEqual(50);
    }
  });
});

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-clocks-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

async function run(seed: number, name: string, faults: Record<string, string | boolean>): Promise<{ history: string; ops: Op[]; results: string; exit: number }> {
  const config = toTestConfig({ runtime: 'sim', workload: 'register', 'nemesis-interval': '1', 'time-limit': '8', seed: String(seed), results, name, ...faults }, paxosTest);
  const out = await runSimTest(config, paxosTest, { out: new PassThrough() });
  const history = readFileSync(path.join(out.runDir, 'history.jsonl'), 'utf8');
  return { history, ops: history.trim().split('\n').map((l) => JSON.parse(l) as Op), results: readFileSync(path.join(out.runDir, 'results.json'), 'utf8'), exit: out.exit };
}

const marks = (h: Op[], f: string) => h.filter((o) => o.process === 'nemesis' && o.f === f);
const ms = (o: Op) => o.time / 1e6;

describe('simulated runs under strobe, drift and slow-disk together', () => {
  it('--clock-mode strobe and drift: start-clock records at each start, the correct core VALID, the same bytes again', async () => {
    for (const mode of ['strobe', 'drift']) {
      const faults = { nemesis: 'partition,clock', 'clock-mode': mode };
      const a = await run(11, `${mode}-a`, faults);
      const b = await run(11, `${mode}-b`, faults);
      expect(a.exit).toBe(0);
      const starts = marks(a.ops, 'start-clock');
      expect(starts.length).toBeGreaterThan(0);
      for (const s of starts) expect((s.value as { mode: string }).mode).toBe(mode);
      if (mode === 'strobe') for (const s of starts) expect((s.value as { periodMs: number }).periodMs).toBeGreaterThanOrEqual(10);
      expect(marks(a.ops, 'stop-clock').length).toBe(starts.length);
      expect(b.history === a.history).toBe(true);
      expect(b.results === a.results).toBe(true);
    }
  }, 120_000);

  it('--nemesis-together slow-disk,kill: the kill lands SLOW_DISK_LEAD_MS of virtual time after the slow disk while clients go on; VALID; the same bytes again', async () => {
    const faults = { nemesis: 'slow-disk,kill', 'nemesis-together': true };
    const a = await run(5, 'together-a', faults);
    const b = await run(5, 'together-b', faults);
    expect(a.exit).toBe(0);
    const slows = marks(a.ops, 'start-slow-disk');
    const kills = marks(a.ops, 'start-kill');
    expect(slows.length).toBeGreaterThan(1);
    expect(kills.map(ms)).toEqual(slows.map((s) => ms(s) + SLOW_DISK_LEAD_MS));
    // The lead held up the nemesis only: clients completed ops meanwhile.
    const s0 = ms(slows[0]);
    expect(a.ops.some((o) => o.process !== 'nemesis' && o.type === 'ok' && ms(o) > s0 && ms(o) < s0 + SLOW_DISK_LEAD_MS)).toBe(true);
    expect(b.history === a.history).toBe(true);
    expect(b.results === a.results).toBe(true);
  }, 120_000);

  it('lease-skew: a partitioned leader whose clock runs slow (--clock-drift 0.1..0.3) trusts its lease too long: INVALID on every seed, the correct core VALID', async () => {
    const flags = { nemesis: 'partition,clock', 'nemesis-together': true, partition: 'leader', 'clock-target': 'leader', 'clock-mode': 'drift', 'clock-drift': '0.1..0.3', 'nemesis-interval': '2', 'time-limit': '10', 'recovery-time': '2', concurrency: '20', rate: '100' };
    for (const seed of [1, 2, 3]) {
      const bug = await run(seed, `lease-skew-${seed}`, { ...flags, bug: 'lease-skew' });
      expect([seed, bug.exit]).toEqual([seed, 1]);
      for (const s of marks(bug.ops, 'start-clock')) for (const rate of Object.values((s.value as { rates: Record<string, number> }).rates)) expect(rate >= 0.1 && rate <= 0.3).toBe(true);
      expect([seed, (await run(seed, `correct-${seed}`, flags)).exit]).toEqual([seed, 0]);
    }
    const again = await run(1, 'lease-skew-again', { ...flags, bug: 'lease-skew' });
    expect(again.history === (await run(1, 'lease-skew-again-b', { ...flags, bug: 'lease-skew' })).history).toBe(true);
  }, 180_000);
});
