/**
 * Lamport's Voting algorithm (the abstraction Paxos refines, from "Paxos: how to win a Turing
 * award"), as TypeScript predicates over its two variables `votes` and `maxBal`. Used for
 *  - the inductive invariant of the Paxos.tla transcription (golden test), and
 *  - the refinement check of the real paxos/core: each slot's projection of every core step
 *    must be a Voting step (IncreaseMaxBal or VoteFor) or a stutter.
 * Values are strings (callers key richer values canonically); acceptors are indices 0..n-1.
 */

export interface VotingConsts {
  acceptors: number;
  /** Every pair of quorums must intersect (checked by `validateConsts`). */
  quorums: number[][];
}

export interface VotingState {
  /** votes[a]: every <<ballot, value>> acceptor a ever voted for. */
  votes: ReadonlyArray<ReadonlyArray<readonly [number, string]>>;
  /** maxBal[a]: the highest ballot a has joined (-1 initially). */
  maxBal: readonly number[];
}

export function validateConsts(c: VotingConsts): void {
  for (const q of c.quorums) {
    if (q.some((a) => a < 0 || a >= c.acceptors)) throw new Error(`quorum ${JSON.stringify(q)} names an unknown acceptor`);
  }
  for (const q1 of c.quorums) {
    for (const q2 of c.quorums) {
      if (!q1.some((a) => q2.includes(a))) throw new Error(`quorums ${JSON.stringify(q1)} and ${JSON.stringify(q2)} do not intersect`);
    }
  }
}

/** Majorities of n acceptors (the only quorum system the project uses). */
export function majorities(n: number): number[][] {
  const out: number[][] = [];
  const need = Math.floor(n / 2) + 1;
  const pick = (from: number, chosen: number[]): void => {
    if (chosen.length === need) { out.push(chosen); return; }
    for (let a = from; a < n; a++) pick(a + 1, [...chosen, a]);
  };
  pick(0, []);
  return out;
}

export const votedFor = (s: VotingState, a: number, b: number, v: string): boolean =>
  s.votes[a].some(([vb, vv]) => vb === b && vv === v);

const didNotVoteAt = (s: VotingState, a: number, b: number): boolean => !s.votes[a].some(([vb]) => vb === b);

const cannotVoteAt = (s: VotingState, a: number, b: number): boolean => s.maxBal[a] > b && didNotVoteAt(s, a, b);

export const chosenAt = (c: VotingConsts, s: VotingState, b: number, v: string): boolean =>
  c.quorums.some((q) => q.every((a) => votedFor(s, a, b, v)));

/** Every value chosen at some ballot. */
export function chosen(c: VotingConsts, s: VotingState): string[] {
  const out = new Set<string>();
  const ballots = new Set(s.votes.flatMap((vs) => vs.map(([b]) => b)));
  for (const b of ballots) {
    for (const v of new Set(s.votes.flatMap((vs) => vs.filter(([vb]) => vb === b).map(([, vv]) => vv)))) {
      if (chosenAt(c, s, b, v)) out.add(v);
    }
  }
  return [...out].sort();
}

const noneOtherChoosableAt = (c: VotingConsts, s: VotingState, b: number, v: string): boolean =>
  c.quorums.some((q) => q.every((a) => votedFor(s, a, b, v) || cannotVoteAt(s, a, b)));

export function safeAt(c: VotingConsts, s: VotingState, b: number, v: string): boolean {
  for (let d = 0; d < b; d++) if (!noneOtherChoosableAt(c, s, d, v)) return false;
  return true;
}

export function showsSafeAt(s: VotingState, q: readonly number[], b: number, v: string): boolean {
  if (!q.every((a) => s.maxBal[a] >= b)) return false;
  for (let c = -1; c < b; c++) {
    if (c !== -1 && !q.some((a) => votedFor(s, a, c, v))) continue;
    let quiet = true;
    for (let d = c + 1; d < b && quiet; d++) quiet = q.every((a) => didNotVoteAt(s, a, d));
    if (quiet) return true;
  }
  return false;
}

/** OneValuePerBallot: true, or a description of two different votes in one ballot. */
export function oneValuePerBallot(s: VotingState): true | string {
  const seen = new Map<number, string>();
  for (const vs of s.votes) {
    for (const [b, v] of vs) {
      const other = seen.get(b);
      if (other !== undefined && other !== v) return `ballot ${b} has votes for both ${other} and ${v}`;
      seen.set(b, v);
    }
  }
  return true;
}

/** VotesSafe: every vote is for a value safe at its ballot. */
export function votesSafe(c: VotingConsts, s: VotingState): true | string {
  for (let a = 0; a < s.votes.length; a++) {
    for (const [b, v] of s.votes[a]) if (!safeAt(c, s, b, v)) return `acceptor ${a} voted ${v} in ballot ${b}, which is not safe there`;
  }
  return true;
}

/**
 * Is from -> to a step of Voting's Next, or a stutter? Returns true or why not. Exactly one
 * acceptor may change: IncreaseMaxBal(a, b) raises maxBal only; VoteFor(a, b, v) adds one vote
 * <<b, v>> and sets maxBal[a] to b, under its four enabling conditions.
 */
export function isVotingStep(c: VotingConsts, from: VotingState, to: VotingState): true | string {
  const changed: number[] = [];
  for (let a = 0; a < c.acceptors; a++) {
    if (from.maxBal[a] !== to.maxBal[a] || !sameVotes(from.votes[a], to.votes[a])) changed.push(a);
  }
  if (changed.length === 0) return true;
  if (changed.length > 1) return `acceptors ${changed.join(', ')} changed in one step`;
  const a = changed[0];
  const b = to.maxBal[a];
  const added = to.votes[a].filter(([vb, vv]) => !votedFor(from, a, vb, vv));
  const removed = from.votes[a].filter(([vb, vv]) => !votedFor(to, a, vb, vv));
  if (removed.length > 0) return `acceptor ${a} forgot its vote(s) ${JSON.stringify(removed)}`;
  if (added.length === 0) {
    return b > from.maxBal[a] ? true : `acceptor ${a}'s maxBal went from ${from.maxBal[a]} to ${b} (IncreaseMaxBal needs an increase)`;
  }
  if (added.length > 1) return `acceptor ${a} cast ${added.length} votes in one step`;
  const [vb, v] = added[0];
  const who = `VoteFor(${a}, ${vb}, ${v})`;
  if (vb !== b) return `${who} must set maxBal to ${vb}, not ${b}`;
  if (from.maxBal[a] > vb) return `${who} with maxBal ${from.maxBal[a]} > ${vb}`;
  if (!didNotVoteAt(from, a, vb)) return `${who}: acceptor ${a} already voted in ballot ${vb}`;
  for (let o = 0; o < c.acceptors; o++) {
    if (o === a) continue;
    const conflict = from.votes[o].find(([ob, ov]) => ob === vb && ov !== v);
    if (conflict) return `${who}: acceptor ${o} voted ${conflict[1]} in that ballot`;
  }
  if (!c.quorums.some((q) => showsSafeAt(from, q, vb, v))) return `${who}: no quorum shows ${v} safe at ballot ${vb}`;
  return true;
}

function sameVotes(x: ReadonlyArray<readonly [number, string]>, y: ReadonlyArray<readonly [number, string]>): boolean {
  return x.length === y.length && x.every(([b, v]) => y.some(([yb, yv]) => yb === b && yv === v));
}
