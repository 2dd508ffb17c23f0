/**
 * Simulator sweeps (issue 17): swarm seeds draw different faults and replay byte for byte from
 * their stored replay command; --swarm without --runtime sim is refused (one line, exit 254);
 * `test-all --runtime sim --seeds A..B` sweeps on worker threads, stores only the runs that are
 * not VALID and names the first failing seed's replay command and run dir; and the per-bug
 * schedules (sweep-schedules.ts; stale-txn-read's on the append workload, judged by Elle) find
 * their bugs on >= 90% of a handful of seeds while the correct core is VALID on the same seeds. The worker threads run compiled code: build first
 * (npx tsc -p tsconfig.json; `npm test` does). A few dozen seeds, not hundreds: ~100 seeds a
 * minute fit on a loaded 2-core machine; `npm run bench:sim-sweep` is the 1,000-seed table.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BugName } from '../../paxos/core/types.js';
import { paxosTest } from '../../paxos/suite.js';
import { toTestConfig, type TestArgv } from '../options.js';
import { runSimTest } from './run.js';
import { swarmOf } from './swarm.js';
import { scheduleConfigs, SCHEDULES, type BugSchedule } from './sweep-schedules.js';
import { sweep } from './sweep.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'jepsen-ts.js');
const BUILT = existsSync(path.join(ROOT, 'dist', 'harness', 'sim', 'sweep-worker.js'));
const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-sweep-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

/** The argv of a stored `jepsen-ts test ...` command (plain words, as replayCommand writes them here). */
function argvOf(command: string): TestArgv {
  const words = command.split(' ').slice(2);
  const argv: TestArgv = {};
  for (let i = 0; i < words.length; i++) {
    const [flag, inline] = words[i].slice(2).split('=');
    if (inline !== undefined) argv[flag] = inline;
    else if (words[i + 1] === undefined || words[i + 1].startsWith('--')) argv[flag] = true;
    else argv[flag] = words[++i];
  }
  return argv;
}

describe('swarm seeds', () => {
  it('draw different fault sets and parameters per seed, from the seed alone', () => {
    const base = toTestConfig({ runtime: 'sim', workload: 'register', swarm: true, seed: '1', results }, paxosTest);
    const drawn = Array.from({ length: 30 }, (_, i) => swarmOf({ ...base, seed: i + 1 }).choice);
    expect(new Set(drawn.map((c) => c.nemesis.join('+'))).size).toBeGreaterThan(5);
    expect(new Set(drawn.map((c) => c.nemesisIntervalMs)).size).toBeGreaterThan(5);
    expect(drawn.some((c) => c.network.lossP > 0.01)).toBe(true);
    expect(swarmOf({ ...base, seed: 5 })).toEqual(swarmOf({ ...base, seed: 5 }));
    // Only the allowed kinds are drawn.
    const allowed = toTestConfig({ runtime: 'sim', workload: 'register', swarm: true, nemesis: 'partition,kill', seed: '1', results }, paxosTest);
    for (let s = 1; s <= 30; s++) for (const f of swarmOf({ ...allowed, seed: s }).choice.nemesis) expect(['partition', 'kill']).toContain(f);
  });

  it('a swarm run and its stored replay command write byte-identical history.jsonl and results.json', async () => {
    const config = toTestConfig({ runtime: 'sim', workload: 'register', swarm: true, seed: '11', 'time-limit': '8', results, name: 'swarm-a' }, paxosTest);
    const a = await runSimTest(config, paxosTest, { out: new PassThrough() });
    const command = (JSON.parse(readFileSync(path.join(a.runDir, 'test.json'), 'utf8')) as { command: string }).command;
    expect(command).toMatch(/ --swarm$/);
    const b = await runSimTest(toTestConfig({ ...argvOf(command), name: 'swarm-b' }, paxosTest), paxosTest, { out: new PassThrough() });
    const read = (dir: string, f: string) => readFileSync(path.join(dir, f), 'utf8');
    const file = JSON.parse(read(a.runDir, 'results.json')) as { swarm?: { nemesis: string[] } };
    expect(file.swarm?.nemesis.length).toBeGreaterThan(0);
    expect(read(a.runDir, 'history.jsonl').split('\n').length).toBeGreaterThan(100);
    expect(read(b.runDir, 'history.jsonl') === read(a.runDir, 'history.jsonl')).toBe(true);
    expect(read(b.runDir, 'results.json') === read(a.runDir, 'results.json')).toBe(true);
  }, 60_000);

  it.skipIf(!BUILT)('--swarm without --runtime sim: one line, exit 254', async () => {
    const r = await execa('node', [BIN, 'test', '--swarm', '--results', results], { reject: false, cwd: ROOT });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--swarm needs --runtime sim');
  }, 30_000);
});

describe.skipIf(!BUILT)('test-all --runtime sim --seeds A..B', () => {
  const testAll = (dir: string, args: string[]) => execa('node', [BIN, 'test-all', '--runtime', 'sim', '--workload', 'register', '--nemesis', 'partition', '--nemesis-interval', '1', '--time-limit', '4', '--parallel', '2', '--results', dir, ...args], { reject: false, cwd: ROOT });

  it('a planted bug: every failing run stored, the first one named with its replay command and run dir', async () => {
    const dir = path.join(results, 'sweep-bug');
    const r = await testAll(dir, ['--seeds', '1..4', '--bug', 'stale-read']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/4 run\(s\): 0 valid, 4 INVALID/);
    expect(r.stdout).toMatch(/\d+ seeds\/minute/);
    const runDir = /^ {2}run dir: (.+)$/m.exec(r.stdout)![1];
    expect(existsSync(path.join(runDir, 'report.html'))).toBe(true);
    expect(r.stdout).toMatch(/^first failing seed: 1\n {2}replay: jepsen-ts test .*--seed 1 .*--bug stale-read/m);
    expect(readdirSync(path.join(dir, 'register-partition-stale-read')).filter((d) => /^\d{8}T/.test(d))).toHaveLength(4);
  }, 60_000);

  it('the correct core: VALID, nothing stored', async () => {
    const dir = path.join(results, 'sweep-ok');
    const r = await testAll(dir, ['--seeds', '1..4']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/4 run\(s\): 4 valid, 0 INVALID/);
    expect(existsSync(path.join(dir, 'register-partition'))).toBe(false);
  }, 60_000);

  it('a bad range: one line, exit 254', async () => {
    const r = await testAll(path.join(results, 'bad'), ['--seeds', '9..3']);
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toContain('--seeds: empty range 9..3');
  }, 30_000);
});

/** Every planted core bug over 30 seeds; bench:sim-sweep runs the same schedules over 1,000. */
const CI_SEEDS = 30;

describe.skipIf(!BUILT)('per-bug schedules over seeds 1..30 (worker threads, nothing stored)', () => {
  const configs = (flags: BugSchedule['flags'], bug: BugName | null) => scheduleConfigs(flags, bug, CI_SEEDS, results);

  for (const s of SCHEDULES) {
    it(`${s.bug}: INVALID on >= 90% of the seeds`, async () => {
      const { answers } = await sweep(configs(s.flags, s.bug), { workers: 2, storeFailing: false });
      expect(answers.filter((a) => a.valid === false).length).toBeGreaterThanOrEqual(Math.ceil(0.9 * CI_SEEDS));
    }, 60_000);
  }

  it('the correct core under every bug\'s schedule: VALID on every seed', async () => {
    const all = SCHEDULES.flatMap((s) => configs(s.flags, null));
    const { answers } = await sweep(all, { workers: 2, storeFailing: false });
    expect(answers.filter((a) => a.valid !== true).map((a) => a.seed)).toEqual([]);
    expect(answers).toHaveLength(SCHEDULES.length * CI_SEEDS);
  }, 120_000);
});
