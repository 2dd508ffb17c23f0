/**
 * Ballots: Lamport's unique proposal numbers, `(round, nodeId)`, totally ordered by round and
 * then by node id (string order), so two nodes can never pick the same ballot.
 */
import type { NodeId } from './types.js';

export type Ballot = [round: number, node: NodeId];

/** Lower than every real ballot (rounds start at 1). */
export const ZERO_BALLOT: Ballot = [0, ''];

/** Negative, zero or positive as `a` is lower than, equal to or higher than `b`. */
export function cmpBallot(a: Ballot, b: Ballot): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

export function sameBallot(a: Ballot, b: Ballot): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return cmpBallot(a, b) >= 0 ? a : b;
}
