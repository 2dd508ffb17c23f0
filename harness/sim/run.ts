/**
 * `jepsen-ts test --runtime sim`: one run of the paxos suite simulated (simulate.ts), stored and
 * judged as a real run is (harness/run.ts): a run dir with test.json, history.jsonl, the nodes'
 * decided logs and applied states, results.json from the same checkers, report.html, the same
 * verdict lines and exit codes. Not harness/run.ts itself: its phases wait on real timers and
 * talk to processes; this loop shares its store, checkers, report and verdict instead.
 * results.json holds nothing the wall clock decides (no start-up timeline, no achieved rate),
 * so a seed gives the same bytes every time; test.json says when it ran and how to replay it.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkAll, type CheckResult, type Validity } from '../../ground/checker.js';
import { EXIT, exitCodeFor } from '../../ground/exit.js';
import type { History } from '../../ground/history.js';
import type { Schedule } from '../../ground/nemesis.js';
import type { TestDefinition } from '../../ground/test.js';
import { flagSchedule } from '../../nemesis/schedule.js';
import { namedSchedule } from '../../nemesis/schedules.js';
import { nemesisFromSpec } from '../../nemesis/index.js';
import { nemesisOptionsOf, replayCommand, workloadOptionsOf, type TestConfig } from '../options.js';
import { countOps, printVerdict, writeReportQuietly, type ResultsFile, type RunOutcome } from '../run.js';
import { createRunDir, FILES, testRecord, updateLatest, writeJson } from '../store.js';
import { checkersOf, workloadOf } from '../suite.js';
import type { Interrupts } from '../interrupts.js';
import { nodeErrorsChecker } from './node-errors.js';
import { refuseUnsimulated } from './options.js';
import { simulate } from './simulate.js';
import { describeSwarm, swarmOf, type SwarmChoice } from './swarm.js';

/**
 * Where the verdict goes, and the command's interrupts (absent: none). The simulation cannot be
 * stopped half-way (it never yields to the event loop, where signals arrive); an interrupt seen
 * after it skips or cancels the check, and the run ends as interrupted with its history kept.
 */
export interface SimIo {
  out: NodeJS.WritableStream;
  interrupts?: Interrupts;
}

export async function runSimTest(config: TestConfig, test: TestDefinition, io: SimIo): Promise<RunOutcome> {
  refuseUnsimulated(config, test);
  // test.json and the replay command keep the user's flags (--swarm redraws the rest); the run uses the drawn ones.
  const swarm = config.swarm ? swarmOf(config) : null;
  const run = swarm?.config ?? config;
  if (swarm) refuseUnsimulated(run, test); // what the swarm drew must be simulable too
  const workload = workloadOf(test, run.workload, workloadOptionsOf(run));
  const schedule = scheduleOf(run, test);
  const say = (line: string) => io.out.write(`${line}\n`);
  const start = new Date(); // names the run dir and dates test.json; the simulation never sees it
  const runDir = createRunDir(config.resultsDir, config.name, start);
  mkdirSync(join(runDir, FILES.nodes), { recursive: true });
  writeJson(join(runDir, FILES.test), testRecord(config, start));
  const replay = replayCommand(config);
  say(`jepsen-ts test ${config.name}: simulated, ${config.nodes.length} nodes, ${config.workload}, nemesis ${config.schedule ? `schedule ${config.schedule}` : config.nemesis.join(',') || 'none'}, seed ${config.seed}`);
  say(`run dir: ${runDir}`);
  say(`replay: ${replay}`);
  if (swarm) say(`swarm: ${describeSwarm(swarm.choice)}`);

  let crashed: Error | null = null;
  let interrupted = false;
  let valid: Validity = 'unknown';
  let results: Record<string, CheckResult> = {};
  let sim: Awaited<ReturnType<typeof simulate>> | null = null;
  try {
    sim = await simulate(run, workload, schedule, test.sim, swarm?.choice.network);
    updateLatest(config.resultsDir, runDir);
    writeHistory(runDir, sim.history);
    for (const [node, log] of Object.entries(sim.decidedLogs)) writeNodeFile(runDir, node, FILES.decidedLog, log);
    for (const [node, state] of Object.entries(sim.replicaStates)) writeNodeFile(runDir, node, FILES.replicaState, state);
    for (const [node, text] of Object.entries(sim.eventLogs())) writeNodeText(runDir, node, EVENTS_FILE, text);
    for (const e of sim.coreErrors) say(`node error: ${e}`);
    if (io.interrupts) io.interrupts.stopping = 'cancelling the check; the history is kept';
    if (!io.interrupts?.interrupted) {
      const checkers = [...(await checkersOf(test, run.workload, workload)), nodeErrorsChecker(sim.coreErrors)];
      ({ valid, results } = await checkAll(checkers, sim.history, { runDir, decidedLogs: sim.decidedLogs, replicaStates: sim.replicaStates, replay: test.db.replay, dbName: test.db.name, signal: io.interrupts?.signal, ...(config.checkerTimeoutMs !== undefined ? { timeoutMs: config.checkerTimeoutMs } : {}) }));
    }
    interrupted = io.interrupts?.interrupted ?? false;
  } catch (err) {
    crashed = err as Error;
    say(`harness crashed: ${crashed.stack ?? String(crashed)}`);
  }
  const exit = crashed ? EXIT.crash : interrupted ? EXIT.unknown : exitCodeFor(valid);
  const file: ResultsFile & { simulated: true; coreErrors: string[]; swarm?: SwarmChoice } = {
    valid,
    exit,
    results,
    interrupted,
    crashed: crashed ? (crashed.stack ?? String(crashed)) : null,
    counts: countOps(sim?.history ?? []),
    decidedLogErrors: sim?.collectErrors ?? {},
    nemesisErrors: sim?.nemesisErrors ?? [],
    nemesisCycles: sim?.nemesisCycles ?? 0,
    ...(sim ? { faults: sim.coverage } : {}),
    finalReadsMissing: sim?.finalReadsMissing ?? 0,
    simulated: true,
    coreErrors: sim?.coreErrors ?? [],
    ...(swarm ? { swarm: swarm.choice } : {}),
  };
  writeJson(join(runDir, CHECK_TIMES_FILE), moveCheckTimes(results));
  writeJson(join(runDir, FILES.results), file);
  await writeReportQuietly(runDir, say);
  printVerdict(io.out, file, runDir);
  if (swarm) say(`swarm: ${describeSwarm(swarm.choice)}`);
  if (interrupted) say(`interrupted: re-check what was recorded with: jepsen-ts analyze ${runDir}`);
  say(`replay: ${replay}`);
  return { exit, valid, runDir, interrupted };
}

/** A node's event log (the name paxos/eventlog.ts's logs have in a real run's nodes/<n>/). */
const EVENTS_FILE = 'events.jsonl';

/** Where a simulated run keeps what its checkers took in wall time (results.json must not: it varies run to run). */
export const CHECK_TIMES_FILE = 'check-times.json';

/** Takes each checker's top-level `elapsedMs` out of `results`; returns them by checker. */
function moveCheckTimes(results: Record<string, CheckResult>): Record<string, number> {
  const times: Record<string, number> = {};
  for (const [name, r] of Object.entries(results)) {
    if (typeof r.elapsedMs !== 'number') continue;
    times[name] = r.elapsedMs;
    delete r.elapsedMs;
  }
  return times;
}

/** --schedule's named schedule, else --nemesis as the flag schedule (null: no faults). */
export function scheduleOf(config: TestConfig, test: TestDefinition): Schedule | null {
  if (config.schedule) return namedSchedule(config.schedule, { nodes: config.nodes, intervalMs: config.nemesisIntervalMs, leaderAware: test.db.leader !== undefined });
  if (config.nemesis.length === 0) return null;
  const opts = nemesisOptionsOf(config);
  const nemesis = nemesisFromSpec(config.nemesis.join(','), { ...opts, leaderAware: test.db.leader !== undefined });
  return flagSchedule(nemesis, config.nemesisIntervalMs);
}

function writeHistory(runDir: string, history: History): void {
  writeFileSync(join(runDir, FILES.history), history.map((op) => `${JSON.stringify(op)}\n`).join(''), { flag: 'wx' });
}

function writeNodeText(runDir: string, node: string, file: string, chunks: string[]): void {
  mkdirSync(join(runDir, FILES.nodes, node), { recursive: true });
  const fd = openSync(join(runDir, FILES.nodes, node, file), 'wx');
  try {
    for (const chunk of chunks) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

function writeNodeFile(runDir: string, node: string, file: string, value: unknown): void {
  mkdirSync(join(runDir, FILES.nodes, node), { recursive: true });
  writeJson(join(runDir, FILES.nodes, node, file), value);
}
