/**
 * Learning: recording a slot as chosen (persisted), applying the decided prefix to the state
 * machine exactly once in slot order, and catch-up for a node that missed decisions.
 */
import { sameBallot, type Ballot } from './ballot.js';
import { jsonEqual } from '../../ground/canonical.js';
import { assert, resolve, type Ctx } from './context.js';
import { applyCommand, changesState, keysWritten, kvGet, type TxnReader } from './kv.js';
import type { Entry, Msg, SlotValue } from './messages.js';
import { serveReads } from './reads.js';
import { dedupWindow, noteDigest } from './state.js';
import { dedupGet, dedupPut } from './dedup.js';
import { snapshotMsg } from './snapshot.js';
import type { Command, Key, NodeId, Value } from './types.js';
import type { Volatile } from './state.js';

/** Most decided entries in one learn message. */
export const CATCHUP_CHUNK = 64;

/**
 * Records that slot `s` is chosen with `value`. `ballot` is the ballot it was chosen in, when
 * known: if this node persisted its own accept of it, the record just names that accept.
 *
 * The decide record is a cache, not a promise: a decided value is chosen, i.e. durably accepted
 * by a quorum, so no message or reply depends on this node remembering it (a node that loses
 * it re-learns it). So the record is deferred (State.volatile.unflushed) to the next step that
 * persists anyway, or the start of the next step: a client's answer never waits for an fsync of
 * the decision, only for the quorum's fsyncs of the accept.
 */
export function decideSlot(ctx: Ctx, s: number, value: SlotValue, ballot: Ballot | null): void {
  const { d, v } = ctx;
  assert(Number.isSafeInteger(s) && s >= 1, `slot ${s} is not a positive integer`);
  if (s < d.logFrom) return; // compacted: chosen and applied long ago
  const prior = d.decided[s];
  if (prior !== undefined) {
    // Agreement. Under a planted bug the simulator reports the disagreement instead.
    // Stryker disable next-line all: planted bug, not the protocol (paxos/core/MUTATION.md)
    if (ctx.config.bug === null) assert(jsonEqual(prior, value), `slot ${s} decided with two different values`);
    return;
  }
  const acc = d.accepted[s];
  // Stryker disable next-line all: planted bug, not the protocol (paxos/core/MUTATION.md)
  const forgetful = ctx.config.bug === 'volatile-acceptor';
  const byRef = ballot !== null && acc !== undefined && sameBallot(acc.ballot, ballot) && !forgetful;
  d.decided[s] = value;
  delete d.accepted[s];
  v.unflushed.push(byRef ? { t: 'decide', s, b: ballot } : { t: 'decide', s, v: value });
  if (s > v.maxSlot) v.maxSlot = s;
  if (v.proposals[s] !== undefined) {
    delete v.proposals[s];
    v.inflight--;
  }
}

/** Applies every newly contiguous decided slot and answers whoever waits for those commands. */
export function apply(ctx: Ctx): void {
  const { d, v } = ctx;
  while (d.decided[v.commitIndex + 1] !== undefined) {
    const slot = ++v.commitIndex;
    const value = d.decided[slot];
    const skipped = ctx.config.bug === 'skip-apply' ? skippedBySkipApply(ctx, slot, value) : undefined;
    // Stryker disable next-line all: planted bug, not the protocol (paxos/core/MUTATION.md)
    const lagged = ctx.config.bug === 'stale-txn-read' ? staleTxnReader(v, slot) : undefined;
    for (const [i, e] of (value ?? []).entries()) {
      let result = dedupGet(v.dedup, e.id);
      if (result === undefined) {
        // skip-apply, batch-drop: the answer is computed as usual, on a copy the replica then throws away.
        // Stryker disable next-line all: the planted bugs' copy, not the protocol (paxos/core/MUTATION.md)
        const dropped = e === skipped || (ctx.config.bug === 'batch-drop' && i >= BATCH_DROP_AFTER);
        // Stryker disable next-line ObjectLiteral: the planted bug's copy, not the protocol (paxos/core/MUTATION.md)
        // Stryker disable next-line all: planted bug, not the protocol (paxos/core/MUTATION.md)
        if (lagged) notePriors(v, e.command);
        result = dropped ? applyCommand({ ...v.kv }, e.command) : applyCommand(v.kv, e.command, v.kvDigest, lagged);
        dedupPut(v.dedup, e.id, result, dedupWindow(ctx.config));
      }
      delete v.queued[e.id];
      resolve(ctx, e.id, result);
    }
    noteDigest(v, slot);
  }
  assert(v.commitIndex <= v.maxSlot || v.commitIndex === 0, `commit index ${v.commitIndex} beyond the highest known slot ${v.maxSlot}`);
  serveReads(ctx);
}

/** A leader says `slot` was chosen in `ballot`: if we accepted that ballot's value, we know it. */
export function onDecide(ctx: Ctx, msg: Extract<Msg, { type: 'decide' }>): void {
  const acc = ctx.d.accepted[msg.slot];
  if (ctx.d.decided[msg.slot] === undefined && acc !== undefined && sameBallot(acc.ballot, msg.ballot)) {
    decideSlot(ctx, msg.slot, acc.value, msg.ballot);
  }
  // Otherwise the heartbeat's commit index makes this node ask for it (catch-up).
}

export function sendCatchup(ctx: Ctx, to: NodeId): void {
  ctx.send(to, { type: 'catchup', slot: ctx.v.commitIndex + 1 });
}

export function onCatchup(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'catchup' }>): void {
  const { d, v } = ctx;
  if (msg.slot < d.logFrom) {
    ctx.send(from, snapshotMsg(ctx)); // what it needs is compacted here
    return;
  }
  const entries: [number, SlotValue][] = [];
  for (let s = Math.max(1, msg.slot); s <= v.commitIndex && entries.length < CATCHUP_CHUNK; s++) entries.push([s, d.decided[s]]);
  if (entries.length > 0) ctx.send(from, { type: 'learn', slot: entries[0][0], entries, commit: v.commitIndex });
}

export function onLearn(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'learn' }>): void {
  for (const [s, value] of msg.entries) decideSlot(ctx, s, value, null);
  apply(ctx);
  // Still behind the sender: ask for the next chunk at once rather than at the next heartbeat.
  if (msg.commit > ctx.v.commitIndex && msg.entries.length > 0) sendCatchup(ctx, from);
}

/** batch-drop: a slot's commands after this many are answered but not applied. */
export const BATCH_DROP_AFTER = 5;

/** skip-apply hits every SKIP_APPLY_EVERY-th slot. */
export const SKIP_APPLY_EVERY = 16;

/**
 * The planted skip-apply bug: the LAST node of config.nodes, on its live apply path only
 * (recovery replays correctly), drops the first state-changing command of every
 * SKIP_APPLY_EVERY-th slot. Its decided log stays identical to everyone else's.
 */
// Stryker disable all: planted bug, not the protocol (paxos/core/MUTATION.md)
function skippedBySkipApply(ctx: Ctx, slot: number, value: SlotValue): Entry | undefined {
  if (value === null || slot % SKIP_APPLY_EVERY !== 0 || ctx.self !== ctx.config.nodes[ctx.config.nodes.length - 1]) return undefined;
  return value.find((e) => dedupGet(ctx.v.dedup, e.id) === undefined && changesState(e.command));
}
// Stryker restore all

/** stale-txn-read: a txn's reads see the state from before this many slots ahead of its own. */
export const STALE_TXN_LAG = 2;

/**
 * The planted stale-txn-read bug, on the live apply path only (recovery replays correctly; the
 * window starts empty after a restart). The learner keeps, for the slot being applied and the
 * STALE_TXN_LAG slots before it, the value each written key held before that slot's first
 * write to it (v.staleTxnLag); a txn's 'r' micro-ops read through those pre-images, i.e. the
 * state as it was before those slots, while its writes, appends and checks act on the current
 * state. Plain reads, writes and cas are untouched, and so is what the replicas store: only
 * what txns are told they read is stale.
 */
// Stryker disable all: planted bug, not the protocol (paxos/core/MUTATION.md)
function staleTxnReader(v: Volatile, slot: number): TxnReader {
  const lag = (v.staleTxnLag ??= []);
  if (lag.length > 0 && lag[lag.length - 1].slot !== slot - 1) lag.length = 0; // a snapshot jumped the applied index
  lag.push({ slot, priors: {} });
  while (lag.length > STALE_TXN_LAG + 1) lag.shift();
  assert(lag.every((w, i) => i === 0 || w.slot === lag[i - 1].slot + 1), `stale-txn-read window of slots ${lag.map((w) => w.slot).join(',')} is not contiguous`);
  return (key: Key): Value => {
    for (const w of lag) if (Object.hasOwn(w.priors, 'k:' + key)) return w.priors['k:' + key];
    return kvGet(v.kv, key);
  };
}

/** Records, for the slot being applied, what each key `command` may write holds now (its first pre-image only). */
function notePriors(v: Volatile, command: Command): void {
  const window = v.staleTxnLag!;
  const current = window[window.length - 1].priors;
  for (const key of keysWritten(command)) if (!Object.hasOwn(current, 'k:' + key)) current['k:' + key] = kvGet(v.kv, key);
}
// Stryker restore all
