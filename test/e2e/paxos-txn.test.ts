/**
 * End to end: the transactional workloads on the Paxos store, run as a user runs them
 * (`jepsen-ts test --workload append|wr --nemesis partition,kill`). The correct store is VALID,
 * with ok txns that read lists of several elements (append) and values written by others (wr);
 * with `--bug stale-txn-read` (a txn's reads lag a few slots behind its writes) the Elle
 * checker finds a G-single or G2-item cycle (plain or realtime), and no other checker is what
 * fails: the replicas agree and the store's plain reads and writes stay linearizable (the
 * register workload with the bug is VALID, in the simulator, where it costs 2 s).
 * Seeds 1-3 of the schedule below all catch the bug on both workloads (README, "Planted bugs");
 * seed 1 is used here. About 45 s on a quiet 2-core machine (4 runs of a 6 s main phase).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, cleanUpScratch, cli, processesMentioning, scratch } from './cli.js';

const results = scratch('paxos-txn');
afterAll(cleanUpScratch);

const SCHEDULE = ['--nemesis', 'partition,kill', '--nemesis-interval', '1', '--time-limit', '6', '--nodes', '3', '--recovery-time', '1', '--seed', '1', '--results', results];
const CYCLES = ['G-single', 'G-single-realtime', 'G2-item', 'G2-item-realtime'];

interface Checked {
  valid: unknown;
  anomalyTypes?: string[];
  anomalies?: Record<string, Array<{ cycle?: unknown[] }>>;
}
interface HistoryOp {
  type: string;
  f: string;
  value: unknown;
}

function resultsOf(runDir: string): Record<string, Checked> {
  return (JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as { results: Record<string, Checked> }).results;
}

/** The ok txns' read micro-ops' values. */
function okReads(runDir: string): unknown[] {
  const ops = readFileSync(join(runDir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HistoryOp);
  return ops.filter((o) => o.type === 'ok' && o.f === 'txn').flatMap((o) => (o.value as Array<[string, number, unknown]>).filter(([f]) => f === 'r').map(([, , v]) => v));
}

async function run(workload: string, bug?: string) {
  const out = await cli(['test', '--workload', workload, ...SCHEDULE, ...(bug ? ['--bug', bug] : [])], { timeoutMs: 120_000 });
  expect(out.runDir, out.stdout + out.stderr).not.toBeNull();
  expect(processesMentioning(out.runDir!)).toEqual([]);
  return { ...out, results: resultsOf(out.runDir!), reads: okReads(out.runDir!) };
}

describe.skipIf(!BUILT)('append and wr on the Paxos store', () => {
  for (const workload of ['append', 'wr'] as const) {
    const checker = `elle-${workload}`;

    it(`${workload}: the correct store is VALID, its txns reading what others wrote`, async () => {
      const r = await run(workload);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^verdict: VALID/m);
      expect(r.results[checker].valid).toBe(true);
      expect(r.results.agreement.valid).toBe(true);
      if (workload === 'append') expect(r.reads.filter((v) => Array.isArray(v) && v.length >= 3).length).toBeGreaterThan(20);
      else expect(r.reads.filter((v) => typeof v === 'number').length).toBeGreaterThan(20);
    }, 150_000);

    it(`${workload} --bug stale-txn-read: INVALID by ${checker} alone, naming a G-single or G2-item cycle`, async () => {
      const r = await run(workload, 'stale-txn-read');
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^verdict: INVALID \\(${checker}\\)`, 'm'));
      const elle = r.results[checker];
      expect(elle.valid).toBe(false);
      const found = (elle.anomalyTypes ?? []).filter((t) => CYCLES.includes(t));
      expect(found, JSON.stringify(elle.anomalyTypes)).not.toEqual([]);
      expect(elle.anomalies![found[0]][0].cycle!.length).toBeGreaterThanOrEqual(2);
      for (const [name, c] of Object.entries(r.results)) if (name !== checker) expect([name, c.valid]).toEqual([name, true]);
    }, 150_000);
  }

  it('register --bug stale-txn-read (simulated): linearizable, VALID: only txns see the bug', async () => {
    const r = await cli(['test', '--runtime', 'sim', '--workload', 'register', '--bug', 'stale-txn-read', '--nemesis', 'partition,kill', '--nemesis-interval', '1', '--time-limit', '6', '--seed', '1', '--results', results]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(resultsOf(r.runDir!).linearizable.valid).toBe(true);
  });
});
