/**
 * Every nemesis against the real local runtime (3 echo-node processes behind the fault proxy):
 * each start has its real effect and is recorded, each stop undoes it; the composite parses and
 * validates `--nemesis`; runNemesis alternates and leaves everything healed when aborted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Rng } from '../ground/rng.js';
import { wallTimers } from '../ground/time.js';
import { echoDb } from '../harness/runtime/fixtures/echo-db.js';
import { findLibfaketime } from '../harness/runtime/faketime.js';
import { createLocalRuntime, type LocalRuntime } from '../harness/runtime/local.js';
import type { NodeEndpoint } from '../ground/runtime.js';
import { UsageError } from '../ground/runtime.js';
import { clockNemesis } from './clock.js';
import { composite, nemesisFromSpec, parseNemesisSpec } from './compose.js';
import type { NemesisContext } from '../ground/nemesis.js';
import { packetNemesis } from './packet.js';
import { partitionNemesis } from './partition.js';
import { killNemesis, pauseNemesis } from './process-faults.js';
import { runNemesis, runSchedule } from './schedule.js';
import { namedSchedule } from './schedules.js';

const nodes = ['n1', 'n2', 'n3'];

async function status(ep: NodeEndpoint, timeoutMs = 800): Promise<{ id: string; now: number } | null> {
  try {
    const r = await fetch(`${ep.clientUrl}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    return (await r.json()) as { id: string; now: number };
  } catch {
    return null;
  }
}

async function send(from: NodeEndpoint, to: string, timeoutMs = 400): Promise<boolean> {
  try {
    const r = await fetch(`${from.clientUrl}/send?to=${to}&msg=m${Date.now()}&timeout=${timeoutMs}`, { signal: AbortSignal.timeout(timeoutMs + 1000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** True when every pair of nodes talks again (retrying while reset connections are replaced). */
async function allConnected(eps: NodeEndpoint[], withinMs = 4000): Promise<boolean> {
  const end = Date.now() + withinMs;
  for (const a of eps) {
    for (const b of eps) {
      if (a === b) continue;
      while (!(await send(a, b.name))) if (Date.now() > end) return false;
    }
  }
  return true;
}

describe('nemeses on the local runtime', () => {
  let tmp = ''; // made in beforeAll, so a filtered run leaves no directory behind
  let rt: LocalRuntime;
  let eps: NodeEndpoint[];
  let records: Array<{ f: string; value: unknown }>;
  let ctx: NemesisContext;
  const ep = (n: string) => eps.find((e) => e.name === n)!;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-nemesis-'));
    rt = createLocalRuntime({ markerDir: path.join(tmp, 'markers') });
    if (findLibfaketime()) await rt.preflight({ clock: true, packet: true });
    eps = await rt.setup({ runId: `nem${process.pid}`, nodes, db: echoDb(), runDir: path.join(tmp, 'run'), dbArgs: [] });
  });
  afterAll(async () => {
    await rt?.teardown();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(() => {
    records = [];
    ctx = {
      runtime: rt,
      time: wallTimers,
      nodes,
      rng: new Rng(5),
      record: (f, value) => records.push({ f, value }),
      leader: async () => 'n2',
    };
  });

  it('partition (leader shape) cuts the leader off; stop heals', async () => {
    const p = partitionNemesis(['leader']);
    await p.start(ctx);
    expect(records).toEqual([{ f: 'start-partition', value: { n2: ['n1', 'n3'], n1: ['n2'], n3: ['n2'] } }]);
    expect(await send(ep('n1'), 'n2')).toBe(false);
    expect(await send(ep('n1'), 'n3')).toBe(true);
    await p.stop(ctx);
    await p.stop(ctx); // no-op when nothing is in force
    expect(records.map((r) => r.f)).toEqual(['start-partition', 'stop-partition']);
    expect(await allConnected(eps)).toBe(true);
  });

  it('kill takes nodes down and stop restarts them', async () => {
    const k = killNemesis(['one']);
    await k.start(ctx);
    const [victim] = records[0].value as string[];
    expect(records[0].f).toBe('start-kill');
    expect(await status(ep(victim), 300)).toBeNull();
    await k.stop(ctx);
    expect(records[1]).toEqual({ f: 'stop-kill', value: [victim] });
    expect((await status(ep(victim)))?.id).toBe(victim);
  });

  it('pause freezes a majority and stop resumes it', async () => {
    const p = pauseNemesis(['majority']);
    await p.start(ctx);
    const frozen = records[0].value as string[];
    expect(frozen).toHaveLength(2);
    for (const n of frozen) expect(await status(ep(n), 300)).toBeNull();
    await p.stop(ctx);
    for (const n of frozen) expect((await status(ep(n)))?.id).toBe(n);
    expect(records.map((r) => r.f)).toEqual(['start-pause', 'stop-pause']);
  });

  it.skipIf(!findLibfaketime())('clock bumps and strobes node clocks; stop resets them', async () => {
    /** Whether node n's clock is `ms` ahead of ours: its reading must fall inside the request's round trip. */
    const skewed = async (n: string, ms: number) => {
      const t0 = Date.now();
      const s = await status(ep(n));
      const t1 = Date.now();
      return s!.now - t1 - 5 <= ms && ms <= s!.now - t0 + 5;
    };
    const bump = clockNemesis({ maxOffsetMs: 60_000, modes: ['bump'] });
    await bump.start(ctx);
    const { offsets } = records[0].value as { offsets: Record<string, number> };
    expect(Object.keys(offsets).length).toBeGreaterThan(0);
    for (const [n, off] of Object.entries(offsets)) expect(await skewed(n, off)).toBe(true);
    await bump.stop(ctx);
    for (const n of nodes) expect(await skewed(n, 0)).toBe(true);
    records.length = 0;
    const strobe = clockNemesis({ maxOffsetMs: 30_000, modes: ['strobe'], strobePeriodMs: [40, 40] });
    await strobe.start(ctx);
    const s = records[0].value as { nodes: string[]; deltaMs: number };
    expect(Math.abs(s.deltaMs)).toBeGreaterThan(100); // so the two states cannot be confused below
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      if (await skewed(s.nodes[0], 0)) seen.add('zero');
      else if (await skewed(s.nodes[0], s.deltaMs)) seen.add('delta');
      await new Promise((r) => setTimeout(r, 15));
    }
    expect([...seen].sort()).toEqual(['delta', 'zero']);
    await strobe.stop(ctx);
    await new Promise((r) => setTimeout(r, 100)); // no flip may land after stop
    for (const n of nodes) expect(await skewed(n, 0)).toBe(true);
    expect(records.map((r) => r.f)).toEqual(['start-clock', 'stop-clock']);
  });

  it.skipIf(!findLibfaketime())('clock drift: a target\'s real clock runs at its recorded rate; stop resets it', async () => {
    /** How far node n's clock is ahead of ours, read at the middle of the request's round trip. */
    const skew = async (n: string) => {
      const t0 = Date.now();
      const s = await status(ep(n));
      return s!.now - (t0 + Date.now()) / 2;
    };
    const drift = clockNemesis({ modes: ['drift'], targets: ['one'] });
    await drift.start(ctx);
    const { mode, rates } = records[0].value as { mode: string; rates: Record<string, number> };
    expect(mode).toBe('drift');
    const [[n, rate]] = Object.entries(rates);
    const a = await skew(n);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1500));
    const b = await skew(n);
    const measured = 1 + (b - a) / (performance.now() - t0);
    // Steps of DRIFT_STEP_MS and a round trip of a few ms: a few hundredths at most; rates are >= 0.1 off 1.
    expect(Math.abs(measured - rate)).toBeLessThan(0.05);
    await drift.stop(ctx);
    await new Promise((r) => setTimeout(r, 100)); // no step may land after stop
    expect(Math.abs(await skew(n))).toBeLessThan(10);
    expect(records.map((r) => r.f)).toEqual(['start-clock', 'stop-clock']);
  });

  it('packet delays the outgoing links of its targets; stop clears them', async () => {
    const p = packetNemesis([{ delayMs: 300, jitterMs: 0, lossPct: 0 }]);
    await p.start(ctx);
    const { links } = records[0].value as { links: Array<[string, string]> };
    const [a, b] = links[0];
    const t0 = Date.now();
    expect(await send(ep(a), b, 2000)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    await p.stop(ctx);
    expect(records[1]).toEqual({ f: 'stop-packet', value: links });
    const t1 = Date.now();
    expect(await send(ep(a), b, 2000)).toBe(true);
    expect(Date.now() - t1).toBeLessThan(250);
  });

  it('runNemesis alternates start/stop until aborted, then heals everything', async () => {
    const nemesis = nemesisFromSpec('partition,kill,pause,packet', { nodes });
    const ac = new AbortController();
    const run = runNemesis(nemesis, ctx, { intervalMs: 150, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 1500));
    ac.abort();
    const result = await run;
    expect(result.errors).toEqual([]);
    expect(result.cycles).toBeGreaterThanOrEqual(2);
    // Every start has its stop, in order, per fault kind.
    const open = new Map<string, number>();
    for (const { f } of records) {
      const [phase, kind] = f.split(/-(.*)/);
      open.set(kind, (open.get(kind) ?? 0) + (phase === 'start' ? 1 : -1));
      expect(open.get(kind)).toBeGreaterThanOrEqual(0);
      expect(open.get(kind)).toBeLessThanOrEqual(1);
    }
    expect([...open.values()].every((v) => v === 0)).toBe(true);
    for (const n of nodes) expect(rt.describe(n)).toMatchObject({ running: true, paused: false });
    expect(await allConnected(eps)).toBe(true);
  });
  it('kill-all-in-flight slows every link, kills every node while slow, and an abort heals it all', async () => {
    const schedule = namedSchedule('kill-all-in-flight', { nodes, intervalMs: 3000, leaderAware: true });
    const ac = new AbortController();
    const run = runSchedule(schedule, ctx, { signal: ac.signal });
    // The links slow at 1 s, every node dies at 4 s: abort while they are down.
    await new Promise((r) => setTimeout(r, 4300));
    expect(nodes.map((n) => rt.describe(n).running)).toEqual([false, false, false]);
    ac.abort();
    expect(await run).toEqual({ cycles: 2, errors: [] });
    expect(records.map((r) => r.f)).toEqual(['start-packet', 'start-kill', 'stop-kill', 'stop-packet']);
    expect((records[0].value as { links: unknown[] }).links).toHaveLength(6);
    expect((records[0].value as { shape: unknown }).shape).toEqual({ delayMs: 100, jitterMs: 0, lossPct: 0 });
    expect(records[1].value).toEqual(nodes);
    for (const n of nodes) expect(rt.describe(n)).toMatchObject({ running: true, paused: false });
    expect(await allConnected(eps)).toBe(true);
  }, 20_000);
});

describe('nemesisFromSpec', () => {
  it('parses names and comma lists, and says what the runtime must support', () => {
    expect(parseNemesisSpec('none')).toEqual([]);
    expect(parseNemesisSpec('all')).toEqual(['partition', 'kill', 'pause', 'clock', 'packet', 'burst']);
    expect(parseNemesisSpec('kill, partition,kill')).toEqual(['partition', 'kill']);
    const n = nemesisFromSpec('partition,clock', { nodes: ['a', 'b', 'c'] });
    expect(n.name).toBe('partition,clock');
    expect(n.needs).toEqual({ clock: true, packet: false, disk: false });
    expect(n.components.map((c) => c.name)).toEqual(['partition', 'clock']);
    expect(nemesisFromSpec('none').name).toBe('none');
  });

  it('rejects unknown names, none in a list, and shapes the cluster cannot take', () => {
    expect(() => nemesisFromSpec('partition,flood')).toThrow(UsageError);
    expect(() => nemesisFromSpec('partition,flood')).toThrow(/unknown nemesis "flood"/);
    expect(() => nemesisFromSpec('')).toThrow(/unknown nemesis ""/);
    expect(() => nemesisFromSpec('none,kill')).toThrow(/cannot be combined/);
    expect(() => nemesisFromSpec('partition', { partition: 'ring' })).toThrow(/unknown partition shape/);
    expect(() => nemesisFromSpec('partition', { partition: 'bridge', nodes: ['a', 'b'] })).toThrow(/bridge needs at least 3 nodes/);
    expect(() => nemesisFromSpec('partition', { nodes: ['a'] })).toThrow(/at least 2 nodes/);
    expect(() => nemesisFromSpec('partition', { nodes: ['a', 'b'] })).not.toThrow();
    expect(() => nemesisFromSpec('partition', { partition: ['one', 'nope' as never] })).toThrow(/unknown partition shape "nope"/);
    expect(() => nemesisFromSpec('partition', { partition: [], nodes: ['a', 'b', 'c'] })).not.toThrow();
  });

  it('composite starts go round every fault, one at a time; stop undoes all of it', async () => {
    const calls: string[] = [];
    const fake = (name: string) => ({
      name,
      start: async () => void calls.push(`start-${name}`),
      stop: async () => void calls.push(`stop-${name}`),
    });
    const names = ['a', 'b', 'c', 'd', 'e'];
    const rng = new Rng(3);
    for (let run = 0; run < 6; run++) {
      const n = composite(names.map(fake));
      const perRound: string[] = [];
      // Five starts are one round: every kind is injected exactly once.
      for (let i = 0; i < names.length; i++) {
        calls.length = 0;
        await n.start({ rng } as unknown as NemesisContext);
        const started = calls.length;
        expect(started).toBe(1);
        perRound.push(...calls);
        await n.stop({ rng } as unknown as NemesisContext);
        expect(calls.slice(started).sort()).toEqual(names.map((x) => `stop-${x}`));
      }
      expect(perRound.sort()).toEqual(names.map((x) => `start-${x}`));
    }
  });

  it('runNemesis records a failing start as nemesis-error, keeps going, and always stops at the end', async () => {
    const records: Array<{ f: string; value: unknown }> = [];
    let starts = 0;
    let stops = 0;
    const flaky = {
      name: 'flaky',
      start: async () => {
        if (++starts === 1) throw new Error('no route to node');
      },
      stop: async () => void stops++,
    };
    const ctx = { record: (f: string, value: unknown) => records.push({ f, value }) } as unknown as NemesisContext;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 130);
    const result = await runNemesis(flaky, ctx, { intervalMs: 20, signal: ac.signal });
    expect(result.errors[0]).toBe('start flaky: no route to node');
    expect(records[0]).toEqual({ f: 'nemesis-error', value: { nemesis: 'flaky', phase: 'start', error: 'no route to node' } });
    expect(starts).toBeGreaterThanOrEqual(2);
    expect(stops).toBeGreaterThanOrEqual(starts); // one per cycle, plus the final heal
    await expect(runNemesis(flaky, ctx, { intervalMs: 0, signal: ac.signal })).rejects.toThrow(/interval must be > 0/);
  });
});
