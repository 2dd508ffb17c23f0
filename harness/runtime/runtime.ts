/**
 * Runtime: where nodes live and how faults reach them. Every nemesis is written once against
 * this interface; the local runtime (processes + fault proxy) and the docker runtime
 * (containers + iptables) implement it.
 */
import type { Db } from '../db.js';

export type NodeName = string;

/** Jepsen's grudge: node -> the nodes whose traffic it drops. */
export type Grudge = Record<NodeName, NodeName[]>;

export interface LinkShape {
  delayMs: number;
  jitterMs: number;
  lossPct: number;
}

export interface ClusterSpec {
  /** Unique id of this run; every resource the runtime creates is labelled with it. */
  runId: string;
  nodes: NodeName[];
  db: Db;
  /** The run directory; node data dirs and logs go under `<runDir>/nodes/<name>/`. */
  runDir: string;
  /** Extra arguments for every node (e.g. `--bug stale-read`). */
  dbArgs: string[];
}

/** Where a client reaches a node. */
export interface NodeEndpoint {
  name: NodeName;
  /** Base URL of the node's client API, e.g. http://127.0.0.1:8001 */
  clientUrl: string;
}

export interface Runtime {
  readonly name: 'local' | 'docker';
  /** Refuse early (throw a UsageError) when a requested capability is missing. */
  preflight(needs: { clock: boolean; packet: boolean }): Promise<void>;
  /** Starts every node and waits until each answers; sweeps leftovers of crashed runs first. */
  setup(cluster: ClusterSpec): Promise<NodeEndpoint[]>;
  start(node: NodeName): Promise<void>;
  /** SIGKILL; the node stays down until start(). */
  kill(node: NodeName): Promise<void>;
  pause(node: NodeName): Promise<void>;
  resume(node: NodeName): Promise<void>;
  partition(grudge: Grudge): Promise<void>;
  heal(): Promise<void>;
  /** Offsets the node's wall clock by `ms` relative to real time (0 resets). */
  setClockOffset(node: NodeName, ms: number): Promise<void>;
  /** Shapes traffic on the directed link from -> to; `null` clears it. */
  shape(from: NodeName, to: NodeName, shape: LinkShape | null): Promise<void>;
  /** Copies node logs, event logs and decided logs into `<runDir>/nodes/<name>/`. */
  collectLogs(): Promise<void>;
  /** Removes everything this run created. Idempotent; always called, also on error or signal. */
  teardown(): Promise<void>;
}

/** A user error (bad flag, missing capability): one line, exit 254. */
export class UsageError extends Error {
  override name = 'UsageError';
}
