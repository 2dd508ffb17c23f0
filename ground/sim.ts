/**
 * A user's own system in the simulator (`jepsen-ts test --test my-test.ts --runtime sim`): the
 * vocabulary of a simulated node. A node is a deterministic state machine: it is handed
 * messages, timer fires and client requests one at a time, and acts only through its
 * SimContext (virtual clock, send, timers, a simulated disk, replies, a seeded Rng). A restart
 * builds a fresh node from what its disk kept. The harness runs every node in one process on
 * virtual time, with the run's workloads, nemeses, checkers, store and report; a TestDefinition
 * carries the system as its `sim` part (SimSystem: the node factory and the client mapping).
 */
import type { Completion } from './client.js';
import type { Db } from './db.js';
import type { Rng } from './rng.js';
import { UsageError, type NodeName } from './runtime.js';
import type { OpSpec } from './workload.js';

/** Everything a simulated node may do; it must not read real clocks, Math.random or real timers (the run crashes if it does). */
export interface SimContext<Msg = unknown, Rec = unknown, Reply = unknown> {
  /** This node's name, and every node's (itself included), in the run's order. */
  readonly self: NodeName;
  readonly nodes: readonly NodeName[];
  /** The `--bug` the run plants (one of the definition's `bugs`), or null. */
  readonly bug: string | null;
  /** This node's seeded random numbers (one stream per node, kept across restarts). */
  readonly rng: Rng;
  /** This node's wall clock in virtual ms: the run's virtual time plus the clock nemesis's offset. */
  now(): number;
  /** Sends `msg` (copied through JSON, as on a wire): delayed, maybe lost, duplicated or cut by a partition. */
  send(to: NodeName, msg: Msg): void;
  /** Fires onTimer(name) after `ms` virtual ms; re-arming a name replaces the armed one. */
  setTimer(name: string, ms: number): void;
  /** Disarms timer `name` (nothing when it is not armed). */
  cancelTimer(name: string): void;
  /**
   * Writes `record` (JSON) to this node's disk. Writes are synced in batches (group commit, a
   * few virtual ms, 50-500 under the slow-disk fault); every send and reply after a persist waits
   * until it is synced. A kill keeps what was written, a power loss (lose-unsynced) only what was synced.
   */
  persist(record: Rec): void;
  /** Answers client request `request` (see SimNode.onRequest); a second reply to one request is ignored. */
  reply(request: number, reply: Reply): void;
}

/** One life of a simulated node: its handlers. A throw takes the node down and makes the run INVALID (node-errors). */
export interface SimNode<Msg = unknown, Req = unknown> {
  /** A message from node `from` (its JSON copy). */
  onMessage?(from: NodeName, msg: Msg): void;
  /** Timer `name` fired (armed with ctx.setTimer in this life of the node). */
  onTimer?(name: string): void;
  /** A client's request: answer with ctx.reply(id, ...) now or later (or never: the client times out). */
  onRequest(id: number, request: Req): void;
  /** The node this one believes leads (the nemeses' `leader` target), or null. */
  leader?(): NodeName | null;
}

/** A user's system for the simulator: how a node starts, and how workload ops map to its requests and replies. */
export interface SimSystem<Msg = unknown, Rec = unknown, Req = unknown, Reply = unknown> {
  /** Starts a node (at the start of the run and at every restart) from the records its disk kept, oldest first; it may act through `ctx` at once (arm timers, send, persist). */
  node(ctx: SimContext<Msg, Rec, Reply>, disk: readonly Rec[]): SimNode<Msg, Req>;
  /** The request a workload op becomes (the client's side of the wire; JSON). */
  request(op: OpSpec): Req;
  /** The completion a reply becomes: ok (with a read's value), or fail when the op certainly did not happen. */
  completion(op: OpSpec, reply: Reply): Completion;
  /**
   * Op names that change nothing (e.g. ['read']): when the outcome is unknown (timeout, the node
   * died) such an op fails instead of being indeterminate (info).
   */
  readOnly?: readonly string[];
}

/** A Db for a test that exists only in the simulator: a real runtime refuses it with one line. */
export function simOnlyDb(name: string): Db {
  const refuse = (): never => {
    throw new UsageError(`${name} is a simulated system: run it with --runtime sim`);
  };
  return { name, preflight: refuse, command: refuse, ready: async () => refuse(), logFiles: [] };
}
