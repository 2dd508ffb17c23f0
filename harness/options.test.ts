import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureWritableResults, nemesisOptionsOf, replayCommand, testOptions, toTestConfig, type TestArgv, type TestConfig } from './options.js';
import { UsageError } from '../ground/runtime.js';
import { paxosTest } from '../paxos/suite.js';
import { DEFAULT_MEMORY_LIMIT_MB } from '../checkers/memory.js';

/** The parsed argv of a bare `jepsen-ts test`: yargs fills in nothing (CLI_DEFAULTS apply in toTestConfig). */
const defaults = (): TestArgv => ({});
const config = (over: TestArgv) => toTestConfig({ ...defaults(), ...over }, paxosTest);
/** A config without the user's flags as given (a replay gives every flag: the same run, other words). */
const withoutFlags = ({ flags: _flags, ...rest }: TestConfig) => rest;
const refuses = (over: TestArgv, pattern: RegExp) => {
  expect(() => config(over)).toThrow(UsageError);
  expect(() => config(over)).toThrow(pattern);
};

describe('toTestConfig', () => {
  it('turns the defaults into a plain config with a random seed', () => {
    const c = config({});
    expect(c).toMatchObject({ workload: 'register', nemesis: [], nodes: ['n1', 'n2', 'n3', 'n4', 'n5'], concurrency: 10, timeLimitMs: 60_000, runtime: 'local', bug: null, name: 'register-none' });
    expect(c.partition).toBeNull();
    expect(Number.isSafeInteger(c.seed)).toBe(true);
    expect(JSON.parse(JSON.stringify(c))).toEqual(c); // plain data
  });

  it('op timeout: 2 s, or a third of a shorter nemesis interval under a nemesis, unless given', () => {
    expect(config({}).opTimeoutMs).toBe(2000);
    expect(config({ 'nemesis-interval': 1.5 }).opTimeoutMs).toBe(2000); // no nemesis: nothing to fit into
    expect(config({ nemesis: 'partition', 'nemesis-interval': 1.5 }).opTimeoutMs).toBe(500);
    expect(config({ nemesis: 'partition' }).opTimeoutMs).toBe(1000); // the default 3 s interval
    expect(config({ nemesis: 'partition', 'nemesis-interval': 30 }).opTimeoutMs).toBe(2000);
    expect(config({ nemesis: 'partition', 'nemesis-interval': 0.1 }).opTimeoutMs).toBe(100);
    expect(config({ nemesis: 'partition', 'nemesis-interval': 1.5, 'op-timeout': 3 }).opTimeoutMs).toBe(3000);
    refuses({ 'op-timeout': 0 }, /--op-timeout must be 0.001..86400 seconds \(got 0\)/);
  });

  it('composes nemeses, expands all, and takes node names', () => {
    expect(config({ nemesis: 'partition,kill,partition' }).nemesis).toEqual(['partition', 'kill']);
    expect(config({ nemesis: 'all' }).nemesis).toEqual(['partition', 'kill', 'pause', 'clock', 'packet', 'burst']);
    expect(config({ nodes: 'a1,b2,c3' }).nodes).toEqual(['a1', 'b2', 'c3']);
    expect(config({ nodes: '3' }).nodes).toEqual(['n1', 'n2', 'n3']);
    expect(config({ partition: 'leader,one' }).partition).toEqual(['leader', 'one']);
    expect(config({ bug: 'stale-read', seed: 42, 'time-limit': 2.5 })).toMatchObject({ bug: 'stale-read', seed: 42, timeLimitMs: 2500, name: 'register-none-stale-read' });
  });

  it('names a swarm run after the swarm (and the faults it may draw from), not after "none"', () => {
    expect(config({ runtime: 'sim', swarm: true }).name).toBe('register-swarm');
    expect(config({ runtime: 'sim', swarm: true, nemesis: 'partition,kill', bug: 'no-adopt' }).name).toBe('register-swarm-partition+kill-no-adopt');
  });

  it('refuses bad input with one clear line', () => {
    refuses({ workload: 'queue' }, /unknown workload "queue"/);
    refuses({ nemesis: 'partition,flood' }, /unknown nemesis "flood"/);
    refuses({ nemesis: 'none,kill' }, /none/);
    refuses({ nemesis: 'kill,,pause' }, /empty item/);
    refuses({ bug: 'nope' }, /unknown bug/);
    refuses({ partition: 'half' }, /unknown partition shape "half"/);
    refuses({ runtime: 'k8s' }, /unknown runtime/);
    refuses({ 'time-limit': -5 }, /--time-limit must be 0.001..86400 seconds \(got -5\)/);
    refuses({ 'time-limit': 0 }, /--time-limit must be 0.001..86400 seconds/);
    refuses({ 'time-limit': Number.NaN }, /--time-limit: NaN is not a number/);
    refuses({ concurrency: 0 }, /--concurrency must be an integer 1..1000 \(got 0\)/);
    refuses({ concurrency: 1.5 }, /--concurrency/);
    refuses({ nodes: '0' }, /--nodes must be between 1 and 99/);
    refuses({ nodes: 'n1,n1' }, /duplicate/);
    refuses({ nodes: 'n1,,n2' }, /empty item/);
    refuses({ nodes: 'N 1' }, /bad node name/);
    refuses({ rate: -1 }, /--rate must be 0 \(unlimited\) or 0.01..100000 ops\/s \(got -1\)/);
    refuses({ 'checker-memory-mb': 0 }, /--checker-memory-mb must be > 0/);
    refuses({ 'checker-memory-mb': 'lots' }, /--checker-memory-mb: "lots" is not a number/);
    refuses({ 'checker-memory-mb': 1e9 }, /--checker-memory-mb 1000000000 is more than this machine's memory/);
    refuses({ seed: -1 }, /--seed/);
    refuses({ 'test-count': 0 }, /--test-count/);
    refuses({ name: '../x' }, /--name/);
    refuses({ workload: ['kv', 'set'] }, /more than once/);
    refuses({ 'leave-db-running': true, 'test-count': 2 }, /--leave-db-running/);
  });

  it('bounds every duration: Node fires a timer past 2^31-1 ms (24.8 days) after 1 ms', () => {
    for (const flag of ['time-limit', 'op-timeout', 'nemesis-interval', 'recovery-time']) {
      for (const bad of ['1e300', '86400.5', 'Infinity', '-Infinity', '-1', String(2 ** 31)]) {
        refuses({ [flag]: bad }, new RegExp(`^--${flag} must be ${flag === 'recovery-time' ? '0' : '0.001'}\\.\\.86400 seconds \\(got "${bad}"\\)$`));
      }
      refuses({ [flag]: 'abc' }, new RegExp(`^--${flag}: "abc" is not a number$`));
      refuses({ [flag]: '' }, new RegExp(`^--${flag}: "" is not a number$`));
      refuses({ [flag]: ' ' }, new RegExp(`^--${flag}: " " is not a number$`));
    }
    expect(config({ 'time-limit': '86400', 'op-timeout': '0.001', 'nemesis-interval': '86400', 'recovery-time': '0' })).toMatchObject({ timeLimitMs: 86_400_000, opTimeoutMs: 1, nemesisIntervalMs: 86_400_000, recoveryTimeMs: 0 });
  });

  it('bounds every count, saying what was given and the allowed range', () => {
    refuses({ concurrency: '1e9' }, /^--concurrency must be an integer 1..1000 \(got "1e9"\)$/);
    refuses({ concurrency: 'ten' }, /^--concurrency: "ten" is not a number$/);
    refuses({ 'test-count': '1e6' }, /^--test-count must be an integer 1..1000 \(got "1e6"\)$/);
    refuses({ rate: '1e300' }, /^--rate must be 0 \(unlimited\) or 0.01..100000 ops\/s \(got "1e300"\)$/);
    refuses({ rate: '0.001' }, /^--rate must be 0 \(unlimited\) or 0.01..100000 ops\/s/);
    refuses({ seed: String(2 ** 32) }, /^--seed must be an integer 0..4294967295 \(got "4294967296"\)$/);
    refuses({ seed: 'x' }, /^--seed: "x" is not a number$/);
    refuses({ nodes: '100' }, /--nodes must be between 1 and 99/);
    refuses({ nodes: Array.from({ length: 100 }, (_, i) => `m${i}`).join(',') }, /^--nodes: 100 names, at most 99$/);
    expect(config({ concurrency: '1000', 'test-count': '1000', rate: '100000', seed: '4294967295' })).toMatchObject({ concurrency: 1000, testCount: 1000, rate: 100_000, seed: 4294967295 });
    expect(config({ rate: '0.01' }).rate).toBe(0.01);
  });

  it('--checker-timeout bounds the check (default 300 s), is replayed, and is refused when not positive', () => {
    expect(config({}).checkerTimeoutMs).toBe(300_000);
    expect(config({ 'checker-timeout': 20 }).checkerTimeoutMs).toBe(20_000);
    expect(replayCommand(config({ 'checker-timeout': 20 }))).toMatch(/--checker-timeout 20( |$)/);
    refuses({ 'checker-timeout': 0 }, /--checker-timeout/);
    refuses({ 'checker-timeout': 'soon' }, /--checker-timeout/);
  });

  it('--rate 0 is unlimited; --checker-memory-mb is in the config (default: the checker\'s own)', () => {
    expect(config({ rate: 0 }).rate).toBe(0);
    expect(config({ 'checker-memory-mb': 4096 }).checkerMemoryMb).toBe(4096);
    expect(config({}).checkerMemoryMb).toBe(DEFAULT_MEMORY_LIMIT_MB);
    expect(replayCommand(config({ rate: 0, 'checker-memory-mb': 300 }))).toMatch(/--rate 0 .*--checker-memory-mb 300/);
  });

  it('replays: the stored command line parses back into the same config', () => {
    const c = config({ nemesis: 'partition,clock', bug: 'early-ack', seed: 9, nodes: '3', 'time-limit': 8, 'checker-memory-mb': 2048 });
    const argv: TestArgv = {};
    const words = replayCommand(c).split(' ').slice(2);
    for (let i = 0; i < words.length; i += 2) argv[words[i].slice(2)] = words[i + 1];
    expect(withoutFlags(toTestConfig({ ...defaults(), ...argv }, paxosTest))).toEqual(withoutFlags(c));
  });
});

describe('fault-tuning flags (--nemesis-together, --kill-targets, --clock-target, --clock-mode, --clock-offset)', () => {
  it('parse into the config and into the nemesis options', () => {
    const c = config({ nemesis: 'partition,clock,kill', 'nemesis-together': true, partition: 'leader', 'kill-targets': 'all,majority', 'clock-target': 'leader', 'clock-mode': 'bump', 'clock-offset': '-9000..-6000' });
    expect(c).toMatchObject({ nemesisTogether: true, killTargets: ['all', 'majority'], clockTargets: ['leader'], clockModes: ['bump'], clockOffsetMs: [-9000, -6000] });
    expect(nemesisOptionsOf(c)).toEqual({ partition: ['leader'], nodes: c.nodes, together: true, killTargets: ['all', 'majority'], clock: { targets: ['leader'], modes: ['bump'], offsetMs: [-9000, -6000] } });
    expect(config({ nemesis: 'clock', 'clock-offset': '250' }).clockOffsetMs).toEqual([250, 250]);
    expect(config({ nemesis: 'clock', 'clock-mode': 'drift', 'clock-drift': '0.1..0.3' })).toMatchObject({ clockModes: ['drift'], clockDriftRates: [0.1, 0.3] });
    expect(nemesisOptionsOf(config({ nemesis: 'clock', 'clock-drift': '1.5' })).clock).toEqual({ driftRates: [1.5, 1.5] });
    refuses({ nemesis: 'clock', 'clock-drift': '1' }, /--clock-drift: the range must contain a rate other than 1/);
    refuses({ nemesis: 'clock', 'clock-drift': '0..2' }, /--clock-drift: rates must be within 0.05..20/);
    refuses({ nemesis: 'clock', 'clock-drift': '2..0.5' }, /--clock-drift: MIN must be <= MAX/);
    refuses({ nemesis: 'kill', 'clock-drift': '0.5' }, /--clock-drift tunes the clock nemesis/);
    // Absent: the nemesis's own defaults.
    const plain = config({ nemesis: 'clock' });
    expect(plain).toMatchObject({ nemesisTogether: false, killTargets: null, clockTargets: null, clockModes: null, clockOffsetMs: null });
    expect(nemesisOptionsOf(plain)).toEqual({ partition: undefined, nodes: plain.nodes, together: false });
  });

  it('refuse bad values, and flags whose fault is not in --nemesis, with one line', () => {
    refuses({ nemesis: 'kill', 'kill-targets': 'boss' }, /--kill-targets: unknown value "boss"/);
    expect(config({ nemesis: 'kill', 'kill-targets': 'leader' }).killTargets).toEqual(['leader']);
    refuses({ nemesis: 'clock', 'clock-target': 'one,nobody' }, /--clock-target: unknown value "nobody"/);
    refuses({ nemesis: 'clock', 'clock-mode': 'warp' }, /--clock-mode: unknown value "warp"/);
    refuses({ nemesis: 'clock', 'clock-offset': 'back' }, /--clock-offset must be MIN..MAX/);
    refuses({ nemesis: 'clock', 'clock-offset': '-1000..-2000' }, /MIN must be <= MAX/);
    refuses({ nemesis: 'clock', 'clock-offset': '0..0' }, /non-zero/);
    refuses({ nemesis: 'clock', 'clock-offset': '-99999999999..1' }, /within a day/);
    refuses({ nemesis: 'partition', 'clock-target': 'leader' }, /--clock-target tunes the clock nemesis, which --nemesis does not include/);
    refuses({ nemesis: 'partition', 'kill-targets': 'all' }, /--kill-targets tunes the kill and lose-unsynced nemeses, which --nemesis does not include/);
    refuses({ 'nemesis-together': true }, /--nemesis-together needs faults/);
    refuses({ nemesis: 'kill', 'kill-targets': ['all', 'one'] }, /more than once/);
    expect(config({ nemesis: 'all', 'kill-targets': 'all', 'clock-target': 'leader' }).killTargets).toEqual(['all']); // all includes both
  });

  it('replay through yargs: the stored command line parses back into the same config', async () => {
    const { default: yargs } = await import('yargs');
    const c = config({ nemesis: 'partition,clock,kill', 'nemesis-together': true, partition: 'leader', 'kill-targets': 'all', 'clock-target': 'leader,one', 'clock-mode': 'bump,drift', 'clock-offset': '-9000..-6000', 'clock-drift': '0.25..1.5', seed: 4 });
    const words = replayCommand(c).split(' ').slice(2);
    const argv = yargs(words).options(testOptions).strict().parseSync() as TestArgv;
    expect(withoutFlags(toTestConfig(argv, paxosTest))).toEqual(withoutFlags(c));
  });
});

describe('ensureWritableResults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jt-options-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the dir when it can, and refuses a path it cannot write', () => {
    ensureWritableResults(join(dir, 'a', 'b'));
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    expect(() => ensureWritableResults(join(file, 'results'))).toThrow(/not writable: ENOTDIR/);
    expect(() => ensureWritableResults('/proc/jt-results')).toThrow(UsageError);
  });
});

describe('--schedule', () => {
  it('names a built-in schedule, names the test after it, keeps op timeouts within its faults, and replays', () => {
    const c = config({ schedule: 'kill-all-in-flight', bug: 'volatile-acceptor', seed: 3 });
    expect(c).toMatchObject({ schedule: 'kill-all-in-flight', nemesis: [], name: 'register-kill-all-in-flight-volatile-acceptor', opTimeoutMs: 1000 });
    expect(config({}).schedule).toBeNull();
    const argv: TestArgv = {};
    const words = replayCommand(c).split(' ').slice(2);
    for (let i = 0; i < words.length; i += 2) argv[words[i].slice(2)] = words[i + 1];
    expect(withoutFlags(toTestConfig({ ...defaults(), ...argv }, paxosTest))).toEqual(withoutFlags(c));
  });

  it('a --schedule replaces the nemesis of the definition\'s defaults', () => {
    const c = toTestConfig({ schedule: 'kill-all-in-flight' }, { ...paxosTest, defaults: { nemesis: 'partition,kill' } });
    expect(c).toMatchObject({ schedule: 'kill-all-in-flight', nemesis: [] });
  });

  it('refuses an unknown name (listing the names) and --schedule with --nemesis', () => {
    refuses({ schedule: 'nope' }, /^unknown schedule "nope" \(known: kill-all-in-flight\)$/);
    refuses({ schedule: 'kill-all-in-flight', nemesis: 'kill' }, /--schedule and --nemesis are alternatives/);
    refuses({ schedule: ['kill-all-in-flight', 'kill-all-in-flight'] }, /--schedule given more than once/);
  });
});
