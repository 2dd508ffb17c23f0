/**
 * The simulated test finds planted core bugs with the same checkers as a real run, and never
 * fails the correct core under the same faults. Seeds are fixed, so each verdict replays:
 * stale-read (linearizable), no-adopt (agreement: a slot decided two ways) and early-ack (an
 * acknowledged write never decided) under partition+kill; volatile-acceptor (promises and
 * accepts not persisted) under kill + lose-unsynced of majorities; lease-skew under README's
 * leader-partition-and-clock-step schedule; skip-apply with no faults; batch-drop at rate 200
 * (batches fill) under partition, kill, pause and clock; forget-promise-on-recovery (the
 * acceptor check: a restarted node's promise below a ballot it acknowledged) under leader
 * partitions and minority kills; the correct core VALID
 * under every simulated fault on three seeds, and under the volatile-acceptor schedule.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../ground/checker.js';
import { paxosTest } from '../../paxos/suite.js';
import { toTestConfig } from '../options.js';
import { runSimTest } from './run.js';

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-bugs-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const PARTITION_KILL = { nemesis: 'partition,kill', 'time-limit': '20' };
const POWER_LOSS = { nemesis: 'kill,lose-unsynced', 'kill-targets': 'majority,all', 'nemesis-interval': '1', 'time-limit': '30' };
/** README's real-time schedule for lease-skew: cut off the leader and step its clock back, at once. */
const LEASE_SKEW = { nemesis: 'partition,clock', 'nemesis-together': true, partition: 'leader', 'clock-target': 'leader', 'clock-mode': 'bump', 'clock-offset': '-9000..-6000', 'nemesis-interval': '2', 'time-limit': '10', 'recovery-time': '2', concurrency: '20', rate: '100' };
const BUSY = { nemesis: 'partition,kill,pause,clock', 'time-limit': '30', rate: '200', concurrency: '30' };
const FORGET_PROMISE = { nemesis: 'partition,kill', partition: 'leader', 'kill-targets': 'minority', 'nemesis-interval': '0.5', 'op-timeout': '1', 'time-limit': '10' };
const EVERY_FAULT = { nemesis: 'partition,kill,pause,clock,lose-unsynced', 'nemesis-interval': '1', 'time-limit': '20' };

async function verdict(flags: Record<string, string | boolean>): Promise<{ exit: number; failing: string[] }> {
  const config = toTestConfig({ runtime: 'sim', workload: 'register', results, ...flags }, paxosTest);
  const out = await runSimTest(config, paxosTest, { out: new PassThrough() });
  const file = JSON.parse(readFileSync(path.join(out.runDir, 'results.json'), 'utf8')) as { results: Record<string, CheckResult> };
  return { exit: out.exit, failing: Object.entries(file.results).filter(([, r]) => r.valid === false).map(([n]) => n) };
}

describe('--runtime sim: planted core bugs found, the correct core valid', () => {
  const found: Array<[string, Record<string, string | boolean>, string]> = [
    ['stale-read', PARTITION_KILL, 'linearizable'],
    ['no-adopt', PARTITION_KILL, 'agreement'],
    ['early-ack', PARTITION_KILL, 'agreement'],
    ['volatile-acceptor', POWER_LOSS, 'agreement'],
    ['lease-skew', LEASE_SKEW, 'linearizable'],
    ['skip-apply', { 'time-limit': '20' }, 'agreement'],
    ['batch-drop', BUSY, 'agreement'],
    ['forget-promise-on-recovery', FORGET_PROMISE, 'node-errors'],
  ];
  for (const [bug, flags, checker] of found) {
    it(`${bug}: INVALID by ${checker} (seed 1)`, async () => {
      const v = await verdict({ ...flags, bug, seed: '1' });
      expect(v.exit).toBe(1);
      expect(v.failing).toContain(checker);
    }, 120_000);
  }

  for (const seed of ['1', '2', '3']) {
    it(`the correct core under every simulated fault: VALID (seed ${seed})`, async () => {
      expect(await verdict({ ...EVERY_FAULT, seed })).toEqual({ exit: 0, failing: [] });
    }, 120_000);
  }

  it('the correct core under the power-loss schedule that catches volatile-acceptor: VALID (seed 1)', async () => {
    expect(await verdict({ ...POWER_LOSS, seed: '1' })).toEqual({ exit: 0, failing: [] });
  }, 120_000);

  it('the correct core under the schedule that catches forget-promise-on-recovery: VALID (seed 1)', async () => {
    expect(await verdict({ ...FORGET_PROMISE, seed: '1' })).toEqual({ exit: 0, failing: [] });
  }, 120_000);
});
