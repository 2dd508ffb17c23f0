/**
 * What a workload is: the ops clients run (drawn from the seeded Rng), the HTTP client that
 * runs them against one node, and the checkers that judge the resulting history.
 * One instance per test run; its generator state (e.g. the set's next element) is shared by
 * every thread of that run.
 */
import type { Checker } from './checker.js';
import type { Client } from './client.js';
import type { Generator } from './generator.js';
import type { Rng } from './rng.js';

/** An op before the history stamps it (index, time, process, type). */
export interface OpSpec {
  f: string;
  key?: string;
  value?: unknown;
}

/** What a workload is built with (from the run's flags). */
export interface WorkloadOptions {
  /** A client op slower than this is indeterminate. */
  opTimeoutMs: number;
  /** Client threads of the run (keyed workloads give each group of threads its own keys). */
  concurrency: number;
  /** The linearizability checker's memory ceiling (default: its own, DEFAULT_MEMORY_LIMIT_MB). */
  checkerMemoryMb?: number;
}

/** One workload of a run: its client, the ops of each phase, and its checkers. */
export interface Workload {
  name: string;
  /** A fresh client (one per thread). */
  client(): Client;
  /** The next op of the main phase, for client thread `thread`. */
  nextOp(rng: Rng, thread: number): OpSpec;
  /** The next op of the recovery phase (reads only: faults are healed, we look at what survived). */
  recoveryOp(rng: Rng, thread: number): OpSpec;
  /**
   * The main phase's ops as a generator (ground/generator.ts: mix, stagger, ...), instead of
   * nextOp: each steady client thread opens it with its own Rng and performs its ops ({f, key,
   * value}) under --rate, telling each outcome back (untilOk); a thread whose cursor is exhausted
   * stops. Burst threads do not run it.
   */
  generator?(): Generator;
  /**
   * Reads done once each on every node at the very end (retried until one completes ok): every
   * key the workload touched (the set's read of every element, the kv's read of each key). The
   * final-reads checker requires the nodes to agree on them; the workload's checker judges them.
   */
  finalOps(): OpSpec[];
  /** Puts the initial state in place before the main phase (e.g. bank balances); idempotent. */
  setup?(client: Client, signal: AbortSignal): Promise<void>;
  /**
   * The checkers that judge this workload's history. May be async, so that checker modules load
   * after the run instead of before its first op (callers await it).
   */
  checkers(): Checker[] | Promise<Checker[]>;
}

/** What builds a workload's checkers (see Workload.checkers). */
export type CheckersOf = () => Checker[] | Promise<Checker[]>;
