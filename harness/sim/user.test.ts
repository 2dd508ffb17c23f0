/**
 * A user's own system in the simulator (ground/sim.ts), through the same entry the CLI uses:
 * examples/sim-register's correct build VALID under every simulated fault, its planted
 * backup-reads bug INVALID by linearizability on most seeds, the same seed twice the same bytes,
 * VALID on a network that duplicates many messages (a forward delivered twice is performed once);
 * the faults a user's nodes take since they run on host.ts as paxos/core's do (slow-disk,
 * packet, burst, --schedule, --swarm), each shown acting on the example, which stays VALID;
 * a node that throws makes the run INVALID by node-errors (and the correct one passes it); a
 * node that reads the wall clock crashes the run, named; a --test module without a sim system
 * is refused with one line, and so is what the simulator does not run for anyone.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult, Validity } from '../../ground/checker.js';
import type { Op } from '../../ground/history.js';
import { marks, ms, windows } from './fault-windows.js';
import type { SimSystem } from '../../ground/sim.js';
import type { TestDefinition } from '../../ground/test.js';
import { UsageError } from '../../ground/runtime.js';
import simRegister from '../../examples/sim-register/test.js';
import { registerSystem } from '../../examples/sim-register/register.js';
import { toTestConfig } from '../options.js';
import { definitionProblem } from '../test-module.js';
import { analyzeRun } from '../commands/analyze.js';
import { simulateAndCheck } from './judge.js';
import { refuseUnsimulated } from './options.js';
import { runSimTest } from './run.js';
import type { Simulated } from './simulate.js';
import { swarmOf } from './swarm.js';

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-user-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const SOURCE = { test: 'examples/sim-register/test.ts' };
const EVERY_FAULT = { nemesis: 'partition,kill,pause,clock,lose-unsynced', 'nemesis-interval': '1', 'time-limit': '15' };

interface Outcome {
  runDir: string;
  exit: number;
  failing: string[];
  results: Record<string, CheckResult> & { crashed?: unknown };
  file: { crashed: string | null; results: Record<string, CheckResult> };
  historyText: string;
  resultsText: string;
}

async function run(definition: TestDefinition, flags: Record<string, string | boolean>): Promise<Outcome> {
  const config = toTestConfig({ runtime: 'sim', results, ...flags }, definition, SOURCE);
  const out = await runSimTest(config, definition, { out: new PassThrough() });
  const resultsText = readFileSync(path.join(out.runDir, 'results.json'), 'utf8');
  const file = JSON.parse(resultsText) as Outcome['file'];
  const historyFile = path.join(out.runDir, 'history.jsonl'); // a crashed simulation writes none
  const historyText = existsSync(historyFile) ? readFileSync(historyFile, 'utf8') : '';
  return { runDir: out.runDir, exit: out.exit, failing: Object.entries(file.results).filter(([, r]) => r.valid === false).map(([n]) => n), results: file.results, file, historyText, resultsText };
}

describe('examples/sim-register under --runtime sim', () => {
  for (const seed of ['1', '2', '3']) {
    it(`correct: VALID under every simulated fault, node-errors passed (seed ${seed})`, async () => {
      const o = await run(simRegister, { ...EVERY_FAULT, seed });
      expect(o.failing).toEqual([]);
      expect(o.exit).toBe(0);
      expect(o.results['node-errors']).toEqual({ valid: true, count: 0 });
      // Faults happened and ops succeeded: the verdict judged something.
      for (const f of ['start-partition', 'start-kill', 'start-lose-unsynced']) expect(o.historyText).toContain(`"f":"${f}"`);
      expect(o.historyText.split('\n').filter((l) => l.includes('"type":"ok"')).length).toBeGreaterThan(300);
    }, 120_000);
  }

  it('backup-reads: INVALID by linearizable on at least 4 of 5 seeds', async () => {
    let found = 0;
    for (const seed of ['1', '2', '3', '4', '5']) {
      const o = await run(simRegister, { nemesis: 'partition,kill', 'time-limit': '15', bug: 'backup-reads', seed });
      if (o.exit === 1 && o.failing.includes('linearizable')) found++;
    }
    expect(found).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('the same seed twice: byte-identical history.jsonl and results.json; another seed differs', async () => {
    const flags = { ...EVERY_FAULT, 'time-limit': '8' };
    const a = await run(simRegister, { ...flags, seed: '7', name: 'det-a' });
    const b = await run(simRegister, { ...flags, seed: '7', name: 'det-b' });
    const c = await run(simRegister, { ...flags, seed: '8', name: 'det-c' });
    expect(a.historyText.split('\n').length).toBeGreaterThan(300);
    expect(b.historyText === a.historyText).toBe(true);
    expect(b.resultsText === a.resultsText).toBe(true);
    expect(c.historyText === a.historyText).toBe(false);
  }, 120_000);
});

/** The example simulated and judged in memory (judge.ts), for what the store does not keep: the disks' and links' counts. */
async function inMemory(flags: Record<string, string | boolean>): Promise<{ sim: Simulated; valid: Validity; failing: string[]; concurrency: number }> {
  const config = toTestConfig({ runtime: 'sim', results, ...flags }, simRegister, SOURCE);
  refuseUnsimulated(config, simRegister);
  const judged = await simulateAndCheck(config, simRegister);
  expect(judged.sim.nemesisErrors).toEqual([]);
  return { ...judged, concurrency: config.concurrency };
}

const oks = (h: Op[]) => h.filter((o) => o.type === 'ok' && o.process !== 'nemesis').length;

describe('examples/sim-register on a network that duplicates messages', () => {
  it('a forward delivered twice is performed once (a write, or a cas that did not match): VALID with 20% of messages duplicated, under pauses and bursts (seeds 1-3)', async () => {
    for (const seed of ['1', '2', '3']) {
      // Pauses hold the original and its duplicate apart, and bursts put other ops on its key between them.
      const config = toTestConfig({ runtime: 'sim', results, rate: '50', 'time-limit': '8', nemesis: 'pause,burst', 'nemesis-interval': '1', seed }, simRegister, SOURCE);
      const { sim, valid, failing } = await simulateAndCheck(config, simRegister, { delayMs: 1, jitterMs: 4, lossP: 0, dupP: 0.2 });
      expect(sim.stats.duplicated).toBeGreaterThan(500);
      expect([valid, failing], `seed ${seed}`).toEqual([true, []]);
    }
  }, 120_000);
});

describe("the faults a user's nodes take on host.ts, acting on examples/sim-register (the correct build VALID)", () => {
  it('slow-disk: the chosen nodes sync in 50-500 virtual ms, the others in 1-3 (seeds 1-3)', async () => {
    for (const seed of ['1', '2', '3']) {
      const { sim, valid, failing } = await inMemory({ nemesis: 'slow-disk', 'nemesis-interval': '2', 'time-limit': '12', seed });
      expect([valid, failing], `seed ${seed}`).toEqual([true, []]);
      expect(marks(sim.history, 'start-slow-disk').length).toBeGreaterThanOrEqual(2);
      const s = sim.stats.syncs;
      expect(s.slowCount).toBeGreaterThan(10);
      expect(s.slowMs / s.slowCount).toBeGreaterThanOrEqual(50);
      expect(s.slowMs / s.slowCount).toBeLessThanOrEqual(500);
      expect((s.ms - s.slowMs) / (s.count - s.slowCount)).toBeLessThanOrEqual(3);
      expect(oks(sim.history)).toBeGreaterThan(100);
    }
  }, 120_000);

  it('packet: shaped links delay and retransmit the nodes\' messages (seeds 1-3)', async () => {
    for (const seed of ['1', '2', '3']) {
      const { sim, valid, failing } = await inMemory({ nemesis: 'packet', 'nemesis-interval': '2', 'time-limit': '12', seed });
      expect([valid, failing], `seed ${seed}`).toEqual([true, []]);
      expect(marks(sim.history, 'start-packet').length).toBeGreaterThanOrEqual(2);
      expect(sim.stats.shaped.sent).toBeGreaterThan(100);
      expect(sim.stats.shaped.retransmits).toBeGreaterThan(0);
      expect(oks(sim.history)).toBeGreaterThan(100);
    }
  }, 120_000);

  it('burst: the burst threads run during bursts and only then, far above --rate (seeds 1-3)', async () => {
    for (const seed of ['1', '2', '3']) {
      const { sim, valid, failing, concurrency } = await inMemory({ nemesis: 'burst', 'nemesis-interval': '2', rate: '50', 'time-limit': '8', seed });
      expect([valid, failing], `seed ${seed}`).toEqual([true, []]);
      const ws = windows(sim.history, 'burst');
      expect(ws.length).toBeGreaterThanOrEqual(2);
      const during = (o: Op) => ws.some(([a, b]) => ms(o) >= a && ms(o) <= b);
      const invokes = sim.history.filter((o) => o.type === 'invoke' && o.process !== 'nemesis' && ms(o) < 8000);
      const inMs = ws.reduce((sum, [a, b]) => sum + (Math.min(b, 8000) - a), 0);
      const rateIn = invokes.filter(during).length / (inMs / 1000);
      const rateOut = invokes.filter((o) => !during(o)).length / ((8000 - inMs) / 1000);
      expect(rateOut).toBeLessThanOrEqual(52);
      expect(rateIn).toBeGreaterThan(5 * rateOut);
      const burstThread = (o: Op) => (o.process as number) % 64 >= concurrency;
      expect(invokes.filter(during).some(burstThread)).toBe(true);
      expect(invokes.filter((o) => !during(o)).some(burstThread)).toBe(false);
    }
  }, 120_000);

  it('--schedule kill-all-in-flight: slow links, every node killed, all but the old primary restarted, then it (seeds 1-3)', async () => {
    for (const seed of ['1', '2', '3']) {
      const { sim, valid, failing } = await inMemory({ schedule: 'kill-all-in-flight', 'time-limit': '12', seed });
      expect([valid, failing], `seed ${seed}`).toEqual([true, []]);
      const ops = sim.history.filter((o) => o.process === 'nemesis' && /^(start|stop)-(packet|kill)$|^restart$/.test(o.f));
      expect(ops.slice(0, 5).map((o) => [o.f, ms(o), o.value])).toEqual([
        ['start-packet', 1000, expect.anything()],
        ['start-kill', 4000, ['n1', 'n2', 'n3']],
        ['restart', 4300, ['n2', 'n3']], // n1, the primary, leads (SimNode.leader): restarted last
        ['stop-kill', 5300, ['n1']],
        ['stop-packet', 6300, expect.anything()],
      ]);
      expect(sim.stats.shaped.sent).toBeGreaterThan(0);
      expect(oks(sim.history)).toBeGreaterThan(100);
    }
  }, 120_000);

  it('--swarm: seeds that draw the newly allowed faults run VALID, and replay to the byte', async () => {
    const fresh = ['slow-disk', 'packet', 'burst'];
    const drawn = (seed: number) => swarmOf(toTestConfig({ runtime: 'sim', swarm: true, seed: String(seed) }, simRegister, SOURCE)).choice.nemesis;
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1).filter((s) => drawn(s).some((f) => fresh.includes(f)));
    const picked = fresh.map((f) => seeds.find((s) => drawn(s).includes(f))!);
    expect(picked.every((s) => s !== undefined)).toBe(true);
    for (const seed of picked) {
      const o = await run(simRegister, { swarm: true, 'time-limit': '8', seed: String(seed), name: `swarm-${seed}` });
      expect([o.exit, o.failing], `seed ${seed}`).toEqual([0, []]);
      expect((JSON.parse(o.resultsText) as { swarm: { nemesis: string[] } }).swarm.nemesis).toEqual(drawn(seed));
      expect(o.historyText.split('\n').filter((l) => l.includes('"type":"ok"')).length).toBeGreaterThan(50);
    }
    const again = await run(simRegister, { swarm: true, 'time-limit': '8', seed: String(picked[0]), name: `swarm-${picked[0]}-again` });
    const first = await run(simRegister, { swarm: true, 'time-limit': '8', seed: String(picked[0]), name: `swarm-${picked[0]}-first` });
    expect(again.historyText === first.historyText).toBe(true);
    expect(again.resultsText === first.resultsText).toBe(true);
  }, 240_000);
});

/** The example with one thing changed in its nodes: `onRequest` does `also` first. */
function variant(name: string, also: (request: unknown) => void): TestDefinition {
  const sim: SimSystem = {
    ...(registerSystem as SimSystem),
    node(ctx, disk) {
      const inner = registerSystem.node(ctx as never, disk as never);
      return {
        onMessage: (from, msg) => inner.onMessage?.(from, msg as never),
        onTimer: (t) => inner.onTimer?.(t),
        leader: () => inner.leader?.() ?? null,
        onRequest(id, request) {
          also(request);
          inner.onRequest(id, request as never);
        },
      };
    },
  };
  return { ...simRegister, name, sim };
}

describe('a node acts from its start', () => {
  it('a timer armed while SimSystem.node() builds the node fires (each node once, no faults)', async () => {
    const fired: string[] = [];
    const sim: SimSystem = {
      ...(registerSystem as SimSystem),
      node(ctx, disk) {
        const inner = registerSystem.node(ctx as never, disk as never);
        ctx.setTimer('hello', 10);
        return {
          onMessage: (from, msg) => inner.onMessage?.(from, msg as never),
          onTimer: (t) => (t === 'hello' ? void fired.push(ctx.self) : inner.onTimer?.(t)),
          leader: () => inner.leader?.() ?? null,
          onRequest: (id, request) => inner.onRequest(id, request as never),
        };
      },
    };
    const o = await run({ ...simRegister, name: 'start-timer', sim }, { 'time-limit': '2', seed: '1' });
    expect(o.exit).toBe(0);
    expect(fired.sort()).toEqual(['n1', 'n2', 'n3']);
  }, 60_000);
});

describe('node-errors: a node that throws makes the run INVALID', () => {
  it('an assertion thrown in a node (every 50th request): INVALID by node-errors, each error named', async () => {
    let requests = 0;
    const o = await run(
      variant('throws', () => {
        if (++requests % 50 === 0) throw new Error(`assertion failed: request ${requests}`);
      }),
      { 'time-limit': '5', seed: '1' },
    );
    expect(o.exit).toBe(1);
    expect(o.failing).toEqual(['node-errors']);
    const r = o.results['node-errors'] as unknown as { count: number; errors: string[] };
    expect(r.count).toBeGreaterThan(0);
    expect(r.errors[0]).toMatch(/^n\d threw at \d+ ms on request: assertion failed: request 50$/);
    // analyze re-checks the history and judges the run's node errors again (from results.json).
    const again = await analyzeRun(o.runDir);
    expect(again.exit).toBe(1);
    expect(again.file.results['node-errors']).toMatchObject({ valid: false, count: r.count });
  }, 60_000);

  it('a node that reads the wall clock crashes the run, naming what it read', async () => {
    const o = await run(variant('clock', () => void Date.now()), { 'time-limit': '2', seed: '1' });
    expect(o.exit).toBe(255);
    expect(o.file.crashed).toContain('WallClockRead');
    expect(o.file.crashed).toContain('Date.now');
  }, 60_000);
});

describe('refusals', () => {
  it('a --test module without a sim system is refused with one line', async () => {
    const { sim: _, ...noSim } = simRegister;
    await expect(run(noSim, { 'time-limit': '2' })).rejects.toThrow(UsageError);
    await expect(run(noSim, { 'time-limit': '2' })).rejects.toThrow(/--runtime sim: this --test module has no `sim` system/);
  });

  it('a user system is refused only what the simulator runs for nobody, with its reason', () => {
    const refused = (flags: Record<string, string | boolean>) => () => refuseUnsimulated(toTestConfig({ runtime: 'sim', ...flags }, simRegister, SOURCE), simRegister);
    expect(refused({ nemesis: 'partition,kill,pause,clock,lose-unsynced,slow-disk,packet,burst' })).not.toThrow();
    expect(refused({ schedule: 'kill-all-in-flight' })).not.toThrow();
    expect(refused({ swarm: true })).not.toThrow();
    expect(refused({ nemesis: 'clock', 'clock-mode': 'strobe' })).not.toThrow();
    expect(refused({ nemesis: 'slow-disk,kill', 'nemesis-together': true })).not.toThrow();
    expect(refused({ 'leave-db-running': true })).toThrow(/--leave-db-running/);
  });

  it("a definition's own schedule is refused (the simulator runs --nemesis only)", async () => {
    const withSchedule: TestDefinition = { ...simRegister, schedule: () => ({ kinds: [], generator: { open: () => ({ next: () => null }) } }) as never };
    await expect(run(withSchedule, { 'time-limit': '2' })).rejects.toThrow(/sim-register's own schedule is not simulated yet/);
  });

  it('a sim part of the wrong shape is named when the module loads', () => {
    expect(definitionProblem(simRegister)).toBeNull();
    expect(definitionProblem({ ...simRegister, sim: 3 })).toBe('sim must be a SimSystem { node, request, completion } when given');
    expect(definitionProblem({ ...simRegister, sim: { ...registerSystem, request: undefined } })).toBe('sim.request must be a function');
    expect(definitionProblem({ ...simRegister, sim: { ...registerSystem, readOnly: 'read' } })).toBe('sim.readOnly must be an array of op names when given');
  });
});
