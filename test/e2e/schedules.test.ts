/**
 * End to end: a named fault schedule (`--schedule`) as users run it. kill-all-in-flight (every
 * link slow for 3 s, then every node killed and restarted while slow, then heal) must catch
 * `--bug volatile-acceptor` on at least 2 of seeds 1-3 in 15 s runs, which `--nemesis all`
 * does not (README, "What catches each"); its faults are in the history as nemesis ops, counted
 * in results.json, and healed at the end. A test module's own schedule (TestDefinition.schedule,
 * test/fixtures/schedules/) runs instead of the --nemesis flags. A bad --schedule is refused in
 * one line, exit 254. About 2 min on a quiet 2-core machine (4 runs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, cleanUpScratch, cli, processesMentioning, scratch } from './cli.js';

const results = scratch('schedules');
afterAll(cleanUpScratch);

const TIMEOUT_MS = 240_000;

interface Results {
  valid: unknown;
  results: Record<string, { valid: unknown }>;
  faults?: { requested: string[]; injected: Record<string, { count: number; by: Record<string, number> }> };
}

describe.skipIf(!BUILT)('--schedule', () => {
  it('kill-all-in-flight catches --bug volatile-acceptor on at least 2 of seeds 1-3 (15 s runs)', async () => {
    const run = await cli(['test', '--bug', 'volatile-acceptor', '--schedule', 'kill-all-in-flight', '--time-limit', '15', '--seed', '1', '--test-count', '3', '--results', results], { timeoutMs: TIMEOUT_MS });
    const dirs = [...run.stdout.matchAll(/^results: (.+)$/gm)].map((m) => m[1]);
    expect(dirs, run.stdout + run.stderr).toHaveLength(3);
    const runs = dirs.map((dir) => ({ dir, results: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results }));
    const invalid = runs.filter((r) => r.results.valid === false);
    expect(invalid.length, run.stdout).toBeGreaterThanOrEqual(2);
    expect(run.exitCode).toBe(1);
    for (const r of invalid) expect(r.results.results.agreement?.valid, r.dir).toBe(false);
    for (const r of runs) {
      expect(r.results.faults?.requested, r.dir).toEqual(['packet', 'kill']);
      expect(r.results.faults?.injected.kill.by.all ?? 0, r.dir).toBeGreaterThanOrEqual(2);
      const nemesisOps = readFileSync(join(r.dir, 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { process: unknown; type: string; f: string; value: unknown })
        .filter((op) => op.process === 'nemesis' && op.f !== 'final-reads');
      // Slow links, a kill of every node under them, the restarts (the old leader's last), then the heal.
      expect(nemesisOps.slice(0, 5).map((op) => op.f), r.dir).toEqual(['start-packet', 'start-kill', 'restart', 'stop-kill', 'stop-packet']);
      expect([...(nemesisOps[2].value as string[]), ...(nemesisOps[3].value as string[])].sort(), r.dir).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
      expect(nemesisOps.every((op) => op.type === 'info'), r.dir).toBe(true);
      expect((nemesisOps[1].value as string[]).length, r.dir).toBe(5);
      expect(nemesisOps.at(-1)?.f, r.dir).toMatch(/^stop-/);
      expect(processesMentioning(r.dir)).toEqual([]);
    }
  }, TIMEOUT_MS);

  it("a test module's own schedule runs instead of the --nemesis flags, and is healed", async () => {
    const run = await cli(['test', '--test', 'test/fixtures/schedules/own-schedule.ts', '--nemesis', 'partition', '--nodes', '3', '--time-limit', '6', '--recovery-time', '1', '--seed', '1', '--results', results], { timeoutMs: 120_000 });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/nemesis schedule slow-then-kill/);
    const fs = readFileSync(join(run.runDir!, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { process: unknown; f: string })
      .filter((op) => op.process === 'nemesis')
      .map((op) => op.f);
    expect(fs).toEqual(['start-packet', 'start-kill', 'stop-kill', 'stop-packet', 'final-reads']);
    const r = JSON.parse(readFileSync(join(run.runDir!, 'results.json'), 'utf8')) as Results;
    expect(r.faults?.requested).toEqual(['packet', 'kill']);
    expect(processesMentioning(run.runDir!)).toEqual([]);
  }, 120_000);

  it('refuses an unknown schedule, and --schedule with --nemesis: exit 254, one line', async () => {
    const unknown = await cli(['test', '--schedule', 'nope', '--results', join(results, 'bad')], { timeoutMs: 60_000 });
    expect(unknown.exitCode).toBe(254);
    expect(unknown.stderr.trim().split('\n'), unknown.stderr).toEqual(['jepsen-ts: unknown schedule "nope" (known: kill-all-in-flight)']);
    const both = await cli(['test', '--schedule', 'kill-all-in-flight', '--nemesis', 'kill', '--results', join(results, 'bad')], { timeoutMs: 60_000 });
    expect(both.exitCode).toBe(254);
    expect(both.stderr.trim().split('\n'), both.stderr).toEqual(['jepsen-ts: --schedule and --nemesis are alternatives: give one of them']);
    expect(both.stdout).toBe('');
  });
});
