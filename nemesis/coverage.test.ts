/**
 * Fault coverage: leader-aimed picks are among the defaults when the Db names a leader, every
 * start is counted by kind and by what it hit, and a requested kind never injected is a warning.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../ground/rng.js';
import type { LinkShape, Runtime } from '../ground/runtime.js';
import { nemesisFromSpec } from './compose.js';
import { countFault, coverageLine, coverageWarnings, emptyCoverage } from './coverage.js';
import type { NemesisContext } from '../ground/nemesis.js';
import { wallTimers } from '../ground/time.js';
import { PACKET_BEHAVIOURS, packetNemesis, pickBehaviour } from './packet.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
const noop = async () => {};
const runtime = { partition: noop, heal: noop, kill: noop, start: noop, pause: noop, resume: noop, setClockOffset: noop, shape: noop } as unknown as Runtime;

/** Starts and stops `spec` n times against a runtime that does nothing; returns the coverage. */
async function cover(spec: string, n: number, opts: { leaderAware: boolean; leader: string | null; seed?: number }) {
  const coverage = emptyCoverage(spec.split(','));
  const hit: string[][] = [];
  const ctx: NemesisContext = {
    runtime,
    time: wallTimers,
    nodes,
    rng: new Rng(opts.seed ?? 1),
    record: (f, value) => {
      if (f === 'start-kill' || f === 'start-pause') hit.push(value as string[]);
    },
    leader: async () => opts.leader,
    injected: (kind, detail) => countFault(coverage, kind, detail),
  };
  const nemesis = nemesisFromSpec(spec, { nodes, leaderAware: opts.leaderAware });
  for (let i = 0; i < n; i++) {
    await nemesis.start(ctx);
    await nemesis.stop(ctx);
  }
  return { coverage, hit };
}

describe('fault coverage', () => {
  it('a Db that names its leader: every other partition cuts off the leader (the first too), leader kills and pauses among the picks', async () => {
    const { coverage, hit } = await cover('partition,kill,pause', 300, { leaderAware: true, leader: 'n3' });
    const p = coverage.injected.partition;
    expect(p.by.leader).toBe(Math.ceil(p.count / 2));
    expect(coverage.injected.kill.by.leader).toBeGreaterThan(10);
    expect(coverage.injected.pause.by.leader).toBeGreaterThan(10);
    // A leader-aimed kill or pause hits exactly the named node.
    const leaderHits = hit.filter((h) => h.length === 1 && h[0] === 'n3').length;
    expect(leaderHits).toBeGreaterThanOrEqual(coverage.injected.kill.by.leader + coverage.injected.pause.by.leader);
    // The rotation gives each kind its share.
    for (const kind of ['partition', 'kill', 'pause']) expect(coverage.injected[kind].count).toBeGreaterThan(90);
  });

  it('a Db that cannot name a leader: no leader picks by default', async () => {
    const { coverage } = await cover('partition,kill,pause', 100, { leaderAware: false, leader: null });
    for (const kind of ['partition', 'kill', 'pause']) expect(coverage.injected[kind].by.leader ?? 0).toBe(0);
    expect(coverage.injected['partition'].by['leader?'] ?? 0).toBe(0);
  });

  it('a leader-aimed fault with no leader known says so (leader?)', async () => {
    const { coverage } = await cover('kill', 60, { leaderAware: true, leader: null });
    expect(coverage.injected.kill.by['leader?']).toBeGreaterThan(5);
    expect(coverage.injected.kill.by.leader ?? 0).toBe(0);
  });

  it('all: five starts inject all five kinds', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { coverage } = await cover('partition,kill,pause,clock,packet', 5, { leaderAware: true, leader: 'n1', seed });
      expect(Object.keys(coverage.injected).sort()).toEqual(['clock', 'kill', 'packet', 'partition', 'pause']);
    }
  });

  it('packet: every other packet fault loses packets, the first one of every seed included; the rest draw from all behaviours', async () => {
    const shapes: LinkShape[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const ctx: NemesisContext = { runtime, time: wallTimers, nodes, rng: new Rng(seed), record: (f, v) => void (f === 'start-packet' && shapes.push((v as { shape: LinkShape }).shape)), leader: async () => null };
      const packet = packetNemesis();
      for (let i = 0; i < 6; i++) {
        await packet.start(ctx);
        await packet.stop(ctx);
      }
    }
    const even = shapes.filter((_, i) => i % 2 === 0);
    const odd = shapes.filter((_, i) => i % 2 === 1);
    expect(even.every((s) => s.lossPct > 0)).toBe(true);
    expect(odd.some((s) => s.lossPct === 0)).toBe(true);
    expect(new Set(even.map((s) => JSON.stringify(s))).size).toBe(PACKET_BEHAVIOURS.filter((b) => b.lossPct > 0).length);
    // A Db that names its leader: the lossy ones degrade the leader's links too, the others need not.
    const fromLeader: boolean[] = [];
    const details: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const record = (f: string, v: unknown) => void (f === 'start-packet' && fromLeader.push((v as { links: string[][] }).links.some(([a]) => a === 'n4')));
      const ctx: NemesisContext = { runtime, time: wallTimers, nodes, rng: new Rng(seed), record, leader: async () => 'n4', injected: (_, d) => void details.push(d) };
      const packet = packetNemesis(PACKET_BEHAVIOURS, { leaderAware: true });
      for (let i = 0; i < 6; i++) {
        await packet.start(ctx);
        await packet.stop(ctx);
      }
    }
    expect(fromLeader.filter((_, i) => i % 2 === 0).every(Boolean)).toBe(true);
    expect(fromLeader.filter((_, i) => i % 2 === 1).some((hit) => !hit)).toBe(true);
    expect(details.some((d) => d.endsWith('+leader'))).toBe(true);
    // All lossy or none lossy: uniform, every nth alike.
    const delays = [{ delayMs: 10, jitterMs: 0, lossPct: 0 }];
    expect(pickBehaviour(delays, new Rng(1), 0)).toEqual(delays[0]);
  });

  it('one line by kind and detail; a requested kind never injected is a warning', () => {
    const c = emptyCoverage(['partition', 'kill', 'clock']);
    countFault(c, 'partition', 'leader');
    countFault(c, 'partition', 'leader');
    countFault(c, 'partition', 'one');
    countFault(c, 'kill', 'minority');
    expect(coverageLine(c)).toBe('partition 3 (leader 2, one 1), kill 1 (minority 1), clock 0');
    expect(coverageWarnings(c)).toEqual([expect.stringMatching(/^warning: the clock fault was requested but never injected/)]);
    expect(coverageWarnings(emptyCoverage([]))).toEqual([]);
    expect(coverageLine(emptyCoverage([]))).toBe('none');
  });
});
