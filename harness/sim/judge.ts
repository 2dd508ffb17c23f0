/**
 * One seed judged in memory, nothing written: what a sweep runs per seed (sweep.ts). The same
 * simulation and checkers as `test --runtime sim` (run.ts), so a seed judged INVALID here is
 * INVALID when run.ts replays it to store it in full.
 */
import { checkAll, type Validity } from '../../ground/checker.js';
import type { TestDefinition } from '../../ground/test.js';
import { workloadOptionsOf, type TestConfig } from '../options.js';
import { checkersOf, workloadOf } from '../suite.js';
import { scheduleOf } from './run.js';
import { nodeErrorsChecker } from './node-errors.js';
import type { NetworkShape } from './network.js';
import { simulate, type Simulated } from './simulate.js';
import { swarmOf } from './swarm.js';

/** A seed's verdict: valid, or which checkers failed; `crashed` when the harness threw. */
export interface SeedVerdict {
  seed: number;
  valid: Validity;
  failing: string[];
  crashed: string | null;
}

/**
 * A run simulated and checked in memory: the simulation (stats included) and its verdict, over
 * `network` (default: a swarm's draw, else the default network). Throws what the harness throws.
 */
export async function simulateAndCheck(config: TestConfig, test: TestDefinition, network?: NetworkShape): Promise<{ sim: Simulated; valid: Validity; failing: string[] }> {
  const swarm = config.swarm ? swarmOf(config) : null;
  const run = swarm?.config ?? config;
  const workload = workloadOf(test, run.workload, workloadOptionsOf(run));
  const sim = await simulate(run, workload, scheduleOf(run, test), test.sim, network ?? swarm?.choice.network);
  const checkers = [...(await checkersOf(test, run.workload, workload)), nodeErrorsChecker(sim.coreErrors)];
  const { valid, results } = await checkAll(checkers, sim.history, { decidedLogs: sim.decidedLogs, replicaStates: sim.replicaStates, replay: test.db.replay, dbName: test.db.name, ...(config.checkerTimeoutMs !== undefined ? { timeoutMs: config.checkerTimeoutMs } : {}) });
  return { sim, valid, failing: Object.entries(results).filter(([, r]) => r.valid === false).map(([n]) => n) };
}

export async function judgeSeed(config: TestConfig, test: TestDefinition): Promise<SeedVerdict> {
  try {
    const { valid, failing } = await simulateAndCheck(config, test);
    return { seed: config.seed, valid, failing, crashed: null };
  } catch (err) {
    return { seed: config.seed, valid: 'unknown', failing: [], crashed: (err as Error).stack ?? String(err) };
  }
}
