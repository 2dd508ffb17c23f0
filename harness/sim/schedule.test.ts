/**
 * The nemesis schedule of a simulated run ends with the main phase, also when the clients end it
 * early (their generator is exhausted): no fault starts after the heal, so the recovery reads and
 * final reads run on a healed cluster.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Generator } from '../../ground/generator.js';
import type { Op } from '../../ground/history.js';
import type { TestDefinition } from '../../ground/test.js';
import { paxosTest } from '../../paxos/suite.js';
import { toTestConfig } from '../options.js';
import { runSimTest } from './run.js';

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-schedule-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

/** Three reads per thread, then exhausted. */
const threeReads: Generator = {
  open: () => {
    let n = 0;
    return { next: () => (n++ < 3 ? { op: { f: 'read', key: 'r0', value: null } } : null) };
  },
};

describe('the simulated nemesis schedule', () => {
  it('ends when the clients end the main phase early: no fault starts after the heal', async () => {
    const short: TestDefinition = { ...paxosTest, workloads: { register: (opts) => ({ ...paxosTest.workloads.register(opts), generator: () => threeReads }) } };
    const config = toTestConfig({ runtime: 'sim', workload: 'register', nemesis: 'partition,kill', 'nemesis-interval': '1', 'time-limit': '30', seed: '1', results }, short);
    const out = await runSimTest(config, short, { out: new PassThrough() });
    const history = readFileSync(path.join(out.runDir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Op);
    expect(history.filter((op) => op.process !== 'nemesis' && op.type === 'invoke' && op.f === 'read').length).toBeGreaterThanOrEqual(30);
    expect(history.filter((op) => op.f.startsWith('start-'))).toEqual([]);
    // The run lasted past the first fault's time (1 s): recovery reads ran, faults would have started.
    expect(history[history.length - 1].time).toBeGreaterThan(1e9);
  }, 60_000);
});
