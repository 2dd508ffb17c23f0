/**
 * The contract between the pure Paxos core and whatever drives it (the real node shell,
 * the deterministic simulator, the model checker). The core is
 *
 *   step(config, state, event) -> { state, effects }
 *
 * with no I/O, no clocks, no randomness of its own: all of that arrives in events.
 * Drivers must honour the effect ordering rule below.
 */

export type NodeId = string;
export type Key = string;
/** Values are JSON (numbers in our workloads). `null` means "absent". */
export type Value = null | boolean | number | string | Value[] | { [k: string]: Value };

/**
 * Transaction micro-ops, applied atomically in one log entry: read, write, check ('c': the
 * whole txn aborts with no effect unless the key currently holds the value; this is what makes an
 * optimistic bank transfer atomic), and append (the key holds a list; the value is added at its
 * end, an absent key starting as []). An aborted txn answers fail 'txn-aborted' with what it
 * read; an append to a key holding anything but a list aborts it with 'not-a-list'.
 */
export type TxnOp = ['r', Key, Value] | ['w', Key, Value] | ['c', Key, Value] | ['append', Key, Value];

export type Command =
  | { op: 'read'; key: Key }
  | { op: 'write'; key: Key; value: Value }
  | { op: 'cas'; key: Key; from: Value; to: Value }
  | { op: 'txn'; ops: TxnOp[] };

/**
 * The answer to a client.
 * - ok: applied (reads and txns carry what they read).
 * - fail: DEFINITELY not applied (cas mismatch, no leader known so nothing was proposed).
 * - unknown: may or may not have been applied (proposed, then lost leadership, ...).
 */
export type Result =
  | { type: 'ok'; value?: Value; ops?: TxnOp[] }
  | { type: 'fail'; error: 'cas-mismatch' | 'txn-aborted' | 'not-a-list' | 'not-leader' | string; value?: Value; leader?: NodeId | null }
  | { type: 'unknown'; error: string };

export type BugName = 'stale-read' | 'no-adopt' | 'volatile-acceptor' | 'early-ack' | 'lease-skew' | 'skip-apply' | 'forget-promise-on-recovery' | 'batch-drop' | 'stale-txn-read';
/**
 * The planted core bugs. `stale-txn-read` (learner.ts) serves a txn's reads from the state of a
 * few slots ago while its writes commit now: it breaks isolation, which only the transactional
 * workloads (append, wr) can see; plain reads and writes stay linearizable.
 */
export const BUGS: readonly BugName[] = ['stale-read', 'no-adopt', 'volatile-acceptor', 'early-ack', 'lease-skew', 'skip-apply', 'forget-promise-on-recovery', 'batch-drop', 'stale-txn-read'];

export interface Config {
  self: NodeId;
  /** Every node of the cluster, self included, in a fixed order (index = tie-breaker). */
  nodes: NodeId[];
  bug: BugName | null;
  heartbeatMs: number;
  /** Base election timeout; the core adds randomized back-off from the event's `rand`. */
  electionTimeoutMs: number;
  /**
   * Election timeout (and back-off range) of a node on its first boot while it has seen no
   * ballot at all, i.e. of a cluster that is just starting: its first leader is elected sooner.
   * Absent: electionTimeoutMs. A restarted node never uses it (see step.ts electionTimeoutOf).
   */
  firstElectionTimeoutMs?: number;
  /** Most client commands batched into one slot. */
  maxBatch: number;
  /** Most slots a leader has in phase 2 at once (pipelining); the core's default when absent. */
  maxInflight?: number;
  /**
   * Take a snapshot of the applied state every this many applied slots and compact the log
   * below it (snapshot.ts); absent or 0: never (the model checker's configs).
   */
  snapshotEvery?: number;
  /** Results the dedup table keeps per origin node (dedup.ts); absent: DEFAULT_DEDUP_WINDOW. */
  dedupWindow?: number;
}

/**
 * Events. `rand` is a uniform number in [0, 1) supplied by the driver (its seeded PRNG in the
 * simulator). `wallMs` is the node's wall clock (only the lease-skew bug may trust it).
 */
export type Event<Msg = unknown> =
  | { type: 'client'; id: number; command: Command; wallMs: number }
  | { type: 'message'; from: NodeId; msg: Msg; wallMs: number }
  | { type: 'timer'; name: string; rand: number; wallMs: number };

/**
 * Effects, executed by the driver IN ORDER with this rule: every `persist` of a step is durable
 * (fsynced) before any `send` or `reply` of the same step leaves the node. A driver may batch
 * the persists of several steps into one fsync (group commit) as long as it holds back their
 * sends and replies until then.
 */
export type Effect<Msg = unknown, Rec = unknown> =
  | { type: 'persist'; record: Rec }
  | { type: 'send'; to: NodeId; msg: Msg }
  | { type: 'setTimer'; name: string; ms: number }
  | { type: 'cancelTimer'; name: string }
  | { type: 'reply'; id: number; result: Result };
