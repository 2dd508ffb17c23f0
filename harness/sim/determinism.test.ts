/**
 * A simulated run replays from its seed: two runs of the same seed and options write the same
 * history.jsonl and results.json, byte for byte (virtual timestamps, faults, verdict), and the
 * same node event logs; another
 * seed writes a different history. So do the transactional and bank workloads. In-process, through the same entry the CLI uses.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { toTestConfig } from '../options.js';
import { paxosTest } from '../../paxos/suite.js';
import { runSimTest } from './run.js';

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-det-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

async function run(seed: number, name: string, faults: Record<string, string> = { nemesis: 'partition,kill,pause,clock,lose-unsynced' }): Promise<{ history: string; results: string; events: string; exit: number }> {
  const config = toTestConfig({ runtime: 'sim', workload: 'register', 'nemesis-interval': '1', 'time-limit': '8', seed: String(seed), results, name, ...faults }, paxosTest);
  const out = await runSimTest(config, paxosTest, { out: new PassThrough() });
  return { history: readFileSync(path.join(out.runDir, 'history.jsonl'), 'utf8'), results: readFileSync(path.join(out.runDir, 'results.json'), 'utf8'), events: readFileSync(path.join(out.runDir, 'nodes', 'n1', 'events.jsonl'), 'utf8'), exit: out.exit };
}

describe('--runtime sim replays from its seed', () => {
  it('same seed: byte-identical history.jsonl and results.json; another seed: a different history', async () => {
    const a = await run(7, 'det-a');
    const b = await run(7, 'det-b');
    const c = await run(8, 'det-c');
    expect(a.exit).toBe(0);
    expect(a.history.split('\n').length).toBeGreaterThan(500);
    // Faults happened (so the replay covers them): kills, partitions, power losses in the history.
    for (const f of ['start-partition', 'start-kill', 'start-lose-unsynced']) expect(a.history).toContain(`"f":"${f}"`);
    expect(b.history === a.history).toBe(true);
    expect(b.results === a.results).toBe(true);
    expect(b.events === a.events).toBe(true); // the nodes' event logs (the report's happens-before diagram) too
    expect(c.history === a.history).toBe(false);
    // Timestamps are virtual: whole milliseconds, in ns.
    const times = a.history.trim().split('\n').map((l) => (JSON.parse(l) as { time: number }).time);
    expect(times.every((t) => t % 1e6 === 0)).toBe(true);
  }, 120_000);

  it('with packet, slow-disk and burst, and with a --schedule: the same bytes again', async () => {
    for (const faults of [{ nemesis: 'packet,slow-disk,burst,lose-unsynced' }, { schedule: 'kill-all-in-flight' }] as Array<Record<string, string>>) {
      const a = await run(5, 'det-faults-a', faults);
      const b = await run(5, 'det-faults-b', faults);
      expect(a.exit).toBe(0);
      for (const f of faults.schedule ? ['start-packet', 'start-kill'] : ['start-packet', 'start-slow-disk', 'start-burst']) expect(a.history).toContain(`"f":"${f}"`);
      expect(b.history === a.history).toBe(true);
      expect(b.results === a.results).toBe(true);
      expect(b.events === a.events).toBe(true);
    }
  }, 120_000);

  it('a txn workload (append) and bank (its accounts opened first): the same bytes again', async () => {
    for (const workload of ['append', 'bank']) {
      const faults = { workload, nemesis: 'partition,kill,pause,lose-unsynced' };
      const a = await run(3, `det-${workload}-a`, faults);
      const b = await run(3, `det-${workload}-b`, faults);
      expect(a.exit).toBe(0);
      expect(a.history).toContain(workload === 'append' ? '"f":"txn"' : '"f":"transfer"');
      expect(a.history.split('\n').length).toBeGreaterThan(500);
      expect(b.history === a.history).toBe(true);
      expect(b.results === a.results).toBe(true);
      expect(b.events === a.events).toBe(true);
    }
  }, 120_000);
});
