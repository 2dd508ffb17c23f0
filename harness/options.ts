/**
 * The options of `jepsen-ts test` (yargs definitions) and their validation into a plain
 * `TestConfig`. Every bad input becomes a UsageError (one line, exit 254) BEFORE anything is
 * started: no node, no proxy, no run directory.
 */
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, resolve, join } from 'node:path';
import type { Options } from 'yargs';
import { UsageError } from '../ground/runtime.js';
import { DEFAULT_MEMORY_LIMIT_MB } from '../checkers/memory.js';
import type { WorkloadOptions } from '../ground/workload.js';
import type { TestDefinition } from '../ground/test.js';
import { DEFAULT_DB, type TestSource } from './suites.js';
import {
  CLOCK_MODES,
  CLOCK_TARGETS,
  NEMESIS_NAMES,
  parseClockDrift,
  parseClockOffset,
  parseNames,
  parseNemesisSpec,
  parseScheduleName,
  PARTITION_SHAPES,
  SCHEDULE_NAMES,
  parsePartitionShapes,
  NODE_TARGETS,
  TARGETS,
  type ClockMode,
  type ClockTarget,
  type Fault,
  type NemesisOptions,
  type NodeTarget,
  type PartitionShape,
  type ScheduleName,
} from '../nemesis/index.js';

export const RUNTIMES = ['local', 'docker', 'sim'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** Everything one test run needs, as plain data (stored verbatim in test.json). */
export interface TestConfig {
  name: string;
  /** The built-in suite run (`--db`); absent with `--test` (and in runs recorded before it: paxos). */
  db?: string;
  /** The absolute path of the user's test module (`--test`); absent for a built-in suite. */
  test?: string;
  /** The flags the user gave (kebab names), for a test module whose default export is a function of them. */
  flags?: Record<string, unknown>;
  /** One of the definition's workloads. */
  workload: string;
  /** Fault kinds, composed; empty = no nemesis. */
  nemesis: Fault[];
  nemesisIntervalMs: number;
  /** --schedule: a named fault schedule instead of --nemesis (absent/null = the --nemesis flags). */
  schedule?: ScheduleName | null;
  /** Partition shapes the partition nemesis picks among; null = every shape the cluster fits. */
  partition: PartitionShape[] | null;
  nodes: string[];
  concurrency: number;
  timeLimitMs: number;
  /** Total client ops per second across all threads; 0 = unlimited. */
  rate: number;
  seed: number;
  runtime: RuntimeName;
  testCount: number;
  /** One of the definition's planted bugs, passed to every node as `--bug NAME`. */
  bug: string | null;
  leaveDbRunning: boolean;
  /** Absolute path of the results store. */
  resultsDir: string;
  recoveryTimeMs: number;
  /** A client op that takes longer completes as info (or fail for reads). */
  opTimeoutMs: number;
  /**
   * MB the linearizability checker's search caches may hold before it gives up (unknown).
   * Absent in runs recorded before it existed: the checker's default.
   */
  checkerMemoryMb?: number;
  /**
   * How long the check may take before a checker that searches (linearizability) gives up with
   * unknown: a nightly run always ends with a verdict. Absent in runs recorded before it existed.
   */
  checkerTimeoutMs?: number;
  /** --nemesis-together: every cycle injects every fault (absent = false: a random subset). */
  nemesisTogether?: boolean;
  /** --kill-targets: node specs the kill nemesis picks among (absent/null = one, minority, and leader when the Db names one). */
  killTargets?: NodeTarget[] | null;
  /** --clock-target, --clock-mode, --clock-offset, --clock-drift (absent/null = the clock nemesis's defaults). */
  clockTargets?: ClockTarget[] | null;
  clockModes?: ClockMode[] | null;
  /** Signed [min, max] ms. */
  clockOffsetMs?: [number, number] | null;
  /** Drift rates [min, max]. */
  clockDriftRates?: [number, number] | null;
  /** --swarm (--runtime sim only): each seed draws its faults and their parameters (sim/swarm.ts). */
  swarm?: boolean;
}

/**
 * yargs definitions shared by `test` and `test-all` (which widens a few to comma lists). Every
 * valued option requires its value: `--seed` alone is an error, not a random seed. Numeric
 * options are read as strings (yargs would turn `abc` into NaN) and checked against LIMITS.
 */
export const testOptions = {
  db: { type: 'string', requiresArg: true, defaultDescription: DEFAULT_DB, describe: 'the built-in suite to test: paxos|etcd' },
  test: { type: 'string', requiresArg: true, describe: "a test module (.ts, .js, .mjs) whose default export is a TestDefinition; excludes --db" },
  workload: { type: 'string', requiresArg: true, defaultDescription: "the suite's first", describe: "one of the suite's workloads (paxos and etcd: register|kv|set|bank|append|wr)" },
  nemesis: { type: 'string', requiresArg: true, defaultDescription: 'none', describe: `faults, comma list: ${NEMESIS_NAMES.join('|')} (all = partition,kill,pause,clock,packet,burst; the disk faults slow-disk and lose-unsynced need FUSE and are named explicitly)` },
  'nemesis-interval': { type: 'string', requiresArg: true, defaultDescription: '3', describe: 'seconds between fault start and stop (and between faults); 3 gives each of the five fault kinds its turn in 30 s' },
  schedule: { type: 'string', requiresArg: true, describe: `a named fault schedule instead of --nemesis: ${SCHEDULE_NAMES.join('|')}` },
  partition: { type: 'string', requiresArg: true, describe: `partition shapes, comma list: ${PARTITION_SHAPES.join('|')} (default: random among all)` },
  nodes: { type: 'string', requiresArg: true, defaultDescription: '5', describe: 'node count, or comma-separated node names' },
  concurrency: { type: 'string', requiresArg: true, defaultDescription: '10', describe: 'client threads (each has one outstanding op)' },
  'time-limit': { type: 'string', requiresArg: true, defaultDescription: '60', describe: 'seconds of the main phase (clients + nemesis)' },
  rate: { type: 'string', requiresArg: true, defaultDescription: '50', describe: 'total client ops per second (0: unlimited, as fast as the threads go)' },
  seed: { type: 'string', requiresArg: true, describe: 'PRNG seed (default: random, printed and stored in test.json)' },
  runtime: { type: 'string', requiresArg: true, defaultDescription: 'local', describe: 'where nodes run: local|docker|sim (sim: paxos/core simulated in virtual time, in this process; see README)' },
  'test-count': { type: 'string', requiresArg: true, defaultDescription: '1', describe: 'run N tests with seeds seed, seed+1, ...; exit code = worst' },
  bug: { type: 'string', requiresArg: true, describe: "one of the suite's planted bugs, passed to every node (paxos: see README)" },
  'etcd-binary': { type: 'string', requiresArg: true, describe: 'with --db etcd: the etcd binary to run [default: $JEPSEN_TS_ETCD_BINARY, else etcd on PATH]' },
  'leave-db-running': { type: 'boolean', defaultDescription: 'false', describe: 'keep the nodes running after the test (stop them with Ctrl-C)' },
  results: { type: 'string', requiresArg: true, defaultDescription: 'results', describe: 'directory of the results store' },
  'recovery-time': { type: 'string', requiresArg: true, defaultDescription: '5', describe: 'seconds of reads after every fault is healed' },
  'nemesis-together': { type: 'boolean', defaultDescription: 'false', describe: 'every fault cycle injects ALL the --nemesis faults at once (partition, kill, pause, clock, packet, in that order) instead of a random subset' },
  'kill-targets': { type: 'string', requiresArg: true, describe: `nodes the kill and lose-unsynced nemeses hit, comma list picked at random: ${NODE_TARGETS.join('|')} (default: one,minority,leader for kill, majority,all,leader for lose-unsynced; leader only when the db can name it)` },
  'clock-target': { type: 'string', requiresArg: true, describe: `nodes the clock nemesis skews, comma list picked at random: ${CLOCK_TARGETS.join('|')} (leader: the node the cluster names leader; default: ${TARGETS.join(',')})` },
  'clock-mode': { type: 'string', requiresArg: true, describe: `clock faults, comma list picked at random: ${CLOCK_MODES.join('|')} (default: bump,strobe; drift only when named)` },
  'clock-offset': { type: 'string', requiresArg: true, describe: 'range of clock offsets in signed ms, MIN..MAX, e.g. -9000..-6000 steps clocks back 6-9 s (default: -10000..10000)' },
  'clock-drift': { type: 'string', requiresArg: true, describe: 'range of drift rates, MIN..MAX, e.g. 0.1..0.3 runs clocks at 10-30% speed (default: 0.5..0.9 or 1.1..2, never 1)' },
  'checker-memory-mb': { type: 'string', requiresArg: true, describe: `MB the linearizability checker's search caches may hold before it gives up with unknown (default: ${DEFAULT_MEMORY_LIMIT_MB})` },
  'checker-timeout': { type: 'string', requiresArg: true, defaultDescription: '300', describe: 'seconds the linearizability search may take before it gives up with unknown' },
  'op-timeout': { type: 'string', requiresArg: true, describe: 'seconds before a client op counts as indeterminate (default: 2, or a third of --nemesis-interval when that is shorter and a nemesis runs)' },
  swarm: { type: 'boolean', defaultDescription: 'false', describe: 'with --runtime sim: each seed draws a subset of the --nemesis faults (default: every simulated one) and their parameters, network included; the seed replays it' },
  name: { type: 'string', requiresArg: true, describe: 'test name (default: <workload>-<nemesis>[-<bug>], prefixed with the suite unless paxos)' },
} satisfies Record<string, Options>;

/**
 * The CLI's defaults, applied under the definition's `defaults` and the user's flags (yargs is
 * given none, or it could not tell a flag the user gave from one it filled in). --help shows
 * them through each option's defaultDescription. The workload's default is the definition's first.
 */
export const CLI_DEFAULTS: Readonly<Record<string, string | number | boolean>> = {
  'nemesis': 'none',
  'nemesis-interval': 3,
  'nodes': '5',
  'concurrency': 10,
  'time-limit': 60,
  'rate': 50,
  'runtime': 'local',
  'test-count': 1,
  'leave-db-running': false,
  'results': 'results',
  'recovery-time': 5,
  'nemesis-together': false,
};

/**
 * The range of every numeric option. Durations stay far below Node's timer ceiling: a timer
 * above 2^31-1 ms (24.8 days) fires after 1 ms, so `--time-limit 1e300` would end the main phase
 * at once. Counts stay where a run still fits in memory (`--concurrency 1e9` aborted on the heap
 * limit after 133 s).
 */
export const LIMITS = {
  /** Seconds; a whole ms at least (0 for --recovery-time). */
  seconds: { min: 0.001, max: 86_400 },
  nodes: 99,
  concurrency: 1000,
  /** Total ops per second. */
  rate: { min: 0.01, max: 100_000 },
  /** Runs of one `test --test-count` or one `test-all`. */
  runs: 1000,
  seed: 2 ** 32 - 1,
} as const;

/** Raw parsed argv of `test` (kebab keys as yargs gives them). */
export type TestArgv = Record<string, unknown>;

/**
 * The config of one run of `definition`: the user's flags (`given`), over the definition's
 * defaults, over CLI_DEFAULTS. `source` says where the definition came from (stored in test.json,
 * so `analyze` and the replay command find it again).
 */
export function toTestConfig(given: TestArgv, definition: TestDefinition, source: TestSource = { db: DEFAULT_DB }): TestConfig {
  const flags = userFlags(given);
  const argv: TestArgv = { ...CLI_DEFAULTS, workload: Object.keys(definition.workloads)[0], ...definition.defaults, ...flags };
  const workload = oneOf('--workload', str(argv.workload, '--workload'), Object.keys(definition.workloads));
  const schedule = argv.schedule === undefined ? null : parseScheduleName(str(argv.schedule, '--schedule'));
  if (schedule && flags.nemesis !== undefined) throw new UsageError('--schedule and --nemesis are alternatives: give one of them');
  // A --schedule replaces the faults a definition's defaults name.
  const nemesis = schedule ? [] : parseNemesisSpec(list(str(argv.nemesis, '--nemesis'), '--nemesis').join(','));
  const partition = argv.partition === undefined ? null : parsePartitionShapes(list(str(argv.partition, '--partition'), '--partition').join(','));
  const runtime = oneOf('--runtime', str(argv.runtime, '--runtime'), RUNTIMES);
  const bugs = definition.bugs ?? [];
  if (argv.bug !== undefined && bugs.length === 0) throw new UsageError(`--bug: ${definition.name} has no planted bugs`);
  const bug = argv.bug === undefined ? null : oneOf('--bug', str(argv.bug, '--bug'), bugs);
  const seed = argv.seed === undefined ? randomInt(0, 2 ** 31) : int(argv.seed, '--seed', 0, LIMITS.seed);
  const suitePrefix = source.db === DEFAULT_DB ? '' : `${definition.name}-`;
  const faults = nemesis.length ? nemesis.join('+') : 'none';
  const faultsPart = schedule ?? (argv.swarm === true ? `swarm${nemesis.length ? `-${faults}` : ''}` : faults);
  const name = argv.name === undefined ? `${suitePrefix}${workload}-${faultsPart}${bug ? `-${bug}` : ''}` : str(argv.name, '--name');
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/.test(name)) throw new UsageError(`--name must be letters, digits, '.', '_', '+', '-' (got ${JSON.stringify(name)})`);
  const config: TestConfig = {
    name,
    ...(source.test !== undefined ? { test: source.test } : { db: source.db }),
    flags,
    workload,
    nemesis,
    nemesisIntervalMs: seconds(argv['nemesis-interval'], '--nemesis-interval'),
    schedule,
    partition,
    nodes: nodeNames(argv.nodes),
    concurrency: int(argv.concurrency, '--concurrency', 1, LIMITS.concurrency),
    timeLimitMs: seconds(argv['time-limit'], '--time-limit'),
    rate: rate(argv.rate),
    seed,
    runtime,
    testCount: int(argv['test-count'], '--test-count', 1, LIMITS.runs),
    bug,
    leaveDbRunning: argv['leave-db-running'] === true,
    resultsDir: resolve(str(argv.results, '--results')),
    recoveryTimeMs: seconds(argv['recovery-time'], '--recovery-time', true),
    opTimeoutMs: argv['op-timeout'] === undefined ? defaultOpTimeoutMs(nemesis.length > 0 || schedule !== null, seconds(argv['nemesis-interval'], '--nemesis-interval')) : seconds(argv['op-timeout'], '--op-timeout'),
    checkerMemoryMb: argv['checker-memory-mb'] === undefined ? DEFAULT_MEMORY_LIMIT_MB : checkerMemoryMb(argv['checker-memory-mb'], '--checker-memory-mb'),
    checkerTimeoutMs: argv['checker-timeout'] === undefined ? DEFAULT_CHECKER_TIMEOUT_MS : seconds(argv['checker-timeout'], '--checker-timeout'),
  };
  if (config.leaveDbRunning && config.testCount > 1) throw new UsageError('--leave-db-running only makes sense with --test-count 1');
  Object.assign(config, faultOptions(argv, nemesis));
  if (argv.swarm === true) {
    if (runtime !== 'sim') throw new UsageError('--swarm needs --runtime sim (the simulator draws each seed\'s faults)');
    config.swarm = true;
  }
  return config;
}

/** The flags the user gave: testOptions' kebab names with a value (yargs adds camelCase twins and its own keys). */
export function userFlags(argv: TestArgv): Record<string, unknown> {
  return Object.fromEntries(Object.entries(argv).filter(([k, v]) => v !== undefined && Object.hasOwn(testOptions, k) && k !== 'db' && k !== 'test'));
}

/** The fault-tuning flags; each is refused unless the fault it tunes is in --nemesis. */
function faultOptions(argv: TestArgv, nemesis: Fault[]): Pick<TestConfig, 'nemesisTogether' | 'killTargets' | 'clockTargets' | 'clockModes' | 'clockOffsetMs' | 'clockDriftRates'> {
  const given = (key: string, ...faults: Fault[]): string | null => {
    if (argv[key] === undefined) return null;
    const value = str(argv[key], `--${key}`);
    if (!faults.some((f) => nemesis.includes(f))) throw new UsageError(`--${key} tunes the ${faults.join(' and ')} ${faults.length > 1 ? 'nemeses' : 'nemesis'}, which --nemesis does not include`);
    return value;
  };
  const together = argv['nemesis-together'];
  if (Array.isArray(together)) throw new UsageError('--nemesis-together given more than once');
  if (together === true && nemesis.length === 0) throw new UsageError('--nemesis-together needs faults in --nemesis');
  const kill = given('kill-targets', 'kill', 'lose-unsynced');
  const target = given('clock-target', 'clock');
  const mode = given('clock-mode', 'clock');
  const offset = given('clock-offset', 'clock');
  const drift = given('clock-drift', 'clock');
  return {
    nemesisTogether: together === true,
    killTargets: kill === null ? null : parseNames(kill, NODE_TARGETS, '--kill-targets: unknown value'),
    clockTargets: target === null ? null : parseNames(target, CLOCK_TARGETS, '--clock-target: unknown value'),
    clockModes: mode === null ? null : parseNames(mode, CLOCK_MODES, '--clock-mode: unknown value'),
    clockOffsetMs: offset === null ? null : parseClockOffset(offset),
    clockDriftRates: drift === null ? null : parseClockDrift(drift),
  };
}

/**
 * Client threads a burst drives in all: the store's measured capacity point (bench:harness, 3
 * nodes: ~5,000 ops/s at 64 threads, where its batches fill; 10 threads unthrottled reach ~900).
 */
export const BURST_CONCURRENCY = 64;

/** Extra client threads that run only during bursts (the burst nemesis), up to BURST_CONCURRENCY in all. */
export function burstThreadsOf(c: Pick<TestConfig, 'concurrency'> & { nemesis?: readonly string[] }): number {
  return (c.nemesis ?? []).includes('burst') ? Math.max(0, BURST_CONCURRENCY - c.concurrency) : 0;
}

/** How long a workload's setup (bank: opening the accounts) may take before the run gives up (crashes). */
export const SETUP_LIMIT_MS = 30_000;

/** What a workload is built with for a config (also one read back from an older test.json): its threads include the burst threads. */
export function workloadOptionsOf(c: Pick<TestConfig, 'opTimeoutMs' | 'concurrency' | 'checkerMemoryMb'> & { nemesis?: readonly string[] }): WorkloadOptions {
  return { opTimeoutMs: c.opTimeoutMs, concurrency: c.concurrency + burstThreadsOf(c), ...(c.checkerMemoryMb !== undefined ? { checkerMemoryMb: c.checkerMemoryMb } : {}) };
}

/** --checker-memory-mb: positive, and no more than the machine has (a typo of a zero too many). */
export function checkerMemoryMb(v: unknown, flag: string): number {
  const n = positive(v, flag);
  const machineMb = Math.floor(totalmem() / (1024 * 1024));
  if (n > machineMb) throw new UsageError(`${flag} ${n} is more than this machine's memory (${machineMb} MB)`);
  return n;
}

/** What nemesisFromSpec needs of a config (besides the --nemesis spec itself). */
export function nemesisOptionsOf(c: TestConfig): NemesisOptions {
  const clock = { ...(c.clockTargets ? { targets: c.clockTargets } : {}), ...(c.clockModes ? { modes: c.clockModes } : {}), ...(c.clockOffsetMs ? { offsetMs: c.clockOffsetMs } : {}), ...(c.clockDriftRates ? { driftRates: c.clockDriftRates } : {}) };
  return {
    partition: c.partition ?? undefined,
    nodes: c.nodes,
    together: c.nemesisTogether === true,
    ...(c.killTargets ? { killTargets: c.killTargets } : {}),
    ...(Object.keys(clock).length > 0 ? { clock } : {}),
  };
}

/** Creates the results dir and proves it writable, so a bad --results fails before any node starts. */
export function ensureWritableResults(dir: string): void {
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    mkdirParents(dir);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw new UsageError(`--results ${dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * mkdir -p, one level at a time: Node's own `{recursive: true}` spins forever under /proc
 * (seen with Node 20), so a typo like `--results /proc/x` would hang instead of refusing.
 */
function mkdirParents(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) mkdirParents(parent);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** The `jepsen-ts test ...` line that replays this run. */
/** The `test` arguments that replay a run of `c` (same seed, same options), one word each. */
export function replayArgs(c: TestConfig): string[] {
  const words = [
    ...(c.test !== undefined ? ['--test', c.test] : ['--db', c.db ?? DEFAULT_DB]),
    '--workload', c.workload,
    ...(c.schedule ? ['--schedule', c.schedule] : ['--nemesis', c.nemesis.length ? c.nemesis.join(',') : 'none']),
    '--nemesis-interval', String(c.nemesisIntervalMs / 1000),
    '--nodes', c.nodes.join(','),
    '--concurrency', String(c.concurrency),
    '--time-limit', String(c.timeLimitMs / 1000),
    '--rate', String(c.rate),
    '--seed', String(c.seed),
    '--runtime', c.runtime,
    '--recovery-time', String(c.recoveryTimeMs / 1000),
    // A swarm draws the op timeout along with the interval, unless the user gave one.
    ...(c.swarm && c.flags?.['op-timeout'] === undefined ? [] : ['--op-timeout', String(c.opTimeoutMs / 1000)]),
    ...(c.checkerMemoryMb !== undefined ? ['--checker-memory-mb', String(c.checkerMemoryMb)] : []),
    ...(c.checkerTimeoutMs !== undefined ? ['--checker-timeout', String(c.checkerTimeoutMs / 1000)] : []),
    '--name', c.name,
    '--results', c.resultsDir,
  ];
  if (c.partition) words.push('--partition', c.partition.join(','));
  if (c.nemesisTogether) words.push('--nemesis-together');
  if (c.killTargets) words.push('--kill-targets', c.killTargets.join(','));
  if (c.clockTargets) words.push('--clock-target', c.clockTargets.join(','));
  if (c.clockModes) words.push('--clock-mode', c.clockModes.join(','));
  if (c.clockOffsetMs) words.push(`--clock-offset=${c.clockOffsetMs.join('..')}`);
  if (c.clockDriftRates) words.push(`--clock-drift=${c.clockDriftRates.join('..')}`);
  if (c.bug) words.push('--bug', c.bug);
  if (c.swarm) words.push('--swarm');
  if (typeof c.flags?.['etcd-binary'] === 'string') words.push('--etcd-binary', c.flags['etcd-binary']);
  return words;
}

/** A word as the shell reads it: bare when it is plain, else single-quoted. */
const shellWord = (w: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The command line that replays a run of `c`, for test.json and the report. */
export function replayCommand(c: TestConfig): string {
  return ['jepsen-ts', 'test', ...replayArgs(c)].map(shellWord).join(' ');
}

function nodeNames(raw: unknown): string[] {
  const text = String(raw ?? '').trim();
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > LIMITS.nodes) throw new UsageError(`--nodes must be between 1 and ${LIMITS.nodes} (got ${text})`);
    return Array.from({ length: n }, (_, i) => `n${i + 1}`);
  }
  const names = list(text, '--nodes');
  if (names.length > LIMITS.nodes) throw new UsageError(`--nodes: ${names.length} names, at most ${LIMITS.nodes}`);
  for (const n of names) {
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(n)) throw new UsageError(`--nodes: bad node name ${JSON.stringify(n)} (lowercase letters, digits, '-')`);
  }
  if (new Set(names).size !== names.length) throw new UsageError(`--nodes: duplicate node names in ${text}`);
  return names;
}

function list(text: string, flag: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`${flag}: empty item in ${JSON.stringify(text)}`);
  return items;
}

function str(v: unknown, flag: string): string {
  if (Array.isArray(v)) throw new UsageError(`${flag} given more than once`);
  if (typeof v !== 'string' && typeof v !== 'number') throw new UsageError(`${flag} needs a value`);
  return String(v);
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`unknown ${flag.slice(2)} ${JSON.stringify(v)} (known: ${allowed.join(', ')})`);
  return v as T;
}

/** What the user typed, for messages: strings quoted, so `abc` and `""` are visible as such. */
const given = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function num(v: unknown, flag: string): number {
  if (Array.isArray(v)) throw new UsageError(`${flag} given more than once`);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isNaN(n)) throw new UsageError(`${flag}: ${given(v)} is not a number`);
  return n;
}

function int(v: unknown, flag: string, min: number, max: number): number {
  const n = num(v, flag);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer ${min}..${max} (got ${given(v)})`);
  return n;
}

function rate(v: unknown): number {
  const n = num(v, '--rate');
  const { min, max } = LIMITS.rate;
  if (n !== 0 && !(n >= min && n <= max)) throw new UsageError(`--rate must be 0 (unlimited) or ${min}..${max} ops/s (got ${given(v)})`);
  return n;
}

function positive(v: unknown, flag: string): number {
  const n = num(v, flag);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag} must be > 0 (got ${given(v)})`);
  return n;
}

/** The check's default time budget (--checker-timeout): 5 minutes, then unknown. */
export const DEFAULT_CHECKER_TIMEOUT_MS = 300_000;

/**
 * Client ops must time out well within one fault: a thread of a node cut off by a partition
 * whose write hangs for the whole partition never reads there, and stale reads go unseen (the
 * planted stale-read bug slipped through runs that way). So under a nemesis the default is a
 * third of the interval (at least 100 ms), capped at 2 s.
 */
export function defaultOpTimeoutMs(nemesis: boolean, nemesisIntervalMs: number): number {
  const base = 2000;
  return nemesis ? Math.max(100, Math.min(base, Math.round(nemesisIntervalMs / 3))) : base;
}

/** Seconds (fractions allowed) -> whole milliseconds, within LIMITS.seconds (from 0 when zeroOk). */
function seconds(v: unknown, flag: string, zeroOk = false): number {
  const n = num(v, flag);
  const min = zeroOk ? 0 : LIMITS.seconds.min;
  const max = LIMITS.seconds.max;
  if (!(n >= min && n <= max)) throw new UsageError(`${flag} must be ${min}..${max} seconds (got ${given(v)})`);
  return Math.round(n * 1000);
}
