/**
 * Golden test of the model checker against TLC: Lamport's Paxos.tla, TinyModel (3 acceptors,
 * 2 values, ballots 0..1) must give TLC's published 3,921 distinct states, 23,563 generated
 * and depth 17; its invariants and its refinement of Voting must hold; and a mutant whose
 * phase 2a ignores the values reported in phase 1b must be caught. About 1-2 s.
 */
import { describe, expect, it } from 'vitest';
import { check } from '../mc/checker.js';
import { formatResult } from '../mc/report.js';
import { paxosSpec, TINY, votingView } from './paxos.js';
import * as voting from './voting.js';

describe("Lamport's Paxos.tla under our checker", () => {
  it("matches TLC's figures exactly and keeps every invariant and the refinement of Voting", () => {
    const r = check(paxosSpec(), { continueAfterViolation: true });
    expect(r.violations).toEqual([]);
    expect(r.stats).toMatchObject({ distinct: 3921, generated: 23563, depth: 17 });
    expect(r.complete).toBe(true);
    expect(r.valid).toBe(true);
    // Non-vacuity: a value does get chosen in the explored space.
    expect(r.witnesses.SomethingChosen?.length).toBeGreaterThan(1);
  });

  it('catches the mutant whose phase 2a ignores phase 1b reports, with a readable trace', () => {
    const spec = paxosSpec(undefined, 'ignore-1b-values');
    const r = check(spec, { continueAfterViolation: true });
    expect(r.valid).toBe(false);
    const broken = r.violations.map((v) => v.property);
    expect(broken).toEqual(expect.arrayContaining(['Inv', 'VotesSafe', 'Agreement', 'RefinesVoting']));
    const agreement = r.violations.find((v) => v.property === 'Agreement')!;
    const last = agreement.trace.at(-1)!.state;
    expect(voting.chosen(TINY, votingView(last, 3))).toEqual(['v1', 'v2']);
    const text = formatResult(spec, r);
    expect(text).toMatch(/Invariant Agreement violated: chosen = v1,v2/);
    expect(text).toMatch(/Phase2a\(1, v\d\) quorum/);
  });
});

describe('Voting predicates', () => {
  const c = { acceptors: 3, quorums: voting.majorities(3) };
  it('builds majorities and rejects non-intersecting quorums', () => {
    expect(voting.majorities(3)).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(voting.majorities(4)).toHaveLength(4);
    expect(() => voting.validateConsts({ acceptors: 4, quorums: [[0, 1], [2, 3]] })).toThrow(/do not intersect/);
  });

  it('accepts IncreaseMaxBal, VoteFor and stutters; rejects forgetting, double voting and unsafe votes', () => {
    const s0: voting.VotingState = { votes: [[], [], []], maxBal: [-1, -1, -1] };
    expect(voting.isVotingStep(c, s0, s0)).toBe(true);
    expect(voting.isVotingStep(c, s0, { ...s0, maxBal: [1, -1, -1] })).toBe(true);
    // VoteFor needs a quorum that has joined the ballot (ShowsSafeAt's maxBal conjunct)...
    const voted: voting.VotingState = { votes: [[[0, 'x']], [], []], maxBal: [0, -1, -1] };
    expect(voting.isVotingStep(c, s0, voted)).toMatch(/no quorum shows x safe at ballot 0/);
    // ...and then ballot 0 is safe for anything.
    const ready: voting.VotingState = { votes: [[], [], []], maxBal: [-1, 0, 0] };
    expect(voting.isVotingStep(c, ready, { votes: [[], [[0, 'x']], []], maxBal: [-1, 0, 0] })).toBe(true);
    expect(voting.isVotingStep(c, voted, s0)).toMatch(/forgot/);
    expect(voting.isVotingStep(c, s0, { votes: [[[0, 'x']], [[0, 'x']], []], maxBal: [0, 0, -1] })).toMatch(/changed in one step/);
    // Ballot 1 for y needs a quorum with maxBal >= 1 showing y safe: a1 voted x at 0, so {a1,a2} does not show y safe...
    const joined: voting.VotingState = { votes: [[[0, 'x']], [], []], maxBal: [1, 1, -1] };
    expect(voting.isVotingStep(c, joined, { votes: [[[0, 'x']], [[1, 'y']], []], maxBal: [1, 1, -1] })).toMatch(/no quorum shows y safe/);
    // ...but it does show x safe.
    expect(voting.isVotingStep(c, joined, { votes: [[[0, 'x']], [[1, 'x']], []], maxBal: [1, 1, -1] })).toBe(true);
    expect(voting.isVotingStep(c, joined, { ...joined, maxBal: [0, 1, -1] })).toMatch(/IncreaseMaxBal needs an increase/);
  });

  it('OneValuePerBallot and VotesSafe reject bad vote sets', () => {
    expect(voting.oneValuePerBallot({ votes: [[[0, 'x']], [[0, 'y']], []], maxBal: [0, 0, -1] })).toMatch(/both x and y/);
    // y at ballot 1 while x may have been chosen at 0 (a1, a2 voted x): not safe.
    const s: voting.VotingState = { votes: [[[0, 'x']], [[0, 'x']], [[1, 'y']]], maxBal: [0, 0, 1] };
    expect(voting.votesSafe(c, s)).toMatch(/voted y in ballot 1/);
    expect(voting.chosen(c, s)).toEqual(['x']);
  });
});
