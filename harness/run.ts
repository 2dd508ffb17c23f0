/**
 * The lifecycle of one test run (ARCHITECTURE.md "The flow of one test run"):
 *   preflight (refuse before anything starts) -> run dir + test.json -> runtime.setup ->
 *   main (clients + nemesis for the time limit) -> heal (every fault stops) ->
 *   recovery (reads) -> final reads -> decided logs + node logs -> teardown (ALWAYS) ->
 *   checkers -> results.json + report.html -> exit code.
 * A crash of the harness still tears down and exits 255; an interrupt (Ctrl-C) tears down and
 * exits 2 with the history kept for `jepsen-ts analyze`.
 * Start-up is on the user's clock (bench:startup): what is needed only after the run (the
 * checkers, the report and its d3) is imported when it is needed, and results.json records
 * where the start-up time went (StartupTimeline).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, DecidedEntry, ReplicaState, Validity } from '../ground/checker.js';
import type { Client } from '../ground/client.js';
import type { Db } from '../ground/db.js';
import { EXIT, exitCodeFor } from '../ground/exit.js';
import { ClientThreads } from './generator.js';
import { deadline, wallTimers, withDeadline } from '../ground/time.js';
import { FINAL_READS_MARK, type History } from '../ground/history.js';
import { HistoryWriter } from './historyWriter.js';
import type { Interrupts } from './interrupts.js';
import { burstThreadsOf, SETUP_LIMIT_MS, workloadOptionsOf, type TestConfig } from './options.js';
import { Progress, rateLines, type RateSummary } from './progress.js';
import { Rng } from '../ground/rng.js';
import type { NodeEndpoint, NodeName, Runtime, RuntimeNeeds } from '../ground/runtime.js';
import { createRunDir, fileErrorLine, FILES, testRecord, updateLatest, writeJson } from './store.js';
import type { Nemesis, NemesisContext, Schedule } from '../ground/nemesis.js';
import { healSchedule, runSchedule } from '../nemesis/schedule.js';
import { namedSchedule } from '../nemesis/schedules.js';
import { countFault, coverageLine, coverageWarnings, emptyCoverage, type FaultCoverage } from '../nemesis/coverage.js';
import type { Workload } from '../ground/workload.js';
import type { TestDefinition } from '../ground/test.js';
import { checkersOf, workloadOf } from './suite.js';
import { oneLine } from './one-line.js';

/** The real parts a run is made of (wired by commands/test.ts; swappable for other systems). */
export interface RunDeps {
  /** The system under test and its workloads. */
  test: TestDefinition;
  /**
   * Throws (or rejects with) UsageError for a runtime that cannot be used. May be async, so a
   * heavy runtime (docker: dockerode, protobufjs) is loaded only when it is chosen.
   */
  runtime(config: TestConfig): Runtime | Promise<Runtime>;
  /**
   * The composed nemesis of the config, or null for none. Throws UsageError on a bad spec.
   * `needs` says what the runtime must support (preflight); without it, none is assumed.
   */
  nemesis(config: TestConfig): (Nemesis & { readonly needs?: RuntimeNeeds }) | null;
  /** Runs the fault schedule until `signal` aborts; failed starts/stops are returned, not thrown. */
  runNemesis(nemesis: Nemesis, ctx: NemesisContext, opts: { intervalMs: number; signal: AbortSignal }): Promise<{ cycles: number; errors: string[] }>;
}

export interface RunIo {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  interrupts: Interrupts;
}

export interface RunOutcome {
  exit: number;
  valid: Validity;
  runDir: string;
  interrupted: boolean;
}

export interface ResultsFile {
  valid: Validity;
  exit: number;
  results: Record<string, CheckResult>;
  interrupted: boolean;
  crashed: string | null;
  counts: Record<string, number>;
  decidedLogErrors: Record<string, string>;
  /** Fault starts/stops that failed (also in the history as nemesis-error ops). */
  nemesisErrors: string[];
  nemesisCycles: number;
  /** What the nemesis injected, by kind and shape/target (absent from runs recorded before it existed). */
  faults?: FaultCoverage;
  finalReadsMissing: number;
  /** Set by `jepsen-ts analyze`. */
  analyzedAt?: string;
  /** Where the start-up time went (absent from runs recorded before it existed). */
  timeline?: StartupTimeline;
  /** The main phase's achieved rate against --rate (absent: recorded before it existed, or no main phase). */
  rate?: RateSummary;
}

/**
 * Wall-clock marks of one run's start-up, in epoch milliseconds with sub-millisecond precision
 * (performance.timeOrigin + performance.now()). With history.jsonl's `time` (ns since
 * historyStart) they give the exact wall time of every op, e.g. the first completed one.
 */
export interface StartupTimeline {
  /** The CLI process began (before any module was loaded). */
  processStart: number;
  /** runTest was entered: modules loaded, options parsed and validated. */
  runStart: number;
  /** Time 0 of the history's `time` field. */
  historyStart: number;
  /** runtime.setup returned: every node answered its readiness probe (null: it never did). */
  nodesReady: number | null;
  /** Clients open and the workload set up: the main phase's first op is about to be invoked. */
  mainStart: number | null;
}

/** Now, in epoch ms with sub-ms precision (monotonic within this process). */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** harness/report's REPORT_FILE, restated so the report module (and d3) loads only to write one. */
export const REPORT_FILE = 'report.html';

/** Teardowns of the runs in progress, for a last-resort cleanup on an uncaught exception. */
const activeTeardowns = new Set<() => Promise<void>>();

/** Tears down every run in progress (used when the harness dies of an uncaught error). */
export async function emergencyTeardown(): Promise<void> {
  await Promise.allSettled([...activeTeardowns].map((t) => t()));
}

const DECIDED_LOG_TIMEOUT_MS = 15_000;
const LEADER_QUERY_TIMEOUT_MS = 1_000;

export async function runTest(config: TestConfig, deps: RunDeps, io: RunIo): Promise<RunOutcome> {
  const runStart = epochMs();
  // Everything that can refuse does so before a single process starts.
  // What to preflight is what the composed nemesis needs (`all` includes the clock), not the
  // names as typed.
  await deps.test.db.preflight?.();
  const schedule = scheduleOf(config, deps.test);
  const nemesis = schedule ? null : deps.nemesis(config);
  const runtime = await deps.runtime(config);
  await runtime.preflight(schedule?.needs ?? nemesis?.needs ?? { clock: false, packet: false });
  const workload = workloadOf(deps.test, config.workload, workloadOptionsOf(config));
  const db = deps.test.db;

  const start = new Date();
  const runDir = createRunDir(config.resultsDir, config.name, start);
  const progress = new Progress({ out: io.out, timeLimitMs: config.timeLimitMs });
  let history: HistoryWriter;
  try {
    mkdirSync(join(runDir, FILES.nodes), { recursive: true });
    writeJson(join(runDir, FILES.test), testRecord(config, start));
    history = await HistoryWriter.create(join(runDir, FILES.history), { onOp: (op) => progress.onOp(op) });
  } catch (err) {
    rmSync(runDir, { recursive: true, force: true }); // nothing started: no half-made run dir (a full disk)
    throw err;
  }
  const timeline: StartupTimeline = { processStart: performance.timeOrigin, runStart, historyStart: epochMs() - history.now() / 1e6, nodesReady: null, mainStart: null };
  const rng = new Rng(config.seed);
  const say = (line: string) => progress.message(line);
  say(`jepsen-ts test ${config.name}: ${config.nodes.length} nodes, ${config.workload}, nemesis ${schedule ? `schedule ${schedule.name}` : config.nemesis.join(',') || 'none'}, seed ${config.seed}`);
  say(`run dir: ${runDir}`);
  progress.start();

  const clients: Client[] = [];
  let endpoints: NodeEndpoint[] = [];
  let crashed: Error | null = null;
  let finalReadsMissing = 0;
  let faults = { cycles: 0, errors: [] as string[] };
  const coverage = emptyCoverage(schedule ? (schedule.kinds ?? []) : config.nemesis);
  const decidedLogs: Record<string, DecidedEntry[]> = {};
  const decidedLogErrors: Record<string, string> = {};
  let replicaStates: Record<string, ReplicaState> | undefined;
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    activeTeardowns.delete(teardown);
    progress.setPhase('teardown');
    await runtime.teardown();
  };
  activeTeardowns.add(teardown);

  try {
    progress.setPhase('setup');
    // Made before setup: a client may start loading its libraries while the nodes boot.
    const unopened = Array.from({ length: config.concurrency + burstThreadsOf(config) }, () => workload.client());
    endpoints = await runtime.setup({
      runId: `jt-${process.pid}-${start.getTime().toString(36)}`,
      nodes: config.nodes,
      db: db,
      runDir,
      dbArgs: config.bug ? ['--bug', config.bug] : [],
    });
    timeline.nodesReady = epochMs();
    // Only now: a run refused at setup keeps its dir (results.json: crashed) but is not the latest.
    updateLatest(config.resultsDir, runDir);
    for (const [t, client] of unopened.entries()) {
      await client.open(endpoints[t % endpoints.length]); // threads bind to nodes round-robin
      clients.push(client);
    }
    const setup = workload.setup?.bind(workload);
    if (setup) await withDeadline(SETUP_LIMIT_MS, io.interrupts.signal, (signal) => setup(clients[0], signal));
    timeline.mainStart = epochMs();

    const threads = new ClientThreads({ clients, record: (f) => history.append(f), rng: rng.fork(), rate: config.rate, burstThreads: burstThreadsOf(config) });
    const ctx = { ...nemesisContext(runtime, config.nodes, rng.fork(), history, db, endpoints, coverage), burst: (on: boolean) => threads.unthrottle(on) };
    faults = await mainPhase(config, deps, workload, threads, { schedule, nemesis }, ctx, io, progress);
    for (const e of faults.errors) say(`nemesis error: ${e}`);
    if (!io.interrupts.interrupted) {
      progress.setPhase('recovery');
      await withDeadline(config.recoveryTimeMs, io.interrupts.signal, (signal) => threads.runPhase((r, t) => workload.recoveryOp(r, t), signal));
      const finals = workload.finalOps();
      if (finals.length) {
        progress.setPhase('final reads');
        // Marks where the final reads begin, for the final-reads checker (checkers/finalreads.ts).
        history.append({ process: 'nemesis', type: 'info', f: FINAL_READS_MARK, value: null });
        // One pass of the final reads on each node: thread i is bound to node i.
        const perThread = clients.map((_, t) => (t < endpoints.length ? finals : []));
        const limitMs = Math.max(10_000, 3 * config.opTimeoutMs);
        finalReadsMissing = await withDeadline(limitMs, io.interrupts.signal, (signal) => threads.runUntilOk(perThread, signal));
        if (finalReadsMissing) say(`warning: ${finalReadsMissing} final read(s) never succeeded`);
      }
    }
    progress.setPhase('collect');
    replicaStates = await collectReplicaStates(db, endpoints, runDir, decidedLogErrors);
    await collectDecidedLogs(db, endpoints, runDir, decidedLogs, decidedLogErrors);
    await runtime.collectLogs();
    for (const w of runtime.warnings?.() ?? []) say(`warning: ${w}`);
  } catch (err) {
    crashed = err as Error;
    // Nodes that never came up are the system's (or its Db's) failure, not a harness bug: one
    // line, its stderr tail is in the node's stderr.log (results.json keeps the whole message).
    if (timeline.nodesReady === null) say(`setup failed: ${oneLine(crashed.message ?? String(crashed))}`);
    else say(`harness crashed: ${fileErrorLine(crashed) ?? crashed.stack ?? String(crashed)}`);
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    if (!config.leaveDbRunning || crashed) await teardown().catch((err) => say(`teardown failed: ${(err as Error).message}`));
    await history.close().catch((err) => {
      crashed ??= err as Error;
      say(`history: ${(err as Error).message}`);
    });
  }

  try {
    let interrupted = io.interrupts.interrupted;
    let valid: Validity = 'unknown';
    let results: Record<string, CheckResult> = {};
    if (!crashed && !interrupted) {
      // An interrupt now cancels the check (what finished is kept in results.json, marked interrupted).
      const stopping = io.interrupts.stopping;
      io.interrupts.stopping = 'cancelling the check; the history is kept';
      progress.setPhase('checking');
      const [{ checkAll }, checkers] = await Promise.all([import('../ground/checker.js'), checkersOf(deps.test, config.workload, workload)]);
      ({ valid, results } = await checkAll(checkers, history.ops, { runDir, decidedLogs, replicaStates, replay: db.replay, dbName: db.name, signal: io.interrupts.signal, ...(config.checkerTimeoutMs !== undefined ? { timeoutMs: config.checkerTimeoutMs } : {}) }));
      io.interrupts.stopping = stopping;
      interrupted = io.interrupts.interrupted;
    }
    let exit: number = crashed ? EXIT.crash : interrupted ? EXIT.unknown : exitCodeFor(valid);
    const main = progress.mainPhase();
    const rate = main && main.seconds > 0 ? { requested: config.rate, concurrency: config.concurrency, ...main, achieved: main.invoked / main.seconds } : undefined;
    const file: ResultsFile = { valid, exit, results, interrupted, crashed: crashed ? (crashed.stack ?? String(crashed)) : null, counts: countOps(history.ops), decidedLogErrors, nemesisErrors: faults.errors, nemesisCycles: faults.cycles, faults: coverage, finalReadsMissing, timeline, ...(rate ? { rate } : {}) };
    try {
      writeJson(join(runDir, FILES.results), file);
    } catch (err) {
      // A full disk: the verdict is printed below but not stored, so the run counts as crashed.
      const line = fileErrorLine(err);
      if (line === null) throw err;
      say(`results: ${line}`);
      file.crashed ??= `results: ${line}`;
      file.exit = exit = EXIT.crash;
    }
    await writeReportQuietly(runDir, say);
    progress.stop();
    printVerdict(io.out, file, runDir);
    if (interrupted) io.out.write(`interrupted: re-check what was recorded with: jepsen-ts analyze ${runDir}\n`);
    if (config.leaveDbRunning && !tornDown) {
      io.out.write(`nodes left running: ${endpoints.map((e) => `${e.name} ${e.clientUrl}`).join(', ')}\npress Ctrl-C to stop them\n`);
      await new Promise<void>((resolve) => (io.interrupts.signal.aborted ? resolve() : io.interrupts.signal.addEventListener('abort', () => resolve(), { once: true })));
    }
    return { exit, valid, runDir, interrupted };
  } finally {
    progress.stop();
    await teardown().catch((err) => io.out.write(`teardown failed: ${(err as Error).message}\n`));
  }
}


/** Clients and the nemesis together for the time limit; then every fault is healed. */
async function mainPhase(config: TestConfig, deps: RunDeps, workload: Workload, threads: ClientThreads, { schedule, nemesis }: { schedule: Schedule | null; nemesis: Nemesis | null }, ctx: NemesisContext, io: RunIo, progress: Progress): Promise<{ cycles: number; errors: string[] }> {
  progress.setPhase('main');
  const main = deadline(config.timeLimitMs, io.interrupts.signal);
  const stopFaults = new AbortController();
  const faults = schedule
    ? runSchedule(schedule, ctx, { signal: stopFaults.signal })
    : nemesis
      ? deps.runNemesis(nemesis, ctx, { intervalMs: config.nemesisIntervalMs, signal: stopFaults.signal })
      : Promise.resolve({ cycles: 0, errors: [] });
  try {
    const ops = workload.generator?.();
    await (ops ? threads.runGenerator(ops, main.signal) : threads.runPhase((r, t) => workload.nextOp(r, t), main.signal));
  } finally {
    main.clear();
    stopFaults.abort();
    progress.setPhase('heal');
  }
  const result = await faults;
  // The schedule stopped every fault once more at its end; a stop is a no-op when nothing is in force, and this
  // one is the heal the recovery phase relies on, so a failure here is a harness failure.
  if (schedule) await healSchedule(schedule, ctx);
  if (nemesis) await nemesis.stop({ ...ctx, lastStop: true });
  return result;
}

/** The fault schedule of a run, if not the --nemesis flags: the test definition's own, else --schedule's. */
function scheduleOf(config: TestConfig, test: TestDefinition): Schedule | null {
  const ctx = { nodes: config.nodes, intervalMs: config.nemesisIntervalMs, leaderAware: test.db.leader !== undefined };
  return test.schedule?.(ctx) ?? (config.schedule ? namedSchedule(config.schedule, ctx) : null);
}

function nemesisContext(runtime: Runtime, nodes: NodeName[], rng: Rng, history: HistoryWriter, db: Db, endpoints: NodeEndpoint[], coverage: FaultCoverage): NemesisContext {
  return {
    runtime,
    time: wallTimers,
    nodes,
    rng,
    record: (f, value) => void history.append({ process: 'nemesis', type: 'info', f, value: value ?? null }),
    leader: () => askLeader(db, endpoints),
    injected: (kind, detail) => countFault(coverage, kind, detail),
  };
}

/** The leader most nodes name (ties: the first named); null when no node knows. */
async function askLeader(db: Db, endpoints: NodeEndpoint[]): Promise<NodeName | null> {
  if (!db.leader) return null;
  const ask = db.leader.bind(db);
  const answers = await Promise.all(
    endpoints.map(async (e) => {
      let timer: NodeJS.Timeout | undefined; // cleared once answered: a pending one keeps the CLI alive
      try {
        return await Promise.race([ask(e.clientUrl).catch(() => null), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), LEADER_QUERY_TIMEOUT_MS)))]);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const votes = new Map<NodeName, number>();
  for (const a of answers) if (a) votes.set(a, (votes.get(a) ?? 0) + 1);
  let best: NodeName | null = null;
  for (const [name, n] of votes) if (best === null || n > (votes.get(best) ?? 0)) best = name;
  return best;
}

async function collectDecidedLogs(db: Db, endpoints: NodeEndpoint[], runDir: string, into: Record<string, DecidedEntry[]>, errors: Record<string, string>): Promise<void> {
  if (!db.decidedLog) return;
  const fetchLog = db.decidedLog.bind(db);
  await collectPerNode(endpoints, runDir, FILES.decidedLog, fetchLog, into, errors);
}

/**
 * Every node's applied state (Db.stateDigests), saved as nodes/<n>/replica-state.json; undefined
 * when the db offers none. Fetched BEFORE the decided logs: a log fetched later holds every
 * slot the state had applied, so the checker can replay the log up to the state's index.
 */
async function collectReplicaStates(db: Db, endpoints: NodeEndpoint[], runDir: string, errors: Record<string, string>): Promise<Record<string, ReplicaState> | undefined> {
  if (!db.stateDigests) return undefined;
  const into: Record<string, ReplicaState> = {};
  const failed: Record<string, string> = {};
  await collectPerNode(endpoints, runDir, FILES.replicaState, db.stateDigests.bind(db), into, failed);
  for (const [node, message] of Object.entries(failed)) errors[`${node} replica-state`] = message;
  return into;
}

/** `fetch` of every node at once, each bounded by DECIDED_LOG_TIMEOUT_MS, kept in `into` and nodes/<n>/<file>. */
async function collectPerNode<T>(endpoints: NodeEndpoint[], runDir: string, file: string, fetch: (clientUrl: string) => Promise<T>, into: Record<string, T>, errors: Record<string, string>): Promise<void> {
  await Promise.all(
    endpoints.map(async (e) => {
      // The timer is cleared once the answer is in: a pending one would keep the CLI alive.
      let timer: NodeJS.Timeout | undefined;
      try {
        const value = await Promise.race([
          fetch(e.clientUrl),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${DECIDED_LOG_TIMEOUT_MS} ms`)), DECIDED_LOG_TIMEOUT_MS);
          }),
        ]);
        into[e.name] = value;
        mkdirSync(join(runDir, FILES.nodes, e.name), { recursive: true });
        writeJson(join(runDir, FILES.nodes, e.name, file), value);
      } catch (err) {
        errors[e.name] = (err as Error).message;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** report.html next to results.json; a report that cannot be drawn never changes the verdict. */
export async function writeReportQuietly(runDir: string, say: (line: string) => void): Promise<void> {
  try {
    const { writeReport } = await import('./report/index.js');
    await writeReport(runDir);
  } catch (err) {
    say(`report.html not written (${fileErrorLine(err) ?? (err as Error).message}); retry with: jepsen-ts report ${runDir}`);
  }
}

export function countOps(history: History): Record<string, number> {
  const counts: Record<string, number> = { ok: 0, fail: 0, info: 0, nemesis: 0 };
  for (const op of history) {
    if (op.process === 'nemesis') counts.nemesis++;
    else if (op.type !== 'invoke') counts[op.type]++;
  }
  return counts;
}

const MAX_NEMESIS_ERRORS_SHOWN = 5;

/**
 * What the verdict must add when faults failed to apply: a VALID run whose partitions never
 * started proved less than it seems (the exit code stays the checkers'; the words change).
 */
export function faultCaveat(file: Pick<ResultsFile, 'nemesisErrors'>): string {
  const n = file.nemesisErrors?.length ?? 0;
  if (n === 0) return '';
  return ` (but ${n} nemesis error${n === 1 ? '' : 's'}: faults were not all applied as scheduled)`;
}

/** The last lines of a run: one per checker, then the verdict and where everything is. */
export function printVerdict(out: NodeJS.WritableStream, file: ResultsFile, runDir: string): void {
  for (const [name, r] of Object.entries(file.results)) out.write(`  ${name}: ${String(r.valid)}${r.error ? ` (${String(r.error).split('\n')[0]})` : ''}\n`);
  const word = file.crashed ? 'CRASHED' : file.interrupted ? 'INTERRUPTED' : file.valid === true ? 'VALID' : file.valid === false ? 'INVALID' : 'UNKNOWN';
  const failing = Object.entries(file.results).filter(([, r]) => r.valid === false).map(([n]) => n);
  const c = file.counts;
  const nemesisErrors = file.nemesisErrors ?? [];
  for (const e of nemesisErrors.slice(0, MAX_NEMESIS_ERRORS_SHOWN)) out.write(`  nemesis error: ${e.split('\n')[0]}\n`);
  if (nemesisErrors.length > MAX_NEMESIS_ERRORS_SHOWN) out.write(`  ... and ${nemesisErrors.length - MAX_NEMESIS_ERRORS_SHOWN} more nemesis errors (results.json)\n`);
  for (const line of file.rate ? rateLines(file.rate) : []) out.write(`${line}\n`);
  if (file.faults && file.faults.requested.length > 0) {
    out.write(`  faults injected: ${coverageLine(file.faults)}\n`);
    for (const w of coverageWarnings(file.faults)) out.write(`  ${w}\n`);
  }
  out.write(`verdict: ${word}${failing.length ? ` (${failing.join(', ')})` : ''}${faultCaveat(file)}  ok ${c.ok} fail ${c.fail} info ${c.info}  exit ${file.exit}\n`);
  if (existsSync(join(runDir, REPORT_FILE))) out.write(`report: ${join(runDir, REPORT_FILE)}\n`);
  out.write(`results: ${runDir}\n`);
}
