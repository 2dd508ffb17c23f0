/**
 * The acceptor (and follower) side: promises, accepts, heartbeats from a leader. Rules:
 * never promise or accept below the promised ballot; an accepted slot's ballot never
 * decreases; the promise/accept is persisted before the reply that reveals it.
 */
import { cmpBallot, sameBallot, ZERO_BALLOT, type Ballot } from './ballot.js';
import { assert, TIMER, type Ctx } from './context.js';
import { sendCatchup } from './learner.js';
import { noteRound, setLeader, stepDown } from './roles.js';
import type { Msg, SlotValue } from './messages.js';
import type { NodeId } from './types.js';
import { snapshotMsg } from './snapshot.js';

/** What this acceptor reports to a candidate: accepted and decided slots from `from` on. */
export function promiseReport(ctx: Ctx, from: number): { accepted: [number, Ballot, SlotValue][]; decided: [number, SlotValue][] } {
  const { d, v } = ctx;
  const accepted: [number, Ballot, SlotValue][] = [];
  for (const key of Object.keys(d.accepted)) {
    const s = Number(key);
    if (s >= from) accepted.push([s, d.accepted[key].ballot, d.accepted[key].value]);
  }
  const decided: [number, SlotValue][] = [];
  for (let s = from; s <= v.maxSlot; s++) if (d.decided[s] !== undefined) decided.push([s, d.decided[s]]);
  return { accepted, decided };
}

/** A live leader in `ballot` was heard from: follow it and push the election back. */
function followLeader(ctx: Ctx, leader: NodeId, ballot: Ballot): void {
  setLeader(ctx, leader, ballot);
  ctx.v.lastLeaderWall = ctx.wallMs;
  // Stryker disable all: planted bug, not the protocol (paxos/core/MUTATION.md)
  const lease = ctx.config.bug === 'lease-skew' ? ctx.config.heartbeatMs : null;
  // Stryker restore all
  ctx.setTimer(TIMER.election, lease ?? ctx.config.electionTimeoutMs);
  ctx.cancelTimer(TIMER.campaign);
}

/** True if `ballot` is below our promise (and then the sender has been told). */
function refuse(ctx: Ctx, from: NodeId, ballot: Ballot): boolean {
  noteRound(ctx, ballot[0]);
  if (cmpBallot(ballot, ctx.d.promised) >= 0) return false;
  ctx.send(from, { type: 'nack', ballot, promised: ctx.d.promised });
  return true;
}

/** A leader or candidate hears of a higher ballot than its own: it is deposed. */
function yieldTo(ctx: Ctx, ballot: Ballot): void {
  if (ctx.v.role !== 'follower' && cmpBallot(ctx.v.ballot, ballot) < 0) stepDown(ctx);
}

export function onPrepare(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'prepare' }>): void {
  const { d } = ctx;
  if (msg.slot < d.logFrom) {
    // We cannot report the compacted slots it asks about (they are chosen and applied here):
    // no promise; our state instead, so that its next campaign asks from above our log.
    noteRound(ctx, msg.ballot[0]);
    ctx.send(from, snapshotMsg(ctx));
    return;
  }
  if (refuse(ctx, from, msg.ballot)) return;
  if (cmpBallot(msg.ballot, d.promised) > 0) {
    d.promised = msg.ballot;
    ctx.persistAcceptor({ t: 'promise', b: msg.ballot });
    yieldTo(ctx, msg.ballot);
    // The old leader is deposed; give the candidate time to finish phase 1.
    setLeader(ctx, null, ZERO_BALLOT);
    ctx.setTimer(TIMER.election, ctx.config.electionTimeoutMs);
    ctx.cancelTimer(TIMER.campaign);
  }
  ctx.send(from, { type: 'promise', ballot: msg.ballot, slot: msg.slot, ...promiseReport(ctx, msg.slot) });
}

export function onAccept(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'accept' }>): void {
  const { d, v } = ctx;
  if (refuse(ctx, from, msg.ballot)) return;
  const raised = cmpBallot(msg.ballot, d.promised) > 0;
  if (raised) d.promised = msg.ballot;
  yieldTo(ctx, msg.ballot);
  followLeader(ctx, from, msg.ballot);
  const prev = d.accepted[msg.slot];
  if (msg.slot >= d.logFrom && d.decided[msg.slot] === undefined && !(prev !== undefined && sameBallot(prev.ballot, msg.ballot))) {
    assert(prev === undefined || cmpBallot(prev.ballot, msg.ballot) < 0, `slot ${msg.slot}: accepted ballot would decrease`);
    d.accepted[msg.slot] = { ballot: msg.ballot, value: msg.value };
    ctx.persistAcceptor({ t: 'accept', b: msg.ballot, s: msg.slot, v: msg.value });
    if (msg.slot > v.maxSlot) v.maxSlot = msg.slot;
  } else if (raised) {
    // A retransmission (one ballot proposes one value per slot) or a decided slot: no new
    // accept record, but a raised promise must still be durable before the ack.
    ctx.persistAcceptor({ t: 'promise', b: msg.ballot });
  }
  ctx.send(from, { type: 'accepted', ballot: msg.ballot, slot: msg.slot });
}

export function onHeartbeat(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'heartbeat' }>): void {
  const v = ctx.v;
  if (refuse(ctx, from, msg.ballot)) return;
  if (v.role === 'leader' && sameBallot(v.ballot, msg.ballot)) return; // cannot happen: ballots are unique
  yieldTo(ctx, msg.ballot);
  followLeader(ctx, from, msg.ballot);
  ctx.send(from, { type: 'heartbeatAck', ballot: msg.ballot, seq: msg.seq });
  // Behind the leader and no progress since the last heartbeat: ask for what is missing.
  if (msg.commit > v.commitIndex && v.commitIndex <= v.lastHbCommit) sendCatchup(ctx, from);
  v.lastHbCommit = v.commitIndex;
}
