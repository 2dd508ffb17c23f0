/**
 * The proposer/leader: campaign (phase 1 once for every slot from the first unchosen one),
 * adopting the highest-ballot value per slot and filling holes with no-ops, then phase 2 per
 * slot with several slots in flight and client commands batched into each slot.
 */
import { cmpBallot, sameBallot, ZERO_BALLOT, type Ballot } from './ballot.js';
import { assert, resolve, TIMER, type Ctx } from './context.js';
import { promiseReport } from './acceptor.js';
import { apply, decideSlot } from './learner.js';
import type { Msg, SlotValue } from './messages.js';
import { onHeartbeatAck, startRound } from './reads.js';
import { noteRound, setLeader, stepDown } from './roles.js';
import type { NodeId } from './types.js';

/** Slots in flight at once when Config.maxInflight is not given. */
export const DEFAULT_MAX_INFLIGHT = 8;

export function campaign(ctx: Ctx): void {
  const { d, v } = ctx;
  if (v.role === 'leader') return;
  setLeader(ctx, null, ZERO_BALLOT);
  v.role = 'candidate';
  const round = Math.max(v.maxRound, d.promised[0]) + 1;
  v.ballot = [round, ctx.self];
  v.maxRound = round;
  d.promised = v.ballot;
  ctx.persistAcceptor({ t: 'promise', b: v.ballot });
  v.prepareFrom = v.commitIndex + 1;
  v.promisedBy = [ctx.self];
  v.reports = [promiseReport(ctx, v.prepareFrom)];
  ctx.broadcast({ type: 'prepare', ballot: v.ballot, slot: v.prepareFrom });
  // No quorum in time: the election timer fires again and a new round follows a back-off.
  ctx.setTimer(TIMER.election, ctx.config.electionTimeoutMs);
  ctx.cancelTimer(TIMER.campaign);
  if (v.promisedBy.length >= ctx.quorum) becomeLeader(ctx);
}

export function onPromise(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'promise' }>): void {
  const v = ctx.v;
  if (v.role !== 'candidate' || !sameBallot(msg.ballot, v.ballot) || v.promisedBy.includes(from)) return;
  v.promisedBy.push(from);
  v.reports.push({ accepted: msg.accepted, decided: msg.decided });
  if (v.promisedBy.length >= ctx.quorum) becomeLeader(ctx);
}

function becomeLeader(ctx: Ctx): void {
  const { d, v } = ctx;
  assert(v.role === 'candidate' && sameBallot(d.promised, v.ballot), 'only a candidate that holds its own promise becomes leader');
  const from = v.prepareFrom;
  let maxSlot = from - 1;
  const best: Record<string, { ballot: Ballot; value: SlotValue }> = {};
  // Planted bug no-adopt: ignore what the quorum reported accepted (or decided).
  // Stryker disable next-line all: planted bug, not the protocol (paxos/core/MUTATION.md)
  const reports = ctx.config.bug === 'no-adopt' ? [] : v.reports;
  for (const r of reports) {
    for (const [s, value] of r.decided) {
      decideSlot(ctx, s, value, null);
      maxSlot = Math.max(maxSlot, s);
    }
    for (const [s, ballot, value] of r.accepted) {
      const cur = best[s];
      if (cur === undefined || cmpBallot(ballot, cur.ballot) > 0) best[s] = { ballot, value };
      maxSlot = Math.max(maxSlot, s);
    }
  }
  v.role = 'leader';
  v.leader = ctx.self;
  v.leaderBallot = v.ballot;
  v.promisedBy = [];
  v.reports = [];
  v.proposals = {};
  v.inflight = 0;
  v.queue = [];
  v.queued = {};
  v.round = null;
  v.readQueue = [];
  v.readReady = [];
  ctx.cancelTimer(TIMER.election);
  ctx.cancelTimer(TIMER.campaign);
  // Re-propose every reported slot in our ballot: the highest-ballot value, else a no-op. Not
  // the slots applied meanwhile (caught up during the campaign; maybe compacted already).
  for (let s = Math.max(from, v.commitIndex + 1); s <= maxSlot; s++) {
    if (d.decided[s] === undefined) proposeAt(ctx, s, best[s] === undefined ? null : best[s].value);
  }
  v.nextSlot = Math.max(maxSlot, v.commitIndex) + 1;
  apply(ctx);
  heartbeatTick(ctx, false);
}

/** Phase 2 for slot `s`: accept it ourselves (persisted), then ask every other acceptor. */
function proposeAt(ctx: Ctx, s: number, value: SlotValue): void {
  const { d, v } = ctx;
  assert(sameBallot(d.promised, v.ballot), 'a leader proposes only in the ballot it has promised');
  assert(s > v.commitIndex && s >= d.logFrom, `slot ${s} is applied already (commit index ${v.commitIndex})`);
  const prev = d.accepted[s];
  assert(prev === undefined || cmpBallot(prev.ballot, v.ballot) <= 0, `slot ${s}: own accepted ballot would decrease`);
  d.accepted[s] = { ballot: v.ballot, value };
  ctx.persistAcceptor({ t: 'accept', b: v.ballot, s, v: value });
  if (s > v.maxSlot) v.maxSlot = s;
  v.proposals[s] = { value, acks: [ctx.self], ticks: 0 };
  v.inflight++;
  ctx.broadcast({ type: 'accept', ballot: v.ballot, slot: s, value });
  if (v.proposals[s].acks.length >= ctx.quorum) chosen(ctx, s);
}

function chosen(ctx: Ctx, s: number): void {
  const v = ctx.v;
  decideSlot(ctx, s, v.proposals[s].value, v.ballot);
  ctx.broadcast({ type: 'decide', ballot: v.ballot, slot: s });
}

/**
 * Proposes queued client commands, up to maxBatch per slot, while the pipeline has room.
 *
 * Batching (like Nagle's algorithm): an event proposes a part-full batch only when nothing is
 * in flight, when it freed a pipeline slot (a decision), or when it is a timer (the heartbeat
 * tick). Otherwise its commands wait (a client's own or a forwarded one alike), and the next
 * such event proposes everything queued so far in one slot. (Until 2026-12 a forwarded
 * command and every follower's ack proposed at once: about 4 commands per slot at c64 on five
 * nodes, and most traffic is forwarded.) Without this, under load every client event became a
 * slot of its own until the window was full (4.8 commands per slot at 64 clients), and every
 * slot costs two messages per follower, their fsyncs and a WAL record. With it, commands
 * arriving while slots are in flight gather into as few slots as possible, and an idle leader
 * still proposes a lone command at once (no added latency at low load).
 */
export function pump(ctx: Ctx, onlyIfIdle: boolean): void {
  const { d, v, config } = ctx;
  const window = config.maxInflight ?? DEFAULT_MAX_INFLIGHT;
  if (onlyIfIdle && v.inflight > 0 && v.queue.length < config.maxBatch) return;
  while (v.role === 'leader' && v.queue.length > 0 && v.inflight < window) {
    const batch = v.queue.length <= config.maxBatch ? v.queue : v.queue.slice(0, config.maxBatch);
    v.queue = batch === v.queue ? [] : v.queue.slice(config.maxBatch);
    while (d.decided[v.nextSlot] !== undefined) v.nextSlot++;
    proposeAt(ctx, v.nextSlot++, batch);
    // Stryker disable all: planted bug, not the protocol (paxos/core/MUTATION.md)
    if (config.bug === 'early-ack') {
      // Planted bug: acknowledge writes on proposal, before any quorum accepted them.
      for (const e of batch) if (e.command.op === 'write') resolve(ctx, e.id, { type: 'ok' });
    }
    // Stryker restore all
  }
}

export function onAccepted(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'accepted' }>): void {
  const v = ctx.v;
  if (v.role !== 'leader' || !sameBallot(msg.ballot, v.ballot)) return;
  const p = v.proposals[msg.slot];
  if (p === undefined || p.acks.includes(from)) return;
  p.acks.push(from);
  if (p.acks.length >= ctx.quorum) chosen(ctx, msg.slot);
}

export function onLeaderHeartbeatAck(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'heartbeatAck' }>): void {
  if (ctx.v.role === 'leader' && sameBallot(msg.ballot, ctx.v.ballot)) onHeartbeatAck(ctx, from, msg.seq);
}

/** Every heartbeatMs: a heartbeat round (or its retransmission) and accept retransmissions. */
export function heartbeatTick(ctx: Ctx, retransmit = true): void {
  const v = ctx.v;
  if (v.round === null) startRound(ctx);
  else ctx.broadcast({ type: 'heartbeat', ballot: v.ballot, commit: v.commitIndex, seq: v.round.seq });
  if (retransmit) for (const key of Object.keys(v.proposals)) {
    const p = v.proposals[key];
    // Back off: resend after 2 heartbeats without a quorum, then every 4th, so that a slow
    // (not lossy) cluster is not flooded with copies of big batches. (ticks stays in 0..6:
    // a bounded counter keeps the model checker's state space finite.)
    p.ticks = p.ticks === 6 ? 3 : p.ticks + 1;
    if (p.ticks !== 2 && p.ticks !== 6) continue;
    for (const n of ctx.config.nodes) {
      if (!p.acks.includes(n)) ctx.send(n, { type: 'accept', ballot: v.ballot, slot: Number(key), value: p.value });
    }
  }
  ctx.setTimer(TIMER.heartbeat, ctx.config.heartbeatMs);
}

export function onNack(ctx: Ctx, msg: Extract<Msg, { type: 'nack' }>): void {
  noteRound(ctx, msg.promised[0]);
  if (ctx.v.role !== 'follower' && cmpBallot(msg.promised, ctx.v.ballot) > 0) stepDown(ctx);
}
