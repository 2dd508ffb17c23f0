/**
 * The pure Multi-Paxos core, as drivers use it (the node shell, the simulator, the model
 * checker). See types.ts for the event/effect contract and step.ts for the mutation rule.
 */
export { step, start, type StepResult } from './step.js';
export { initState, cloneState, canonicalKey, status, decidedEntries, appliedState, logBounds, DIGEST_RING, type State, type Status, type DecidedEntry, type AppliedState, type Role } from './state.js';
export { cmpBallot, ZERO_BALLOT, type Ballot } from './ballot.js';
export { canonicalJson, digestOf, fnv1a64 } from '../../ground/canonical.js';
export { applyCommand, commandError, kvGet, kvDigestOf, digestHex } from './kv.js';
export { TIMER, InvariantError, type CoreEffect } from './context.js';
export { DEFAULT_MAX_INFLIGHT } from './leader.js';
export { walCarry } from './snapshot.js';
export { DEFAULT_DEDUP_WINDOW } from './dedup.js';
export type { Msg, Rec, Entry, SlotValue, CmdId } from './messages.js';
export * from './types.js';
import type { Config } from './types.js';
import { BUGS } from './types.js';

/** Why `config` cannot run a node, or null if it can (drivers turn this into a usage error). */
export function configError(config: Config): string | null {
  const ids = config.nodes;
  if (!Array.isArray(ids) || ids.length === 0) return 'nodes must be a non-empty list';
  if (new Set(ids).size !== ids.length) return `duplicate node ids in ${ids.join(',')}`;
  if (ids.some((n) => typeof n !== 'string' || n.length === 0)) return 'node ids must be non-empty strings';
  if (!ids.includes(config.self)) return `self ${config.self} is not one of the nodes ${ids.join(',')}`;
  if (config.bug !== null && !BUGS.includes(config.bug)) return `unknown bug ${config.bug} (known: ${BUGS.join(', ')})`;
  const positive = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x > 0;
  if (!positive(config.heartbeatMs)) return 'heartbeatMs must be a positive integer';
  if (!positive(config.electionTimeoutMs)) return 'electionTimeoutMs must be a positive integer';
  if (config.electionTimeoutMs <= config.heartbeatMs) return 'electionTimeoutMs must exceed heartbeatMs';
  if (config.firstElectionTimeoutMs !== undefined && !positive(config.firstElectionTimeoutMs)) return 'firstElectionTimeoutMs must be a positive integer';
  if (config.firstElectionTimeoutMs !== undefined && config.firstElectionTimeoutMs > config.electionTimeoutMs) return 'firstElectionTimeoutMs must not exceed electionTimeoutMs';
  if (!positive(config.maxBatch)) return 'maxBatch must be a positive integer';
  if (config.maxInflight !== undefined && !positive(config.maxInflight)) return 'maxInflight must be a positive integer';
  if (config.snapshotEvery !== undefined && config.snapshotEvery !== 0 && !positive(config.snapshotEvery)) return 'snapshotEvery must be a positive integer (or 0: never)';
  if (config.dedupWindow !== undefined && !positive(config.dedupWindow)) return 'dedupWindow must be a positive integer';
  return null;
}
