/**
 * Replica-state agreement, part of the agreement checker: a replica that APPLIES its decided log
 * wrongly (skips or reorders an entry) keeps a decided log identical to everyone's, so the
 * decided logs cannot show it; its applied state can. Input (CheckContext): each node's
 * ReplicaState (digests at applied indexes, its whole state at one index) and the db's
 * StateReplay. Two checks:
 * 1. Across replicas: at every index two or more replicas report a digest for, they must agree.
 * 2. Each replica against a replay of its own decided log through the db's state machine: the
 *    digests at the indexes it reports, and its whole state key by key (names the keys).
 * Generic: digests are opaque strings and states are key -> value maps; what they mean is the
 * db's business. No replica states (a db without Db.stateDigests) skips both, saying so.
 */
import { canonicalJson } from '../ground/canonical.js';
import type { CheckContext, ReplicaState, Validity } from '../ground/checker.js';

/** How many differing keys a replica's entry lists. */
const MAX_KEYS = 10;

export interface KeyDifference {
  key: string;
  /** What the replica holds (undefined: absent). */
  value: unknown;
  /** What a replay of its decided log holds. */
  expected: unknown;
}

export interface ReplayComparison {
  /** Indexes where the replica's digest was compared with the replay's. */
  compared: number;
  /** The first index whose digest differs from the replay's. */
  firstMismatch?: { index: number; digest: string; expected: string };
  /** Keys whose value differs from the replay's at the replica's state index. */
  keys?: { index: number; count: number; first: KeyDifference[] };
  /** Why this replica could not be replayed. */
  skipped?: string;
}

export interface StateDivergence {
  node: string;
  index: number;
  /** A key whose value differs from the replay's at the replica's state index, if any does. */
  key?: string;
  value?: unknown;
  expected?: unknown;
  /**
   * Otherwise (the replica's state healed since, e.g. the key was overwritten): what a correct
   * replica changes at `index`, from replays up to index-1 and index: the suspects.
   */
  changedAtIndex?: KeyDifference[];
}

export interface ReplicaStateResult {
  valid: Validity;
  /** One line: what was found, or why nothing was checked. */
  summary: string;
  checked: boolean;
  commonIndexes?: number;
  /** The first index where replicas' digests differ, with each node's digest there. */
  firstCrossDivergence?: { index: number; digests: Record<string, string> };
  replay?: Record<string, ReplayComparison>;
  firstDivergence?: StateDivergence;
}

export async function checkReplicaStates(ctx: CheckContext): Promise<ReplicaStateResult> {
  const states = ctx.replicaStates;
  if (!states) return { valid: true, checked: false, summary: `state digests: not offered by db ${ctx.dbName ?? '(unnamed)'}` };
  const nodes = Object.keys(states).sort();
  if (nodes.length === 0) return { valid: 'unknown', checked: false, summary: 'state digests: none could be collected' };

  const cross = crossReplicas(states, nodes);
  const replay: Record<string, ReplayComparison> = {};
  if (ctx.replay) for (const node of nodes) replay[node] = await againstReplay(ctx, node, states[node]);

  const firstDivergence = firstReplayDivergence(replay) ?? (cross.first ? { node: Object.keys(cross.first.digests).sort()[0], index: cross.first.index } : undefined);
  if (firstDivergence && firstDivergence.key === undefined && ctx.replay && ctx.decidedLogs?.[firstDivergence.node]) {
    const log = ctx.decidedLogs[firstDivergence.node];
    const [before, after] = [await ctx.replay(log, firstDivergence.index - 1), await ctx.replay(log, firstDivergence.index)];
    // value = before the index, expected = after it.
    if (before.state && after.state) firstDivergence.changedAtIndex = keyDifferences(before.state.kv, after.state.kv).slice(0, MAX_KEYS);
  }
  const valid = !cross.first && !firstDivergence;
  return {
    valid,
    checked: true,
    summary: summaryOf(nodes.length, cross, replay, firstDivergence, Boolean(ctx.replay)),
    commonIndexes: cross.common,
    ...(cross.first ? { firstCrossDivergence: cross.first } : {}),
    ...(ctx.replay ? { replay } : {}),
    ...(firstDivergence ? { firstDivergence } : {}),
  };
}

function crossReplicas(states: Record<string, ReplicaState>, nodes: string[]) {
  const byIndex = new Map<number, Record<string, string>>();
  for (const node of nodes) {
    for (const { index, digest } of states[node].digests ?? []) {
      let at = byIndex.get(index);
      if (!at) byIndex.set(index, (at = {}));
      at[node] = digest;
    }
  }
  let common = 0;
  let first: { index: number; digests: Record<string, string> } | undefined;
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    const digests = byIndex.get(index)!;
    if (Object.keys(digests).length < 2) continue;
    common++;
    if (!first && new Set(Object.values(digests)).size > 1) first = { index, digests };
  }
  return { common, first };
}

async function againstReplay(ctx: CheckContext, node: string, state: ReplicaState): Promise<ReplayComparison> {
  const log = ctx.decidedLogs?.[node];
  if (!Array.isArray(log)) return { compared: 0, skipped: 'no decided log' };
  const upTo = state.state?.index ?? Math.max(0, ...state.digests.map((d) => d.index));
  const replayed = await ctx.replay!(log, upTo);
  const expected = new Map(replayed.digests.map((d) => [d.index, d.digest]));
  const out: ReplayComparison = { compared: 0 };
  for (const { index, digest } of [...state.digests].sort((a, b) => a.index - b.index)) {
    const want = expected.get(index);
    if (want === undefined) continue;
    out.compared++;
    if (!out.firstMismatch && want !== digest) out.firstMismatch = { index, digest, expected: want };
  }
  if (state.state && replayed.state && replayed.state.index === state.state.index) {
    const differing = keyDifferences(state.state.kv, replayed.state.kv);
    if (differing.length > 0) out.keys = { index: state.state.index, count: differing.length, first: differing.slice(0, MAX_KEYS) };
  } else if (state.state) {
    out.skipped = `its decided log reaches index ${replayed.state?.index ?? '?'}, not its applied index ${state.state.index}: states not compared`;
  }
  return out;
}

const sameJson = (a: unknown, b: unknown) => (a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b));

function keyDifferences(actual: Record<string, unknown>, expected: Record<string, unknown>): KeyDifference[] {
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort();
  return keys.filter((k) => !sameJson(actual[k], expected[k])).map((key) => ({ key, value: actual[key], expected: expected[key] }));
}

/** The replica whose state leaves its replay earliest (by digest index, else at its state index). */
function firstReplayDivergence(replay: Record<string, ReplayComparison>): StateDivergence | undefined {
  let best: StateDivergence | undefined;
  for (const [node, r] of Object.entries(replay)) {
    const index = r.firstMismatch?.index ?? r.keys?.index;
    if (index === undefined || (best && best.index <= index)) continue;
    const k = r.keys?.first[0];
    best = { node, index, ...(k ? { key: k.key, value: k.value, expected: k.expected } : {}) };
  }
  return best;
}

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

function summaryOf(replicas: number, cross: ReturnType<typeof crossReplicas>, replay: Record<string, ReplayComparison>, first: StateDivergence | undefined, replayed: boolean): string {
  if (first && replayed && (replay[first.node]?.firstMismatch || replay[first.node]?.keys)) {
    const changed = first.changedAtIndex?.map((k) => `${k.key} ${show(k.value)} -> ${show(k.expected)}`).join(', ');
    const key =
      first.key !== undefined ? ` (now key ${first.key}: ${first.node} has ${show(first.value)}, the replay ${show(first.expected)})` : changed ? ` (where a correct replica changes ${changed})` : '';
    return `state digests: ${first.node}'s applied state differs from a replay of its decided log at index ${first.index}${key}`;
  }
  if (cross.first) {
    const digests = Object.entries(cross.first.digests).map(([n, d]) => `${n} ${d}`).join(', ');
    return `state digests: replicas differ at index ${cross.first.index}: ${digests}`;
  }
  const skipped = Object.entries(replay).filter(([, r]) => r.skipped).map(([n, r]) => `${n}: ${r.skipped}`);
  return `state digests: ${replicas} replicas agree at ${cross.common} common indexes${replayed ? ' and match replays of their decided logs' : ' (no replay offered)'}${skipped.length ? `; not replayed: ${skipped.join('; ')}` : ''}`;
}
