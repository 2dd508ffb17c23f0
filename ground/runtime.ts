/**
 * Runtime: where nodes live and how faults reach them. Every nemesis is written once against
 * this interface; the local runtime (processes + fault proxy) and the docker runtime
 * (containers + iptables) implement it.
 */
import type { Db } from './db.js';

/** A node's name, e.g. n1. */
export type NodeName = string;

/** Jepsen's grudge: node -> the nodes whose traffic it drops. */
export type Grudge = Record<NodeName, NodeName[]>;

/** Delay (ms, with jitter) and loss (percent) on one directed link. */
export interface LinkShape {
  delayMs: number;
  jitterMs: number;
  lossPct: number;
}

/** The cluster Runtime.setup starts. */
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

/** What a nemesis needs of the runtime, asked before setup (Runtime.preflight). */
export interface RuntimeNeeds {
  clock: boolean;
  packet: boolean;
  /** Node data dirs on the faultfs disk layer (lose-unsynced, slow-disk). */
  disk?: boolean;
}

/** How slow a slow disk is: every sync waits minMs..maxMs, drawn from seed. */
export interface SlowDisk {
  minMs: number;
  maxMs: number;
  seed: number;
}

/** Where nodes live and how faults reach them: local processes behind a fault proxy, or docker containers. */
export interface Runtime {
  readonly name: 'local' | 'docker' | 'sim';
  /** Refuse early (throw a UsageError) when a requested capability is missing. */
  preflight(needs: RuntimeNeeds): Promise<void>;
  /** Starts every node and waits until each answers; sweeps leftovers of crashed runs first. */
  setup(cluster: ClusterSpec): Promise<NodeEndpoint[]>;
  /** (Re)starts a stopped or killed node on its data dir. */
  start(node: NodeName): Promise<void>;
  /** SIGKILL; the node stays down until start(). */
  kill(node: NodeName): Promise<void>;
  /**
   * Power loss: the writes the node has not synced are lost (torn: each file keeps a random
   * prefix of them, the last cut at a sector), then it is killed; it stays down until start().
   * Returns what its disk lost, in one line. Needs preflight({disk: true}).
   */
  powerLoss(node: NodeName, opts: { torn: boolean; seed: number }): Promise<string>;
  /** Makes the node's syncs slow (null: normal again). Needs preflight({disk: true}). */
  slowDisk(node: NodeName, slow: SlowDisk | null): Promise<void>;
  /** SIGSTOP: the node freezes until resume(). */
  pause(node: NodeName): Promise<void>;
  /** SIGCONT after pause(). */
  resume(node: NodeName): Promise<void>;
  /** Drops the traffic the grudge names (replacing any partition in force). */
  partition(grudge: Grudge): Promise<void>;
  /** Ends every partition. */
  heal(): Promise<void>;
  /** Offsets the node's wall clock by `ms` relative to real time (0 resets). */
  setClockOffset(node: NodeName, ms: number): Promise<void>;
  /** Shapes traffic on the directed link from -> to; `null` clears it. */
  shape(from: NodeName, to: NodeName, shape: LinkShape | null): Promise<void>;
  /** Copies node logs, event logs and decided logs into `<runDir>/nodes/<name>/`. */
  collectLogs(): Promise<void>;
  /** Removes everything this run created. Idempotent; always called, also on error or signal. */
  teardown(): Promise<void>;
  /** Anything about the run a user must see in its summary (e.g. connections the fault proxy refused). Optional. */
  warnings?(): string[];
}

/** A user error (bad flag, missing capability): one line, exit 254. */
export class UsageError extends Error {
  override name = 'UsageError';
}
