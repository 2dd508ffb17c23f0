/**
 * Snapshots and log compaction. Every Config.snapshotEvery applied slots a node persists a
 * `snap` record: its applied state (KV map, dedup table) after its commit index. The driver
 * keeps it in a file of its own and then may rewrite its WAL as `walCarry(state)`: what the
 * records after the snapshot must still rebuild (boot, promise, accepted slots above the
 * snapshot, the kept decided log). So an acceptor forgets an accepted value only for a slot
 * the snapshot covers, i.e. one it knows chosen and applied.
 *
 * In memory the decided log keeps one interval below the snapshot (from the previous snapshot
 * on), so a follower a little behind still catches up by `learn`; one further behind (its
 * catchup or its campaign's prepare asks below `logFrom`) is sent a `snapshot` message: the
 * sender's applied state at its commit index, which it installs and persists as its own snap.
 */
import { assert, type Ctx } from './context.js';
import { digestHex, kvDigestOf } from './kv.js';
import type { Msg, Rec } from './messages.js';
import { stepDown } from './roles.js';
import { campaign } from './leader.js';
import { noteDigest, type State } from './state.js';
import { ZERO_BALLOT, sameBallot } from './ballot.js';
import type { Config } from './types.js';

/** After apply: a snapshot when snapshotEvery slots were applied since the last (one per step). */
export function maybeSnapshot(ctx: Ctx): void {
  const { d, v, config } = ctx;
  const every = config.snapshotEvery ?? 0;
  if (every <= 0 || ctx.snapshotted || v.commitIndex - d.snapIndex < every) return;
  // Keep the decided log from the previous snapshot on (one interval: catch-up by learn).
  trimBelow(ctx.state, d.snapIndex + 1);
  d.snapIndex = v.commitIndex;
  ctx.snapshotted = true;
  ctx.persist(snapRecord(ctx.state));
}

/** Drops decided slots below `from` (all applied, and covered by a snapshot). */
function trimBelow(state: State, from: number): void {
  const d = state.durable;
  assert(from <= state.volatile.commitIndex + 1, `trimming unapplied slots (from ${from}, commit index ${state.volatile.commitIndex})`);
  for (let s = d.logFrom; s < from; s++) delete d.decided[s];
  if (from > d.logFrom) d.logFrom = from;
}

/** The applied state at the commit index as a record (copies: the driver writes it later). */
function snapRecord(state: State): Extract<Rec, { t: 'snap' }> {
  const { durable: d, volatile: v } = state;
  return { t: 'snap', i: v.commitIndex, from: d.logFrom, kv: { ...v.kv }, dedup: structuredClone(v.dedup) };
}

/** The message that brings a node that is behind our log up to our commit index. */
export function snapshotMsg(ctx: Ctx): Msg {
  const v = ctx.v;
  return { type: 'snapshot', slot: v.commitIndex, kv: { ...v.kv }, dedup: structuredClone(v.dedup), digest: digestHex(v.kvDigest) };
}

/** A peer's applied state beyond ours: install it (a leader or candidate steps down first). */
export function onSnapshot(ctx: Ctx, msg: Extract<Msg, { type: 'snapshot' }>): void {
  const { d, v } = ctx;
  if (msg.slot <= v.commitIndex) return; // stale or duplicated: we are there already
  const digest = kvDigestOf(msg.kv);
  assert(digestHex(digest) === msg.digest, `snapshot of slot ${msg.slot}: its map does not match its digest`);
  const campaigning = v.role === 'candidate';
  if (v.role !== 'follower') stepDown(ctx);
  for (const key of Object.keys(d.decided)) if (Number(key) <= msg.slot) delete d.decided[key];
  for (const key of Object.keys(d.accepted)) if (Number(key) <= msg.slot) delete d.accepted[key]; // chosen: the sender applied them
  v.kv = { ...msg.kv };
  v.kvDigest = digest;
  v.dedup = structuredClone(msg.dedup);
  v.commitIndex = msg.slot;
  if (msg.slot > v.maxSlot) v.maxSlot = msg.slot;
  v.digests = [];
  noteDigest(v, msg.slot);
  d.snapIndex = msg.slot;
  d.logFrom = msg.slot + 1;
  ctx.snapshotted = true;
  ctx.persist(snapRecord(ctx.state));
  // A candidate that was behind asked about compacted slots, and its ballot (the highest
  // around) now only blocks others: campaign again at once, from above the snapshot.
  if (campaigning) campaign(ctx);
}

/**
 * The records a compacted WAL starts with, after the snapshot of d.snapIndex: they rebuild
 * exactly this node's durable state on top of it. Under the planted bug volatile-acceptor the
 * promise and accepts are left out, as that bug never persists them.
 */
export function walCarry(config: Config, state: State): Rec[] {
  const d = state.durable;
  const out: Rec[] = [{ t: 'boot', inc: d.incarnation }, { t: 'base', i: d.snapIndex }];
  // Stryker disable next-line all: planted bug, not the protocol (paxos/core/MUTATION.md)
  const forgetful = config.bug === 'volatile-acceptor';
  if (!forgetful && !sameBallot(d.promised, ZERO_BALLOT)) out.push({ t: 'promise', b: d.promised });
  for (const [s, a] of Object.entries(d.accepted)) {
    // An accepted, undecided slot is never one the snapshot covers (those are chosen and applied).
    assert(Number(s) > d.snapIndex, `slot ${s} is accepted but not decided below the snapshot of slot ${d.snapIndex}`);
    if (!forgetful) out.push({ t: 'accept', b: a.ballot, s: Number(s), v: a.value });
  }
  for (const [s, value] of Object.entries(d.decided)) out.push({ t: 'decide', s: Number(s), v: value });
  return out;
}
