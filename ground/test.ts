/**
 * A test, as in Jepsen: a plain value made of the parts a run needs — the Db that runs one node,
 * the workloads (each: a client, the ops its threads run, the checkers that judge the history),
 * and optionally a fault schedule. `jepsen-ts test --db NAME` runs a built-in definition
 * (paxos, etcd); `jepsen-ts test --test ./my-test.ts` runs the default export of a user's module.
 * Every CLI flag applies on top of the definition's defaults.
 */
import type { Checker } from './checker.js';
import type { Db } from './db.js';
import type { Schedule, ScheduleContext } from './nemesis.js';
import type { SimSystem } from './sim.js';
import type { Workload, WorkloadOptions } from './workload.js';

/** Builds one workload of a run (called once per run, with the run's options). */
export type WorkloadFactory = (opts: WorkloadOptions) => Workload;

/** A test: the Db, the workloads by name, optional suite checkers, planted bugs and flag defaults. See the module's comment. */
export interface TestDefinition {
  /** The system under test, e.g. 'etcd'; run names default to `<name>-<workload>-<nemesis>`. */
  name: string;
  /** How to run, probe and read one node. */
  db: Db;
  /** The workloads by name; `--workload NAME` picks one (default: the first listed). */
  workloads: Record<string, WorkloadFactory>;
  /**
   * Checkers added to every workload's own, e.g. agreement of the replicas' decided logs, which
   * only the suite knows how to map from ops to commands. `workload` is the chosen name.
   */
  checkers?(workload: string): Checker[] | Promise<Checker[]>;
  /** Planted bugs `--bug NAME` accepts; the Db gets `--bug NAME` as extra node arguments. */
  bugs?: readonly string[];
  /**
   * Defaults for CLI flags the user did not give, by flag name without dashes, e.g.
   * `{ nodes: 3, nemesis: 'partition,kill', 'time-limit': 20 }`.
   */
  defaults?: Record<string, string | number | boolean>;
  /**
   * The test's own fault schedule (ground/generator.ts combinators over named faults), run in
   * the main phase instead of `--schedule` or the `--nemesis` flags, which it overrides: e.g.
   * "slow every link, then, while slow, kill every node, restart them, heal". Called once per run.
   */
  schedule?(ctx: ScheduleContext): Schedule;
  /**
   * The system as a deterministic state machine (ground/sim.ts), which `--runtime sim` runs in
   * virtual time instead of the Db's processes; with `simOnlyDb(name)` as the db, only there.
   */
  sim?: SimSystem;
}

/**
 * What a test module's default export is: a definition, or (as Jepsen's test functions of the
 * CLI options) a function of the parsed flags that returns one.
 */
export type TestModuleExport = TestDefinition | ((flags: Readonly<Record<string, unknown>>) => TestDefinition | Promise<TestDefinition>);
