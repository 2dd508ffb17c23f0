/**
 * Client commands at any node. The leader queues them for the next slot (reads go through a
 * read-index round); a follower that knows a leader forwards them and relays the answer; a
 * node that knows no leader fails them (nothing was proposed). Command ids are
 * `origin:incarnation:requestId`, so the state machine can apply each exactly once.
 */
import { sameBallot } from './ballot.js';
import { addWaiter, answer, NOT_LEADER, resolve, type Ctx } from './context.js';
import { kvGet } from './kv.js';
import { dedupGet } from './dedup.js';
import type { CmdId, Msg } from './messages.js';
import { addRead } from './reads.js';
import type { Command, NodeId } from './types.js';

export function onClient(ctx: Ctx, rid: number, command: Command): void {
  const { d, v } = ctx;
  const id: CmdId = `${ctx.self}:${d.incarnation}:${rid}`;
  // Stryker disable all: planted bug, not the protocol (paxos/core/MUTATION.md)
  if (ctx.config.bug === 'stale-read' && command.op === 'read' && v.role !== 'leader') {
    // Planted bug: a follower answers from its possibly stale local state.
    ctx.reply(rid, { type: 'ok', value: kvGet(v.kv, command.key) });
    return;
  }
  // Stryker restore all
  if (v.role === 'leader') {
    submit(ctx, id, command, { node: ctx.self, rid });
  } else if (v.leader !== null) {
    addWaiter(ctx, id, { node: ctx.self, rid });
    ctx.send(v.leader, { type: 'forward', ballot: v.leaderBallot, id, command });
  } else {
    ctx.reply(rid, NOT_LEADER);
  }
}

/** The leader takes a command (local or forwarded); a known id is answered, never re-applied. */
function submit(ctx: Ctx, id: CmdId, command: Command, waiter: { node: NodeId; rid: number }): void {
  const v = ctx.v;
  const done = dedupGet(v.dedup, id);
  if (done !== undefined) {
    answer(ctx, id, waiter, done);
    return;
  }
  addWaiter(ctx, id, waiter);
  if (command.op === 'read') addRead(ctx, id, command.key);
  else if (v.queued[id] === undefined) {
    v.queued[id] = true;
    v.queue.push({ id, command });
  }
}

export function onForward(ctx: Ctx, from: NodeId, msg: Extract<Msg, { type: 'forward' }>): void {
  const v = ctx.v;
  if (v.role === 'leader' && sameBallot(msg.ballot, v.ballot)) {
    submit(ctx, msg.id, msg.command, { node: from, rid: 0 });
    return;
  }
  // Not the leader of that ballot (any more): an earlier copy of this forward may have been
  // proposed in it, so only a read may be failed.
  const result = msg.command.op === 'read' ? { ...NOT_LEADER, leader: v.leader } : { type: 'unknown' as const, error: 'leader-changed' };
  ctx.send(from, { type: 'forwardReply', id: msg.id, result, leader: v.leader });
}

export function onForwardReply(ctx: Ctx, msg: Extract<Msg, { type: 'forwardReply' }>): void {
  resolve(ctx, msg.id, msg.result);
}
