/**
 * Linearizable reads without the log (read index): the leader notes the highest slot it has
 * proposed, confirms with a quorum round in its ballot that no higher ballot has taken over,
 * then answers once that slot is applied. Every heartbeat is such a round, and all reads that
 * arrive while a round is in flight share the next one.
 */
import { assert, resolve, type Ctx } from './context.js';
import { kvGet } from './kv.js';
import type { CmdId } from './messages.js';
import type { Key } from './types.js';

export function addRead(ctx: Ctx, id: CmdId, key: Key): void {
  const v = ctx.v;
  // Stryker disable all: planted bug, not the protocol (paxos/core/MUTATION.md)
  if (ctx.config.bug === 'lease-skew' && ctx.wallMs < v.leaseUntilWall) {
    // Planted bug: trusts the wall clock that a lease still holds, skipping the quorum round.
    resolve(ctx, id, { type: 'ok', value: kvGet(v.kv, key) });
    return;
  }
  // Stryker restore all
  v.readQueue.push({ id, key });
  if (v.round === null) startRound(ctx);
}

/** A new heartbeat round; its reads may be answered once it is confirmed by a quorum. */
export function startRound(ctx: Ctx): void {
  const v = ctx.v;
  assert(v.role === 'leader', 'only a leader runs read rounds');
  // Any slot chosen before these reads arrived is below nextSlot: either this leader proposed
  // it, or phase 1 found it (a chosen value is accepted by a quorum) and re-proposed it.
  v.round = { seq: ++v.hbSeq, acks: [ctx.self], index: v.nextSlot - 1, reads: v.readQueue };
  v.readQueue = [];
  ctx.broadcast({ type: 'heartbeat', ballot: v.ballot, commit: v.commitIndex, seq: v.round.seq });
  if (v.round.acks.length >= ctx.quorum) roundDone(ctx);
}

function roundDone(ctx: Ctx): void {
  const v = ctx.v;
  const round = v.round!;
  v.round = null;
  // Stryker disable next-line all: planted bug, not the protocol (paxos/core/MUTATION.md)
  if (ctx.config.bug === 'lease-skew') v.leaseUntilWall = ctx.wallMs + ctx.config.electionTimeoutMs;
  if (round.reads.length > 0) v.readReady.push(round);
  serveReads(ctx);
  if (v.readQueue.length > 0) startRound(ctx);
}

export function onHeartbeatAck(ctx: Ctx, from: string, seq: number): void {
  const round = ctx.v.round;
  if (round === null || seq < round.seq || round.acks.includes(from)) return;
  round.acks.push(from);
  if (round.acks.length >= ctx.quorum) roundDone(ctx);
}

/** Answers confirmed reads whose index is applied. */
export function serveReads(ctx: Ctx): void {
  const v = ctx.v;
  while (v.readReady.length > 0 && v.readReady[0].index <= v.commitIndex) {
    const round = v.readReady.shift()!;
    for (const r of round.reads) resolve(ctx, r.id, { type: 'ok', value: kvGet(v.kv, r.key) });
  }
}
