/**
 * Db: how to run one node of the system under test. The built-in Db is our Multi-Paxos KV
 * (paxos/db.ts); a user plugs in another system the same way.
 */
import type { DecidedEntry, ReplicaState, StateReplay } from './checker.js';
import type { NodeName } from './runtime.js';

/** Where one node listens and finds its peers, handed to Db.command. */
export interface NodeAddresses {
  name: NodeName;
  /** host:port the node listens on for peers. */
  listen: string;
  /** host:port the node serves its client API on. */
  client: string;
  /**
   * Where to reach each node, this one included: the same map on every node (as etcd's
   * --initial-cluster), so its own entry may differ from `listen` (in the local runtime every
   * entry is the fault proxy's listener for that node, which forwards to its `listen`).
   */
  peers: Record<NodeName, string>;
  dataDir: string;
}

/** A host file the docker runtime copies into the node image. */
export interface DockerImageFile {
  /** Path on the machine running the harness (read when the image is built; its contents are part of the image tag). */
  from: string;
  /** Absolute path in the image. */
  to: string;
  /** File mode in the image (default: the host file's mode). */
  mode?: number;
}

/**
 * What the docker runtime's node image needs beyond its base (Debian bookworm with iptables,
 * iproute2, libfaketime and Node 20). Without it, `command` must be `node <entry script>`: the
 * runtime bundles that script. With `files`, a command whose `cmd` is one of the files' `from`
 * runs as its `to` (e.g. /usr/bin/etcd copied to /usr/local/bin/etcd), with `args` as given; a
 * native binary must run on the base (Debian's etcd links only libc, so it does).
 */
export interface DockerImageSpec {
  files?: DockerImageFile[];
}

/** How to run, probe and read one node of the system under test (the runtime starts `command` per node). */
export interface Db {
  name: string;
  /**
   * Refuses, before anything starts (no run dir, no process), what cannot work on this machine,
   * e.g. a missing binary: throw a UsageError with one line naming what is missing (exit 254).
   */
  preflight?(): Promise<void> | void;
  /** The command that runs one node. `cmd` is run with `args` from the repo root. */
  command(node: NodeAddresses, extraArgs: string[]): { cmd: string; args: string[]; env?: Record<string, string> };
  /** What the docker runtime puts in the node image (see DockerImageSpec); unused by the local runtime. */
  docker?: DockerImageSpec;
  /** Resolves when the node answers on its client API. */
  ready(clientUrl: string, signal: AbortSignal): Promise<void>;
  /** Which node leads, as that node sees it (null when unknown). */
  leader?(clientUrl: string): Promise<NodeName | null>;
  /** Files in the data dir worth collecting (node log, event log, decided log dump). */
  logFiles: string[];
  /** Fetches the node's decided log for the agreement checker. */
  decidedLog?(clientUrl: string): Promise<DecidedEntry[]>;
  /**
   * The node's applied state: digests at applied indexes (and its whole state, if it can), so
   * the agreement checker finds a replica that applies its log wrongly. Optional.
   */
  stateDigests?(clientUrl: string): Promise<ReplicaState>;
  /** Replays a decided log through this system's state machine (see StateReplay); with stateDigests. */
  replay?: StateReplay;
}
