/** Routes a peer message to the role that handles it. */
import { type Ctx } from './context.js';
import { onAccept, onHeartbeat, onPrepare } from './acceptor.js';
import { onForward, onForwardReply } from './client.js';
import { onAccepted, onLeaderHeartbeatAck, onNack, onPromise } from './leader.js';
import { onCatchup, onDecide, onLearn } from './learner.js';
import type { Msg } from './messages.js';
import { onSnapshot } from './snapshot.js';
import type { NodeId } from './types.js';

export function dispatchMessage(ctx: Ctx, from: NodeId, msg: Msg): void {
  switch (msg.type) {
    case 'prepare': return onPrepare(ctx, from, msg);
    case 'promise': return onPromise(ctx, from, msg);
    case 'nack': return onNack(ctx, msg);
    case 'accept': return onAccept(ctx, from, msg);
    case 'accepted': return onAccepted(ctx, from, msg);
    case 'decide': return onDecide(ctx, msg);
    case 'heartbeat': return onHeartbeat(ctx, from, msg);
    case 'heartbeatAck': return onLeaderHeartbeatAck(ctx, from, msg);
    case 'catchup': return onCatchup(ctx, from, msg);
    case 'learn': return onLearn(ctx, from, msg);
    case 'forward': return onForward(ctx, from, msg);
    case 'forwardReply': return onForwardReply(ctx, msg);
    case 'snapshot': return onSnapshot(ctx, msg);
    default:
      throw new Error(`unknown message type ${JSON.stringify((msg as { type?: unknown }).type)}`);
  }
}
