/**
 * One test, simulated: the phases of harness/run.ts (main: clients and nemesis for the time
 * limit; heal; recovery reads; final reads on every node; the decided logs and applied states
 * collected) on a simulated cluster in virtual time, from one seed. Same seed and config, same
 * history, to the byte: every random choice is drawn from Rngs forked from the seed in a fixed
 * order, every event is ordered by the Scheduler, and withoutWallClock (guard.ts) makes any read
 * of real time or Math.random a crash.
 */
import type { DecidedEntry, ReplicaState } from '../../ground/checker.js';
import { FINAL_READS_MARK, type History } from '../../ground/history.js';
import type { NemesisContext, Schedule } from '../../ground/nemesis.js';
import { Rng } from '../../ground/rng.js';
import type { SimSystem } from '../../ground/sim.js';
import type { Workload } from '../../ground/workload.js';
import type { BugName } from '../../paxos/core/types.js';
import type { OpProtocol } from '../../paxos/exchanges.js';
import { countFault, emptyCoverage, type FaultCoverage } from '../../nemesis/coverage.js';
import { burstThreadsOf, SETUP_LIMIT_MS, type TestConfig } from '../options.js';
import { SimCluster } from './cluster.js';
import type { SimHost } from './host.js';
import { invokeOn, openAccountsOn, SIM_PROTOCOLS } from './client.js';
import { withoutWallClock } from './guard.js';
import { SimHistory } from './history.js';
import { DEFAULT_NETWORK, SimNetwork, type NetworkShape } from './network.js';
import { simEndpoint, simRuntime } from './runtime.js';
import { Scheduler } from './scheduler.js';
import { startSchedule, type SimScheduleRun } from './schedule.js';
import { SimThreads } from './threads.js';
import { UserCluster } from './user-cluster.js';
import { invokeUser } from './user-client.js';

export interface Simulated {
  history: History;
  nemesisCycles: number;
  nemesisErrors: string[];
  coverage: FaultCoverage;
  finalReadsMissing: number;
  decidedLogs: Record<string, DecidedEntry[]>;
  replicaStates: Record<string, ReplicaState>;
  /** Per node: why its log or state could not be collected (it was down). */
  collectErrors: Record<string, string>;
  /** Cores (or a user's nodes) that threw, each taking its node down: the node-errors checker's input. */
  coreErrors: string[];
  /**
   * Each node's event log, as events.jsonl holds it (events.ts), formatted when asked: run.ts
   * asks when it writes the run; a sweep judging seeds in memory never does (formatting is a
   * tenth of a run's CPU).
   */
  eventLogs: () => Record<string, string[]>;
  /** For the bench and tests: virtual ms simulated, callbacks run, core steps, what the network and disks did. */
  stats: { virtualMs: number; events: number; steps: number; dropped: number; duplicated: number; shaped: SimNetwork['shaped']; syncs: SimHost<unknown, unknown, unknown>['syncs'] };
}

/** The client protocol of a Paxos workload (refuseUnsimulated keeps the others out). */
function protocolOf(workload: string): OpProtocol {
  const make = SIM_PROTOCOLS[workload];
  if (!make) throw new Error(`sim: workload ${workload} is not simulated`);
  return make();
}

/** Final reads retry this often, and get at least FINAL_READS_MS (as harness/run.ts). */
const RETRY_MS = 200;
const FINAL_READS_MS = 10_000;

/**
 * Simulates a run of `config` with `workload` and the fault `schedule` (null: none), on
 * paxos/core nodes, or on the user's `system` when given (then nothing is collected: no decided
 * logs or states, no event logs), over the `network` (a swarm draws its own).
 */
export function simulate(config: TestConfig, workload: Workload, schedule: Schedule | null, system?: SimSystem, network: NetworkShape = DEFAULT_NETWORK): Promise<Simulated> {
  return withoutWallClock(() => simulateUnguarded(config, workload, schedule, system, network));
}

async function simulateUnguarded(config: TestConfig, workload: Workload, schedule: Schedule | null, system: SimSystem | undefined, shape: NetworkShape): Promise<Simulated> {
  const sched = new Scheduler();
  const rng = new Rng(config.seed);
  // Forked in a fixed order: threads and nemesis as harness/run.ts forks them, then the sim's own.
  const threadsRng = rng.fork();
  const nemesisRng = rng.fork();
  const clusterRng = rng.fork();
  const network = new SimNetwork(rng.fork(), shape);
  const user = system ? new UserCluster(sched, config.nodes, system, config.bug, clusterRng, network) : null;
  const paxos = user ? null : new SimCluster(sched, config.nodes, config.bug as BugName | null, clusterRng, network);
  const cluster = (user ?? paxos)!;
  const runtime = simRuntime(cluster);
  const history = new SimHistory(sched);
  const coverage = emptyCoverage(schedule?.kinds ?? config.nemesis);
  for (const n of config.nodes) cluster.start(n);
  const endpoints = config.nodes.map(simEndpoint);
  const protocol = user ? null : protocolOf(config.workload);

  const threads = new SimThreads({
    sched,
    concurrency: config.concurrency + burstThreadsOf(config),
    burstThreads: burstThreadsOf(config),
    rng: threadsRng,
    rate: config.rate,
    record: (f) => history.append(f),
    // Threads bind to nodes round-robin.
    invoke: (t, spec, done) => {
      const node = endpoints[t % endpoints.length].name;
      if (user) invokeUser(user, system!, sched, node, config.opTimeoutMs, spec, done);
      else invokeOn(paxos!, sched, node, config.opTimeoutMs, protocol!, spec, done);
    },
  });
  const ctx: NemesisContext = {
    runtime,
    time: sched.timers,
    nodes: config.nodes,
    rng: nemesisRng,
    record: (f, value) => void history.append({ process: 'nemesis', type: 'info', f, value: value ?? null }),
    leader: async () => cluster.leader(),
    injected: (kind, detail) => countFault(coverage, kind, detail),
    burst: (on) => threads.unthrottle(on),
  };
  let faults = null as SimScheduleRun | null; // set when the main phase starts
  let finalReadsMissing = 0;

  const finalReads = () => {
    const finals = workload.finalOps();
    if (finals.length === 0) return sched.stop();
    history.append({ process: 'nemesis', type: 'info', f: FINAL_READS_MARK, value: null });
    const perThread = Array.from({ length: config.concurrency }, (_, t) => (t < endpoints.length ? finals : []));
    threads.runUntilOk(perThread, sched.now() + Math.max(FINAL_READS_MS, 3 * config.opTimeoutMs), RETRY_MS, (missing) => {
      finalReadsMissing = missing;
      sched.stop();
    });
  };
  // The main phase ends when every thread's last op is over; then every fault stops, then recovery.
  const afterMain = () =>
    sched.after(0, async () => {
      await faults?.heal();
      threads.runPhase((r, t) => workload.recoveryOp(r, t), sched.now() + config.recoveryTimeMs, finalReads);
    });
  // The main phase: clients and faults for the time limit from now (after the setup, as in harness/run.ts).
  const main = () => {
    const endMs = sched.now() + config.timeLimitMs;
    faults = schedule ? startSchedule(schedule, ctx, sched, endMs) : null;
    const gen = workload.generator?.();
    if (gen) threads.runGenerator(gen, endMs, afterMain);
    else threads.runPhase((r, t) => workload.nextOp(r, t), endMs, afterMain);
  };
  if (workload.setup && !user) {
    // Only the bank workload of the paxos suite has a setup; on the node thread 0 is bound to, as a real run's.
    if (config.workload !== 'bank') throw new Error(`sim: the setup of workload ${config.workload} is not simulated`);
    openAccountsOn(paxos!, sched, endpoints[0].name, config.opTimeoutMs, SETUP_LIMIT_MS, main);
  } else main();
  await sched.run();

  const decidedLogs: Record<string, DecidedEntry[]> = {};
  const replicaStates: Record<string, ReplicaState> = {};
  const collectErrors: Record<string, string> = {};
  for (const n of paxos ? config.nodes : []) {
    const log = paxos!.decidedLog(n);
    const state = paxos!.appliedState(n);
    if (log === null || state === null) collectErrors[n] = 'node down at the end of the run';
    else {
      decidedLogs[n] = log;
      replicaStates[n] = state;
    }
  }
  return {
    history: history.ops,
    nemesisCycles: faults?.cycles ?? 0,
    nemesisErrors: faults?.errors ?? [],
    coverage,
    finalReadsMissing,
    decidedLogs,
    replicaStates,
    collectErrors,
    coreErrors: cluster.nodeErrors,
    eventLogs: () => paxos?.eventLogs() ?? {},
    stats: {
      virtualMs: sched.now(),
      events: sched.events,
      steps: cluster.steps,
      dropped: cluster.network.dropped,
      duplicated: cluster.network.duplicated,
      shaped: cluster.network.shaped,
      syncs: cluster.syncs,
    },
  };
}
