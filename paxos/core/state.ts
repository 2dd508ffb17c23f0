/**
 * The core's state (plain data: clones with structuredClone, serialises canonically), split
 * into what survives a crash (`durable`, rebuilt from persisted records) and what does not.
 * Also recovery (initState) and the read-only views drivers use (status, decidedEntries,
 * appliedState).
 */
import { cmpBallot, maxBallot, ZERO_BALLOT, type Ballot } from './ballot.js';
import { canonicalJson, digestOf } from '../../ground/canonical.js';
import { applyCommand, digestHex, emptyDigest, kvContents, kvDigestOf, type KvDigest, type KvMap } from './kv.js';
import { DEFAULT_DEDUP_WINDOW, dedupGet, dedupPut, type Dedup } from './dedup.js';
import type { CmdId, Entry, Rec, SlotValue } from './messages.js';
import type { Command, Config, Key, NodeId, Result, Value } from './types.js';

export type Role = 'leader' | 'follower' | 'candidate';

export interface Durable {
  /** Restart counter, part of every command id so request ids may restart from 0. */
  incarnation: number;
  promised: Ballot;
  /** Accepted but not (known) decided slots: slot -> last accepted ballot and value. */
  accepted: Record<string, { ballot: Ballot; value: SlotValue }>;
  /** Slots known chosen from `logFrom` on (kept for catch-up and the debug log). */
  decided: Record<string, SlotValue>;
  /** The last snapshot's slot (0: none): slots up to it are applied and covered by it. */
  snapIndex: number;
  /** First slot still in `decided`: slots below are compacted (snapshot.ts); <= snapIndex + 1. */
  logFrom: number;
}

/** Who is waiting for a command's answer: a local client (rid) or a forwarding node. */
export interface Waiter {
  node: NodeId;
  rid: number;
}

/** A read-index confirmation round (also every heartbeat round). */
export interface ReadRound {
  seq: number;
  acks: NodeId[];
  /** Reads may be answered once this slot is applied. */
  index: number;
  reads: { id: CmdId; key: Key }[];
}

export interface Volatile {
  role: Role;
  /** The leader this node believes in, and that leader's ballot. */
  leader: NodeId | null;
  leaderBallot: Ballot;
  /** The ballot this node leads or campaigns with. */
  ballot: Ballot;
  /** Highest round seen anywhere, so the next campaign outbids it. */
  maxRound: number;
  /** Highest slot known accepted or decided here. */
  maxSlot: number;
  /** All slots <= commitIndex are decided and applied (applied index = commit index). */
  commitIndex: number;
  kv: KvMap;
  /** kv's incremental digest (kv.ts), kept in step with every write. */
  kvDigest: KvDigest;
  /** [slot, digest of kv after applying it] for the most recent DIGEST_RING applied slots. */
  digests: [number, string][];
  /** The state machine's dedup table (dedup.ts): each command id applied at most once. */
  dedup: Dedup;
  waiters: Record<CmdId, Waiter[]>;
  // candidate
  prepareFrom: number;
  promisedBy: NodeId[];
  reports: { accepted: [number, Ballot, SlotValue][]; decided: [number, SlotValue][] }[];
  // leader
  nextSlot: number;
  /** Slots in phase 2: value, who accepted, heartbeats since proposed (retransmission back-off). */
  proposals: Record<string, { value: SlotValue; acks: NodeId[]; ticks: number }>;
  inflight: number;
  queue: Entry[];
  /** Ids queued or proposed by this leader and not yet applied. */
  queued: Record<CmdId, true>;
  hbSeq: number;
  round: ReadRound | null;
  readQueue: { id: CmdId; key: Key }[];
  readReady: ReadRound[];
  // follower catch-up pacing: commit index at the previous heartbeat
  lastHbCommit: number;
  // lease-skew bug only: wall-clock lease and last wall-clock contact with the leader
  leaseUntilWall: number;
  lastLeaderWall: number;
  /**
   * Decide records not yet handed to the driver: written with the next step that persists
   * anything (or at the start of the next step), never holding back a reply (see learner.ts).
   */
  unflushed: Rec[];
  /**
   * stale-txn-read bug only (learner.ts): for the slot being applied and the few before it, each
   * written key's value before the slot's first write to it ('k:'-prefixed keys, as KvMap).
   */
  staleTxnLag?: { slot: number; priors: Record<string, Value> }[];
}

export interface State {
  id: NodeId;
  durable: Durable;
  volatile: Volatile;
}

export function freshVolatile(): Volatile {
  return {
    role: 'follower', leader: null, leaderBallot: ZERO_BALLOT, ballot: ZERO_BALLOT, maxRound: 0, maxSlot: 0,
    commitIndex: 0, kv: {}, kvDigest: emptyDigest(), digests: [], dedup: {}, waiters: {},
    prepareFrom: 0, promisedBy: [], reports: [],
    nextSlot: 1, proposals: {}, inflight: 0, queue: [], queued: {}, hbSeq: 0, round: null, readQueue: [], readReady: [],
    lastHbCommit: 0, leaseUntilWall: 0, lastLeaderWall: 0, unflushed: [],
  };
}

/**
 * Recovery: rebuilds the state from the records this node persisted, in order (empty = fresh
 * node). Volatile state restarts empty except what the decided log determines (kv, results).
 * The returned incarnation is one past the last boot record; `start` persists it.
 */
export function initState(config: Config, records: readonly unknown[]): State {
  const d: Durable = { incarnation: 1, promised: ZERO_BALLOT, accepted: {}, decided: {}, snapIndex: 0, logFrom: 1 };
  const v = freshVolatile();
  let keptFrom = 1;
  for (const raw of records) {
    const r = raw as Rec;
    switch (r.t) {
      case 'boot':
        d.incarnation = r.inc + 1;
        break;
      case 'promise':
        d.promised = maxBallot(d.promised, r.b);
        break;
      case 'accept':
        // An accept above the promise raises it and writes no promise record (acceptor.ts):
        // the planted bug forget-promise-on-recovery forgets that here.
        if (config.bug !== 'forget-promise-on-recovery') d.promised = maxBallot(d.promised, r.b);
        if (d.decided[r.s] === undefined && r.s > d.snapIndex) d.accepted[r.s] = { ballot: r.b, value: r.v };
        v.maxSlot = Math.max(v.maxSlot, r.s);
        break;
      case 'decide': {
        // Below the kept log, or a duplicate (a compacted WAL repeats what it carries).
        if (r.s < keptFrom || d.decided[r.s] !== undefined) break;
        let value: SlotValue | undefined = r.v;
        if (value === undefined) {
          const acc = d.accepted[r.s];
          if (!acc && r.s <= d.snapIndex) break; // its accept is covered by the snapshot
          if (!acc || !r.b || cmpBallot(acc.ballot, r.b) !== 0) throw new Error(`WAL: decide of slot ${r.s} names an accept that is not there`);
          value = acc.value;
        }
        d.decided[r.s] = value;
        delete d.accepted[r.s];
        v.maxSlot = Math.max(v.maxSlot, r.s);
        break;
      }
      case 'snap':
        // First in the replay (its own file): the applied state after slot r.i.
        keptFrom = r.from;
        d.snapIndex = r.i;
        for (const key of Object.keys(d.decided)) if (Number(key) < keptFrom) delete d.decided[key];
        for (const key of Object.keys(d.accepted)) if (Number(key) <= r.i) delete d.accepted[key];
        v.kv = { ...r.kv };
        v.kvDigest = kvDigestOf(v.kv);
        v.dedup = structuredClone(r.dedup);
        v.commitIndex = r.i;
        v.maxSlot = Math.max(v.maxSlot, r.i);
        v.digests = [];
        noteDigest(v, r.i);
        break;
      case 'base':
        if (r.i > d.snapIndex) throw new Error(`WAL: it continues the snapshot of slot ${r.i}, but the snapshot ${d.snapIndex === 0 ? 'is missing' : `is of slot ${d.snapIndex}`}`);
        break;
      default:
        throw new Error(`WAL: unknown record ${canonicalJson(raw)}`);
    }
  }
  // The kept log is the contiguous run of decided slots that ends at the snapshot (a by-ref
  // decide whose accept the snapshot covers is not kept): catch-up serves it without holes.
  d.logFrom = d.snapIndex + 1;
  while (d.logFrom - 1 >= keptFrom && d.decided[d.logFrom - 1] !== undefined) d.logFrom--;
  for (const key of Object.keys(d.decided)) if (Number(key) < d.logFrom) delete d.decided[key];
  v.maxRound = d.promised[0];
  const state: State = { id: config.self, durable: d, volatile: v };
  replayDecided(config, state);
  return state;
}

/** Applies the contiguous decided prefix to a fresh state machine (recovery only: no replies). */
function replayDecided(config: Config, state: State): void {
  const { durable: d, volatile: v } = state;
  while (d.decided[v.commitIndex + 1] !== undefined) {
    const value = d.decided[++v.commitIndex];
    for (const e of value ?? []) {
      if (dedupGet(v.dedup, e.id) === undefined) dedupPut(v.dedup, e.id, applyCommand(v.kv, e.command, v.kvDigest), dedupWindow(config));
    }
    noteDigest(v, v.commitIndex);
  }
}

/** How many recent (slot, digest) pairs a node keeps: enough for replicas to share slots. */
export const DIGEST_RING = 1024;

/** Notes the applied state's digest after `slot` (once per applied slot, no-ops included). */
export function noteDigest(v: Volatile, slot: number): void {
  v.digests.push([slot, digestHex(v.kvDigest)]);
  if (v.digests.length > DIGEST_RING) v.digests.shift();
}

/** A deep copy, for drivers that branch (the model checker). */
export function cloneState(state: State): State {
  return structuredClone(state);
}

/** A stable serialisation, independent of property insertion order (a visited-set key). */
export function canonicalKey(state: State): string {
  return canonicalJson(state);
}

export interface Status {
  id: NodeId;
  role: Role;
  ballot: Ballot;
  leader: NodeId | null;
  commitIndex: number;
  appliedIndex: number;
}

export function status(state: State): Status {
  const v = state.volatile;
  return {
    id: state.id,
    role: v.role,
    ballot: v.role === 'follower' ? state.durable.promised : v.ballot,
    leader: v.leader,
    commitIndex: v.commitIndex,
    appliedIndex: v.commitIndex,
  };
}

export interface DecidedEntry {
  slot: number;
  digest: string;
  command: { id: CmdId; command: Command }[] | null;
}

/** Up to `limit` decided slots from `from` on, in slot order (holes skipped). */
export function decidedEntries(state: State, from: number, limit: number): DecidedEntry[] {
  const out: DecidedEntry[] = [];
  const d = state.durable;
  for (let s = Math.max(d.logFrom, Math.floor(from)); s <= state.volatile.maxSlot && out.length < limit; s++) {
    const value = d.decided[s];
    if (value !== undefined) out.push({ slot: s, digest: digestOf(value), command: value });
  }
  return out;
}

/** Where the log is compacted: slots below `logFrom` are gone, `snapIndex` is the snapshot's slot. */
export function logBounds(state: State): { snapIndex: number; logFrom: number } {
  return { snapIndex: state.durable.snapIndex, logFrom: state.durable.logFrom };
}

/** The dedup window in force. */
export function dedupWindow(config: Config): number {
  return config.dedupWindow ?? DEFAULT_DEDUP_WINDOW;
}

/** A replica's applied state: recent digests, and its whole map at the applied index. */
export interface AppliedState {
  digests: { index: number; digest: string }[];
  state: { index: number; kv: Record<Key, Value> };
}

export function appliedState(state: State): AppliedState {
  const v = state.volatile;
  return { digests: v.digests.map(([index, digest]) => ({ index, digest })), state: { index: v.commitIndex, kv: kvContents(v.kv) } };
}
