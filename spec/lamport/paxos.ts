/**
 * A faithful TypeScript transcription of Lamport's single-decree Paxos.tla (tlaplus/Examples,
 * specifications/PaxosHowToWinATuringAward) as a model-checker spec: variables maxBal, maxVBal,
 * maxVal and the set `msgs` of every message ever sent; actions Phase1a(b), Phase1b(a),
 * Phase2a(b, v), Phase2b(a). With 3 acceptors, 2 values and ballots 0..1 (the TinyModel) TLC
 * reports 3,921 distinct states, 23,563 generated, depth 17; the golden test requires the same
 * from our checker, which is how we know the checker is faithful.
 *
 * Every existential choice of the TLA+ (which message m, which quorum Q, which witness m in
 * Q1bv) yields its own successor, because that is what TLC counts as "generated".
 */
import type { Spec, Step } from '../mc/checker.js';
import { canonicalKey, memoKey, setAdd } from '../mc/canonical.js';
import * as voting from './voting.js';

export type Msg =
  | { type: '1a'; bal: number }
  | { type: '1b'; acc: number; bal: number; mbal: number; mval: string | null }
  | { type: '2a'; bal: number; val: string }
  | { type: '2b'; acc: number; bal: number; val: string };

export interface PaxosState {
  maxBal: readonly number[];
  maxVBal: readonly number[];
  /** null is the spec's None. */
  maxVal: ReadonlyArray<string | null>;
  /** A set: kept sorted by canonical key (setAdd). */
  msgs: readonly Msg[];
}

export interface PaxosConsts extends voting.VotingConsts {
  values: string[];
  maxBallot: number;
}

/** TLC's TinyModel: a1..a3, values v1 v2, Ballot = 0..1, quorums = the three pairs. */
export const TINY: PaxosConsts = { acceptors: 3, values: ['v1', 'v2'], maxBallot: 1, quorums: voting.majorities(3) };

const with_ = <T>(xs: readonly T[], i: number, x: T): T[] => xs.map((y, j) => (j === i ? x : y));

/** votes[a] = {<<m.bal, m.val>> : m a 2b message from a}: Paxos's refinement mapping to Voting. */
export function votingView(s: PaxosState, acceptors: number): voting.VotingState {
  const votes: Array<Array<readonly [number, string]>> = Array.from({ length: acceptors }, () => []);
  for (const m of s.msgs) if (m.type === '2b') votes[m.acc].push([m.bal, m.val]);
  return { votes, maxBal: s.maxBal };
}

export function paxosSpec(c: PaxosConsts = TINY, mutant: 'none' | 'ignore-1b-values' = 'none'): Spec<PaxosState> {
  voting.validateConsts(c);
  const acceptors = [...Array(c.acceptors).keys()];
  const ballots = [...Array(c.maxBallot + 1).keys()];
  const send = (s: PaxosState, m: Msg): readonly Msg[] => setAdd(s.msgs, m);

  function* phase1a(s: PaxosState): Iterable<Step<PaxosState>> {
    for (const b of ballots) yield { label: `Phase1a(${b})`, state: { ...s, msgs: send(s, { type: '1a', bal: b }) } };
  }

  function* phase1b(s: PaxosState): Iterable<Step<PaxosState>> {
    for (const a of acceptors) {
      for (const m of s.msgs) {
        if (m.type !== '1a' || !(m.bal > s.maxBal[a])) continue;
        yield {
          label: `Phase1b(a${a + 1}, bal ${m.bal})`,
          state: {
            ...s,
            maxBal: with_(s.maxBal, a, m.bal),
            msgs: send(s, { type: '1b', acc: a, bal: m.bal, mbal: s.maxVBal[a], mval: s.maxVal[a] }),
          },
        };
      }
    }
  }

  function* phase2a(s: PaxosState): Iterable<Step<PaxosState>> {
    for (const b of ballots) {
      if (s.msgs.some((m) => m.type === '2a' && m.bal === b)) continue;
      for (const v of c.values) {
        const next = { ...s, msgs: send(s, { type: '2a', bal: b, val: v }) };
        for (const q of c.quorums) {
          const q1b = s.msgs.filter((m): m is Extract<Msg, { type: '1b' }> => m.type === '1b' && q.includes(m.acc) && m.bal === b);
          if (!q.every((a) => q1b.some((m) => m.acc === a))) continue;
          const q1bv = q1b.filter((m) => m.mbal >= 0);
          if (q1bv.length === 0 || mutant === 'ignore-1b-values') {
            yield { label: `Phase2a(${b}, ${v}) quorum {${q.map((a) => `a${a + 1}`)}}`, state: next };
            if (mutant === 'ignore-1b-values') continue;
          }
          // `\E m \in Q1bv : m.mval = v /\ \A mm \in Q1bv : m.mbal >= mm.mbal`: one successor per witness m.
          for (const m of q1bv) {
            if (m.mval === v && q1bv.every((mm) => m.mbal >= mm.mbal)) {
              yield { label: `Phase2a(${b}, ${v}) quorum {${q.map((a) => `a${a + 1}`)}} adopting a${m.acc + 1}'s vote`, state: next };
            }
          }
        }
      }
    }
  }

  function* phase2b(s: PaxosState): Iterable<Step<PaxosState>> {
    for (const a of acceptors) {
      for (const m of s.msgs) {
        if (m.type !== '2a' || !(m.bal >= s.maxBal[a])) continue;
        yield {
          label: `Phase2b(a${a + 1}, bal ${m.bal}, ${m.val})`,
          state: {
            maxBal: with_(s.maxBal, a, m.bal),
            maxVBal: with_(s.maxVBal, a, m.bal),
            maxVal: with_(s.maxVal, a, m.val),
            msgs: send(s, { type: '2b', acc: a, bal: m.bal, val: m.val }),
          },
        };
      }
    }
  }

  const view = (s: PaxosState): voting.VotingState => votingView(s, c.acceptors);
  return {
    name: mutant === 'none' ? 'Paxos.tla' : `Paxos.tla (mutant: ${mutant})`,
    init: () => [{ maxBal: acceptors.map(() => -1), maxVBal: acceptors.map(() => -1), maxVal: acceptors.map(() => null), msgs: [] }],
    // Next's disjuncts, in the spec's order.
    actions: [
      { name: 'Phase1a', successors: phase1a },
      { name: 'Phase2a', successors: phase2a },
      { name: 'Phase1b', successors: phase1b },
      { name: 'Phase2b', successors: phase2b },
    ],
    // msgs is already canonical (sorted, elements keyed once by memoKey): join, don't re-walk.
    key: (s) => `${s.maxBal}|${s.maxVBal}|${s.maxVal.map(String)}|${s.msgs.map(memoKey).join(',')}`,
    invariants: [
      { name: 'Inv', holds: (s) => inv(c, s) },
      { name: 'OneValuePerBallot', holds: (s) => voting.oneValuePerBallot(view(s)) },
      { name: 'VotesSafe', holds: (s) => voting.votesSafe(c, view(s)) },
      { name: 'Agreement', holds: (s) => voting.chosen(c, view(s)).length <= 1 || `chosen = ${voting.chosen(c, view(s))}` },
    ],
    stepProperties: [{ name: 'RefinesVoting', holds: (from, step) => voting.isVotingStep(c, view(from), view(step.state)) }],
    sometimes: [{ name: 'SomethingChosen', reached: (s) => voting.chosen(c, view(s)).length > 0 }],
    show: (s) => ({ maxBal: s.maxBal, maxVBal: s.maxVBal, maxVal: s.maxVal, msgs: s.msgs }),
  };
}

/** Paxos.tla's inductive invariant Inv (TypeOK holds by construction of the TS types). */
function inv(c: PaxosConsts, s: PaxosState): true | string {
  const v = votingView(s, c.acceptors);
  for (let a = 0; a < c.acceptors; a++) {
    if (s.maxBal[a] < s.maxVBal[a]) return `a${a + 1}: maxBal < maxVBal`;
    if (s.maxVBal[a] === -1 ? s.maxVal[a] !== null : !voting.votedFor(v, a, s.maxVBal[a], s.maxVal[a] ?? '')) {
      return `a${a + 1}: <<maxVBal, maxVal>> is not one of its votes`;
    }
  }
  for (const m of s.msgs) {
    if (m.type === '1b') {
      if (!(s.maxBal[m.acc] >= m.bal)) return `1b ${canonicalKey(m)}: sender's maxBal is below it`;
      if (m.mbal >= 0 && !voting.votedFor(v, m.acc, m.mbal, m.mval ?? '')) return `1b ${canonicalKey(m)} reports a vote never cast`;
    } else if (m.type === '2a') {
      if (!c.quorums.some((q) => voting.showsSafeAt(v, q, m.bal, m.val))) return `2a ${canonicalKey(m)}: no quorum shows it safe`;
      if (s.msgs.some((mm) => mm.type === '2a' && mm.bal === m.bal && mm.val !== m.val)) return `two 2a messages in ballot ${m.bal}`;
    } else if (m.type === '2b') {
      if (!(s.maxVBal[m.acc] >= m.bal)) return `2b ${canonicalKey(m)}: sender's maxVBal is below it`;
      if (!s.msgs.some((mm) => mm.type === '2a' && mm.bal === m.bal && mm.val === m.val)) return `2b ${canonicalKey(m)} without its 2a`;
    }
  }
  return true;
}
