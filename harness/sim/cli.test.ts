/**
 * `jepsen-ts test --runtime sim` from the real CLI (compiled dist/ needed): the correct core is
 * VALID and a planted core bug INVALID, each in a normal run dir (test.json, history.jsonl,
 * results.json, report.html, the nodes' decided logs) whose test.json and output carry the one
 * command that replays it; an option the simulator cannot run is one line and exit 254, with no
 * run dir made. test-all --runtime sim runs each seed the same way.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'jepsen-ts.js');
const BUILT = existsSync(path.join(ROOT, 'dist', 'harness', 'sim', 'run.js'));
const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-cli-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const cli = (args: string[]) => execa('node', [BIN, 'test', '--runtime', 'sim', '--results', results, ...args], { reject: false, cwd: ROOT });

describe.skipIf(!BUILT)('jepsen-ts test --runtime sim', () => {
  it('the correct core: VALID, exit 0, a normal run dir, the replay command printed, stored, and replaying it', async () => {
    const r = await cli(['--workload', 'register', '--nemesis', 'partition,kill', '--time-limit', '20', '--seed', '1', '--name', 'sim-ok']);
    expect(r.stdout).toMatch(/^verdict: VALID /m);
    expect(r.exitCode).toBe(0);
    const runDir = path.join(results, 'sim-ok', readdirSync(path.join(results, 'sim-ok')).find((d) => /^\d{8}T/.test(d))!);
    for (const f of ['test.json', 'history.jsonl', 'results.json', 'report.html', 'nodes/n1/decided-log.json', 'nodes/n5/replica-state.json']) expect(existsSync(path.join(runDir, f)), f).toBe(true);
    const test = JSON.parse(readFileSync(path.join(runDir, 'test.json'), 'utf8')) as { command: string; config: { runtime: string } };
    expect(test.config.runtime).toBe('sim');
    expect(test.command).toMatch(/--seed 1 .*--runtime sim/);
    expect(r.stdout).toContain(`replay: ${test.command}`);
    expect(readFileSync(path.join(runDir, 'report.html'), 'utf8')).toContain('simulated');
    const file = JSON.parse(readFileSync(path.join(runDir, 'results.json'), 'utf8')) as { simulated: boolean };
    expect(file.simulated).toBe(true);

    // The stored command, run as it stands (but into another run name), replays the run exactly.
    const words = test.command.split(' ');
    expect(words.slice(0, 2)).toEqual(['jepsen-ts', 'test']);
    words[words.indexOf('--name') + 1] = 'sim-replayed';
    const again = await execa('node', [BIN, ...words.slice(1)], { reject: false, cwd: ROOT });
    expect(again.exitCode).toBe(0);
    const replayDir = again.stdout.match(/^results: (.+)$/m)![1];
    expect(path.basename(path.dirname(replayDir))).toBe('sim-replayed');
    for (const f of ['history.jsonl', 'results.json']) expect(readFileSync(path.join(replayDir, f), 'utf8') === readFileSync(path.join(runDir, f), 'utf8'), f).toBe(true);
  }, 120_000);

  it('a planted core bug (stale-read): INVALID, exit 1, by the linearizability checker; the report shows the events before it', async () => {
    const r = await cli(['--workload', 'register', '--nemesis', 'partition,kill', '--time-limit', '20', '--seed', '1', '--bug', 'stale-read', '--name', 'sim-bug']);
    expect(r.stdout).toMatch(/^verdict: INVALID \(linearizable/m);
    expect(r.exitCode).toBe(1);
    // The report opens on it like any other: its happens-before diagram from the simulated nodes' event logs.
    const report = readFileSync(path.join(r.stdout.match(/^results: (.+)$/m)![1], 'report.html'), 'utf8');
    expect(report).toMatch(/Showing \d+ of [\d,]+ node events: node events leading up to the failing operation/);
  }, 120_000);

  it('test-all --runtime sim: every seed simulated and judged; an unsimulated option refused before the first run', async () => {
    const all = (args: string[]) => execa('node', [BIN, 'test-all', '--runtime', 'sim', '--results', results, ...args], { reject: false, cwd: ROOT });
    const r = await all(['--workload', 'register', '--nemesis', 'partition', '--time-limit', '3', '--seeds', '1,2']);
    expect(r.stdout).toMatch(/test-all: 2 run\(s\), worst exit 0/);
    expect(r.exitCode).toBe(0);
    const bad = await all(['--workload', 'register,kv', '--nemesis', 'clock', '--bug', 'lazy-fsync', '--time-limit', '3', '--seeds', '1']);
    expect(bad.exitCode).toBe(254);
    expect(bad.stderr.trim()).toMatch(/^jepsen-ts: --runtime sim: --bug lazy-fsync is a bug of paxos\/node\.ts, which the simulator does not run/);
    expect(bad.stdout).toBe('');
  }, 120_000);

  const refused: Array<[string[], RegExp]> = [
    [['--db', 'etcd'], /^jepsen-ts: --runtime sim: simulates paxos\/core only, not --db etcd$/],
    [['--bug', 'lazy-fsync'], /^jepsen-ts: --runtime sim: --bug lazy-fsync is a bug of paxos\/node\.ts/],
  ];
  for (const [args, says] of refused) {
    it(`refuses ${args.join(' ')}: one line, exit 254, nothing made`, async () => {
      const r = await cli([...args, '--name', 'refused']);
      expect(r.exitCode).toBe(254);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(says);
      expect(existsSync(path.join(results, 'refused'))).toBe(false);
    });
  }
});
