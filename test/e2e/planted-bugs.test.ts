/**
 * End to end: the documented command that catches the planted lease-skew bug (README "Planted
 * bugs") run as a user runs it, on 3 seeds in one CLI call: every run INVALID by the
 * linearizability checker, every clock fault aimed at the leader its partition cut off; the
 * same schedule against the correct Paxos is VALID. Plus the new flags' refusals (exit 254, one
 * line) and their --help lines. Costs ~60 s on a quiet 2-core machine (4 runs of a 10 s main
 * phase; the refusals start nothing).
 * volatile-acceptor's test is test/e2e/schedules.test.ts: the --nemesis flags cannot express
 * the schedule that catches it (README, "Planted bugs").
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PARTITION_SETTLE_MS } from '../../nemesis/partition.js';
import { BUILT, cleanUpScratch, cli, filesUnder, processesMentioning, scratch } from './cli.js';

const results = scratch('planted');
afterAll(cleanUpScratch);

/** The README's lease-skew schedule: cut off the leader and step its clock back 6-9 s, together. */
const LEASE_SCHEDULE = ['--nemesis', 'partition,clock', '--nemesis-together', '--partition', 'leader', '--clock-target', 'leader', '--clock-mode', 'bump', '--clock-offset=-9000..-6000', '--nemesis-interval', '2', '--time-limit', '10', '--recovery-time', '2', '--concurrency', '20', '--rate', '100'];

interface Op {
  process: unknown;
  time: number;
  f: string;
  value: unknown;
}

function historyOf(runDir: string): Op[] {
  return readFileSync(join(runDir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Op);
}

/** Every start-clock skews exactly one node of the minority the start-partition before it cut off, once the cut settled. */
function expectClockOnIsolatedNode(runDir: string): void {
  const faults = historyOf(runDir).filter((o) => o.process === 'nemesis' && (o.f === 'start-partition' || o.f === 'start-clock'));
  expect(faults.length).toBeGreaterThanOrEqual(4);
  for (let i = 0; i < faults.length; i += 2) {
    expect([faults[i].f, faults[i + 1]?.f]).toEqual(['start-partition', 'start-clock']);
    const grudge = faults[i].value as Record<string, string[]>;
    // 5 nodes: the leader's side (2) drops the other 3; the majority's members drop 2.
    const cutOff = Object.keys(grudge).filter((n) => grudge[n].length === 3);
    expect(cutOff).toHaveLength(2);
    const clock = faults[i + 1].value as { mode: string; offsets: Record<string, number> };
    expect(clock.mode).toBe('bump');
    const skewed = Object.keys(clock.offsets);
    expect(skewed).toHaveLength(1);
    expect(cutOff).toContain(skewed[0]);
    const ms = clock.offsets[skewed[0]];
    expect(ms >= -9000 && ms <= -6000, String(ms)).toBe(true);
    // The step waited for the cut to settle: an ack in flight renews the lease on the old clock.
    expect(faults[i + 1].time - faults[i].time).toBeGreaterThanOrEqual((PARTITION_SETTLE_MS - 5) * 1e6);
  }
}

function runDirsOf(stdout: string): string[] {
  return [...stdout.matchAll(/^results: (.+)$/gm)].map((m) => m[1]);
}

describe.skipIf(!BUILT)('planted bugs the harness catches with a targeted schedule', () => {
  it('--bug lease-skew, cut-off leader with its clock stepped back: INVALID on seeds 1, 2, 3', async () => {
    const run = await cli(['test', '--bug', 'lease-skew', ...LEASE_SCHEDULE, '--seed', '1', '--test-count', '3', '--results', results], { timeoutMs: 150_000 });
    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('3 tests: seed 1 exit 1, seed 2 exit 1, seed 3 exit 1');
    const dirs = runDirsOf(run.stdout);
    expect(dirs).toHaveLength(3);
    for (const dir of dirs) {
      const r = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: Record<string, { valid: unknown }> };
      expect(r.results.linearizable.valid, dir).toBe(false);
      expect(r.results.agreement.valid, dir).toBe(true); // a stale read, not a split log
      expectClockOnIsolatedNode(dir);
      expect(processesMentioning(dir)).toEqual([]);
    }
    expect(filesUnder(run.tmp)).toEqual([]);
    rmSync(run.tmp, { recursive: true, force: true });
  });

  it('the same schedule against the correct Paxos: VALID', async () => {
    const run = await cli(['test', ...LEASE_SCHEDULE, '--seed', '1', '--results', results]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^verdict: VALID/m);
    expectClockOnIsolatedNode(run.runDir!);
    expect(processesMentioning(run.runDir!)).toEqual([]);
  });
});

describe.skipIf(!BUILT)('the fault-tuning flags: listed in --help, bad values refused (exit 254, one line)', () => {
  it('--help lists them', async () => {
    const run = await cli(['test', '--help']);
    expect(run.exitCode).toBe(0);
    for (const flag of ['--nemesis-together', '--kill-targets', '--clock-target', '--clock-mode', '--clock-offset']) expect(run.stdout).toContain(flag);
  });

  const cases: Array<[args: string[], message: RegExp]> = [
    [['--nemesis', 'clock', '--clock-offset', 'back'], /--clock-offset must be MIN..MAX/],
    [['--nemesis', 'partition', '--clock-target', 'leader'], /--clock-target tunes the clock nemesis, which --nemesis does not include/],
    [['--nemesis', 'kill', '--kill-targets', 'sideways'], /--kill-targets: unknown value "sideways"/],
    [['--nemesis-together'], /--nemesis-together needs faults in --nemesis/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const dir = scratch('bad-flag');
      const run = await cli(['test', '--results', join(dir, 'results'), ...args], { timeoutMs: 60_000 });
      expect(run.exitCode).toBe(254);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(filesUnder(dir)).toEqual([]);
    });
  }
});
