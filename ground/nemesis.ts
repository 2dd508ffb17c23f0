/**
 * Nemesis: a schedule of faults. Each fault kind (partition, kill, pause, clock, packet) is
 * written once against the Runtime interface; `--nemesis a,b` composes them by name.
 * Every fault start and stop is recorded in the history as a `nemesis` info op.
 */
import type { Rng } from './rng.js';
import type { Generator } from './generator.js';
import type { NodeName, Runtime, RuntimeNeeds } from './runtime.js';
import type { Timers } from './time.js';

/** What a nemesis acts through: the runtime, the nodes, a seeded Rng, time, the history. */
export interface NemesisContext {
  /** Where the nodes run: how faults reach them. */
  runtime: Runtime;
  /**
   * How a fault waits or paces itself (a strobe's flips, a drift's steps, a lead between faults):
   * never a real timer directly, so that the simulator runs it on virtual time (wallTimers in a
   * real run, the Scheduler's in the simulator).
   */
  time: Timers;
  /** Every node of the cluster. */
  nodes: NodeName[];
  /** The nemesis's random stream (targets, shapes, offsets). */
  rng: Rng;
  /** Appends `{process: 'nemesis', type: 'info', f, value}` to the history. */
  record(f: string, value: unknown): void;
  /** Asks the Db which node leads (for the `leader` partition shape); null when unknown. */
  leader(): Promise<NodeName | null>;
  /**
   * Counts one injected fault for the run's fault coverage: its kind and what it hit (a
   * partition shape, a target spec such as `minority` or `leader`, a clock mode).
   */
  injected?(kind: string, detail: string): void;
  /** Lifts the clients' --rate limit (true) or puts it back (false): the burst nemesis. */
  burst?(on: boolean): void;
  /**
   * Resolves once the faults injected before this one in the same start have taken full effect
   * (a partition's in-flight bytes have landed: nemesis/partition.ts). A fault that must not race
   * them awaits it (a clock step: a lease renewed just after it would be renewed on the new clock).
   */
  settled?(): Promise<void>;
  /** Set on the stops that end the main phase: heal everything, start nothing new. */
  lastStop?: boolean;
}

/** One kind of fault: start injects one, stop heals every one in force. */
export interface Nemesis {
  /** e.g. 'partition' */
  name: string;
  /** Injects one fault (and records `start-<name>`). */
  start(ctx: NemesisContext): Promise<void>;
  /** Undoes every fault of this kind that is in force (and records `stop-<name>`). No-op when none. */
  stop(ctx: NemesisContext): Promise<void>;
}

/**
 * A fault schedule: named faults and a generator (ground/generator.ts) of their ops, which the
 * nemesis interpreter (nemesis/schedule.ts) performs during the main phase. Op `start-<name>`
 * starts the fault `<name>` of `faults`, `stop-<name>` stops it, `heal` stops every fault in
 * force (newest first); the faults record themselves in the history as always. Whatever the
 * schedule leaves in force is stopped when the main phase ends.
 */
export interface Schedule {
  /** For the progress line and test.json, e.g. 'kill-all-in-flight'. */
  name: string;
  /** The faults the ops name, by the name the ops use. */
  faults: Record<string, Nemesis>;
  /** The ops: each `start-<fault>`, `stop-<fault>` or `heal`, with sleeps between. */
  generator: Generator;
  /** What the runtime must support (Runtime.preflight); default none. */
  needs?: RuntimeNeeds;
  /** The fault kinds it is meant to inject, for the coverage warnings (default: none listed). */
  kinds?: string[];
}

/** What a schedule is built for: the run's cluster and the --nemesis-interval, as a pace. */
export interface ScheduleContext {
  /** Every node of the cluster. */
  nodes: NodeName[];
  /** --nemesis-interval in ms: a schedule may take its pace from it. */
  intervalMs: number;
  /** The Db can name its leader (faults may aim at it). */
  leaderAware: boolean;
}
