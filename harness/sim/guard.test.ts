/**
 * Nothing in a simulated run reads real time or Math.random: withoutWallClock makes each of
 * them throw while a simulation runs (and puts them back after), a whole simulated run completes
 * under it (so none was reached), and a workload that reads one anyway crashes the run, named.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestDefinition } from '../../ground/test.js';
import { toTestConfig } from '../options.js';
import { paxosTest } from '../../paxos/suite.js';
import { withoutWallClock, WallClockRead } from './guard.js';
import { runSimTest } from './run.js';
import { simulate } from './simulate.js';
import { workloadOf } from '../suite.js';
import { workloadOptionsOf } from '../options.js';

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-guard-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const reads: Array<[string, () => unknown]> = [
  ['Date.now', () => Date.now()],
  ['new Date()', () => new Date()],
  ['performance.now', () => performance.now()],
  ['process.hrtime', () => process.hrtime()],
  ['process.hrtime.bigint', () => process.hrtime.bigint()],
  ['Math.random', () => Math.random()],
  ['setTimeout', () => setTimeout(() => {}, 1)],
  ['setInterval', () => setInterval(() => {}, 1)],
  ['setImmediate', () => setImmediate(() => {})],
];

describe('a simulation reads no real time and no Math.random', () => {
  for (const [name, read] of reads) {
    it(`${name} throws inside withoutWallClock and works again after`, async () => {
      await expect(withoutWallClock(async () => read())).rejects.toThrow(WallClockRead);
      await expect(withoutWallClock(async () => read())).rejects.toThrow(name);
      const after = read();
      if (typeof after === 'object' && after !== null && 'unref' in after) clearTimeout(after as NodeJS.Timeout);
    });
  }

  it('a date of a given time is still allowed (it reads no clock)', async () => {
    await expect(withoutWallClock(async () => new Date(0).toISOString())).resolves.toBe('1970-01-01T00:00:00.000Z');
  });

  it('a whole simulated run (every simulated fault) completes under the guard', async () => {
    const config = toTestConfig({ runtime: 'sim', workload: 'kv', nemesis: 'partition,kill,pause,clock,lose-unsynced', 'nemesis-interval': '1', 'time-limit': '5', seed: '3', results }, paxosTest);
    const sim = await simulate(config, workloadOf(paxosTest, 'kv', workloadOptionsOf(config)), null);
    expect(sim.history.length).toBeGreaterThan(100);
  }, 60_000);

  it('a workload that reads Math.random crashes the simulated run, named', async () => {
    const sneaky: TestDefinition = {
      ...paxosTest,
      workloads: {
        register: (opts) => {
          const w = paxosTest.workloads.register(opts);
          return { ...w, nextOp: (rng, t) => (Math.random() < 2 ? w.nextOp(rng, t) : w.nextOp(rng, t)) };
        },
      },
    };
    const config = toTestConfig({ runtime: 'sim', workload: 'register', 'time-limit': '2', seed: '1', results, name: 'sneaky' }, sneaky);
    const out = await runSimTest(config, sneaky, { out: new PassThrough() });
    expect(out.exit).toBe(255);
    const file = JSON.parse(readFileSync(path.join(out.runDir, 'results.json'), 'utf8')) as { crashed: string };
    expect(file.crashed).toMatch(/WallClockRead: the simulation read Math\.random/);
  }, 60_000);
});
