/**
 * The core's entry points: step (one event in, effects out), start (arm the first timers
 * after initState). step MUTATES the state it is given and returns that same object: drivers
 * that branch (the model checker) pass a cloneState copy.
 */
import { dispatchMessage } from './dispatch.js';
import { Ctx, TIMER, type CoreEffect } from './context.js';
import { apply } from './learner.js';
import { campaign, heartbeatTick, pump } from './leader.js';
import type { Msg } from './messages.js';
import type { State } from './state.js';
import { onClient } from './client.js';
import { maybeSnapshot } from './snapshot.js';
import type { Config, Event } from './types.js';

export interface StepResult {
  state: State;
  effects: CoreEffect[];
}

export function step(config: Config, state: State, event: Event<Msg>): StepResult {
  const ctx = new Ctx(config, state, event.wallMs);
  const inflightBefore = state.volatile.inflight;
  flushDecisions(ctx); // deferred by the previous step
  switch (event.type) {
    case 'client':
      onClient(ctx, event.id, event.command);
      break;
    case 'message':
      // Only cluster members talk to the core (a stray sender is ignored: no effects).
      if (event.from === config.self || !config.nodes.includes(event.from)) return { state, effects: [] };
      dispatchMessage(ctx, event.from, event.msg);
      break;
    case 'timer':
      onTimer(ctx, event.name, event.rand);
      break;
    default:
      throw new Error(`unknown event ${JSON.stringify(event)}`);
  }
  apply(ctx);
  // Only a tick or a decision that freed a pipeline slot proposes a part-full batch (pump).
  pump(ctx, event.type !== 'timer' && ctx.v.inflight >= inflightBefore);
  apply(ctx); // a single-node cluster decides in pump
  maybeSnapshot(ctx);
  if (ctx.persisting) flushDecisions(ctx); // this step's fsync is happening anyway
  return { state, effects: ctx.effects() };
}

function flushDecisions(ctx: Ctx): void {
  const v = ctx.v;
  if (v.unflushed.length === 0) return;
  for (const record of v.unflushed) ctx.persist(record);
  v.unflushed = [];
}

function onTimer(ctx: Ctx, name: string, rand: number): void {
  const { v, config } = ctx;
  switch (name) {
    case TIMER.election: {
      if (v.role === 'leader') return;
      // Stryker disable all: planted bug, not the protocol (paxos/core/MUTATION.md)
      if (config.bug === 'lease-skew' && v.role === 'follower' && v.leader !== null && ctx.wallMs - v.lastLeaderWall < config.electionTimeoutMs) {
        // Planted bug: the wall clock decides whether the leader's lease has expired.
        ctx.setTimer(TIMER.election, config.heartbeatMs);
        return;
      }
      // Stryker restore all
      // Randomized back-off so that candidates do not duel forever.
      ctx.setTimer(TIMER.campaign, 1 + Math.floor(rand * electionTimeoutOf(config, ctx.state)));
      return;
    }
    case TIMER.campaign:
      campaign(ctx);
      return;
    case TIMER.heartbeat:
      if (v.role === 'leader') heartbeatTick(ctx);
      return;
    default:
      throw new Error(`unknown timer ${name}`);
  }
}

/** Effects that boot a node after initState: persist its incarnation, arm the election timer. */
export function start(config: Config, state: State): CoreEffect[] {
  return [
    { type: 'persist', record: { t: 'boot', inc: state.durable.incarnation } },
    { type: 'setTimer', name: TIMER.election, ms: electionTimeoutOf(config, state) },
  ];
}

/**
 * The election timeout in force, which is also the range of the random back-off. A node on its
 * first boot (incarnation 1) that has seen no ballot, not even its own campaign's, belongs to a
 * cluster that is just starting: it uses firstElectionTimeoutMs when configured, so the first
 * leader comes sooner. A restarted node never does: it must hear the live leader's heartbeat
 * before it campaigns. Timing only: safety never depends on it.
 */
export function electionTimeoutOf(config: Config, state: State): number {
  const fresh = state.durable.incarnation === 1 && state.volatile.maxRound === 0;
  return fresh && config.firstElectionTimeoutMs !== undefined ? config.firstElectionTimeoutMs : config.electionTimeoutMs;
}
