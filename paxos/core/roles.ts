/**
 * Role changes shared by every role: which leader a node believes in, and stepping down from
 * leader/candidate. Stepping down answers every waiting client honestly: `fail` only for what
 * was never proposed (still queued, or a read), `unknown` for what may yet be decided.
 */
import { sameBallot, type Ballot } from './ballot.js';
import { NOT_LEADER, resolve, resolveAll, TIMER, type Ctx } from './context.js';
import type { NodeId } from './types.js';

export function noteRound(ctx: Ctx, round: number): void {
  if (round > ctx.v.maxRound) ctx.v.maxRound = round;
}

/**
 * Believe `leader` (null: none known). A follower's forwarded commands were sent to the old
 * leader, which may or may not have proposed them: they become unknown.
 */
export function setLeader(ctx: Ctx, leader: NodeId | null, ballot: Ballot): void {
  const v = ctx.v;
  if (v.leader === leader && sameBallot(v.leaderBallot, ballot)) return;
  if (v.role !== 'leader') resolveAll(ctx, { type: 'unknown', error: 'leader-changed' });
  v.leader = leader;
  v.leaderBallot = ballot;
}

export function stepDown(ctx: Ctx): void {
  const v = ctx.v;
  if (v.role === 'leader') {
    for (const e of v.queue) resolve(ctx, e.id, NOT_LEADER); // never proposed anywhere
    const reads = [...(v.round?.reads ?? []), ...v.readQueue, ...v.readReady.flatMap((r) => r.reads)];
    for (const r of reads) resolve(ctx, r.id, NOT_LEADER); // a read changes nothing
    resolveAll(ctx, { type: 'unknown', error: 'leadership-lost' }); // proposed: may still be decided
    v.queue = [];
    v.queued = {};
    v.proposals = {};
    v.inflight = 0;
    v.round = null;
    v.readQueue = [];
    v.readReady = [];
    v.leader = null;
    ctx.cancelTimer(TIMER.heartbeat);
  }
  v.role = 'follower';
  v.promisedBy = [];
  v.reports = [];
  ctx.setTimer(TIMER.election, ctx.config.electionTimeoutMs);
}
