/**
 * Every workload of the Paxos suite runs in the simulator, not only register and kv: set, bank
 * (its accounts opened first, in virtual time), append and wr. The correct core is VALID for
 * each under partition + kill on a few seeds, with real work done and judged by the checker
 * that matters (set, bank, elle-append, elle-wr) (their byte-for-byte replay: determinism.test.ts);
 * and the planted stale-txn-read (a txn's reads lag its writes), which only the
 * transactional workloads can see, is INVALID by the Elle checker alone, naming a cycle.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../ground/checker.js';
import type { Op } from '../../ground/history.js';
import { paxosTest } from '../../paxos/suite.js';
import { toTestConfig } from '../options.js';
import { runSimTest } from './run.js';
import { SCHEDULES } from './sweep-schedules.js';

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-workloads-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const PARTITION_KILL = { nemesis: 'partition,kill', 'nemesis-interval': '1', 'time-limit': '8' };

interface Run {
  exit: number;
  history: string;
  resultsText: string;
  results: Record<string, CheckResult & Record<string, any>>;
  counts: Record<string, number>;
  ops: Op[];
}

async function run(workload: string, seed: number, flags: Record<string, string | boolean> = PARTITION_KILL, name = `${workload}-${seed}`): Promise<Run> {
  const config = toTestConfig({ runtime: 'sim', workload, seed: String(seed), results, name, ...flags }, paxosTest);
  const out = await runSimTest(config, paxosTest, { out: new PassThrough() });
  const history = readFileSync(path.join(out.runDir, 'history.jsonl'), 'utf8');
  const resultsText = readFileSync(path.join(out.runDir, 'results.json'), 'utf8');
  const file = JSON.parse(resultsText) as { results: Run['results']; counts: Record<string, number> };
  return { exit: out.exit, history, resultsText, results: file.results, counts: file.counts, ops: history.trim().split('\n').map((l) => JSON.parse(l) as Op) };
}

const failing = (r: Run) => Object.entries(r.results).filter(([, c]) => c.valid !== true).map(([n]) => n);
const okTxnReads = (r: Run) => r.ops.filter((o) => o.type === 'ok' && o.f === 'txn').flatMap((o) => (o.value as Array<[string, number, unknown]>).filter(([f]) => f === 'r').map(([, , v]) => v));

/** What each workload must show besides VALID: its checker ran on real work. */
const WORK: Record<string, (r: Run) => void> = {
  set: (r) => {
    expect(r.results.set.valid).toBe(true);
    expect(r.results.set.counts.acknowledged).toBeGreaterThan(100);
    expect(r.results.set.counts.read).toBeGreaterThanOrEqual(r.results.set.counts.acknowledged);
  },
  bank: (r) => {
    expect(r.results.bank.valid).toBe(true);
    expect(r.results.bank.transfers.ok).toBeGreaterThan(20);
    expect(r.results.bank.reads).toBeGreaterThan(20);
  },
  append: (r) => {
    expect(r.results['elle-append'].valid).toBe(true);
    expect(okTxnReads(r).filter((v) => Array.isArray(v) && v.length >= 3).length).toBeGreaterThan(20);
  },
  wr: (r) => {
    expect(r.results['elle-wr'].valid).toBe(true);
    expect(okTxnReads(r).filter((v) => typeof v === 'number').length).toBeGreaterThan(20);
  },
};

describe('--runtime sim runs set, bank, append and wr', () => {
  for (const workload of Object.keys(WORK)) {
    it(`${workload}: the correct core under partition + kill is VALID on seeds 1-3, with work done`, async () => {
      for (const seed of [1, 2, 3]) {
        const r = await run(workload, seed);
        expect([seed, r.exit, failing(r)]).toEqual([seed, 0, []]);
        for (const f of ['start-partition', 'start-kill']) expect(r.history).toContain(`"f":"${f}"`);
        expect(r.counts.ok).toBeGreaterThan(150);
        WORK[workload](r);
      }
    }, 120_000);
  }

  it("stale-txn-read under its sweep schedule: INVALID by elle-append alone, naming a cycle", async () => {
    const { flags } = SCHEDULES.find((s) => s.bug === 'stale-txn-read')!;
    expect(flags.workload).toBe('append');
    const r = await run('append', 1, { ...flags, bug: 'stale-txn-read' }, 'stale-txn-read');
    expect(r.exit).toBe(1);
    expect(failing(r)).toEqual(['elle-append']);
    const elle = r.results['elle-append'] as CheckResult & { anomalyTypes?: string[]; anomalies?: Record<string, Array<{ cycle?: unknown[] }>> };
    const cycles = (elle.anomalyTypes ?? []).filter((t) => /^G(-single|2-item|0|1c)/.test(t));
    expect(cycles, JSON.stringify(elle.anomalyTypes)).not.toEqual([]);
    expect(elle.anomalies![cycles[0]][0].cycle!.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
