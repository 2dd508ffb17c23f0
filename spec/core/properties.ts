/**
 * The properties the real paxos/core must keep under the model checker:
 *  - NoCoreError: the core never throws (its own assertions are protocol invariants);
 *  - Agreement: no slot is decided with two different values, at any two nodes;
 *  - Validity: every decided command is one a client invoked, at the node it names;
 *  - DecidedWasChosen: whatever a node decides was chosen (a quorum voted it in one ballot);
 *  - AckedWasChosen: a write or cas answered ok is in a chosen slot (an ack means durable);
 *  - Linearizable: the clients' history, judged by checkers/linearizable (the kv model);
 *  - RefinesVoting (step property): for every slot, each step maps to a step of Lamport's
 *    Voting (IncreaseMaxBal or VoteFor, with all its enabling conditions) or a stutter, under
 *    the mapping votes = the ghost variable, maxBal = each node's durable promise.
 */
import { checkOperations, getModel, type Operation } from '../../checkers/linearizable/index.js';
import { canonicalJson, type State } from '../../paxos/core/index.js';
import type { Invariant, Reachability, StepProperty } from '../mc/checker.js';
import * as voting from '../lamport/voting.js';
import { ballotNumber, flatOps, ridOf, type World, type WorldConfig } from './world.js';

const decidedCache = new WeakMap<State, [string, string][]>();

/** A node's decided slots with their values' canonical JSON, once per (immutable) node state. */
function decidedOf(node: State): [string, string][] {
  let out = decidedCache.get(node);
  if (out === undefined) {
    out = Object.entries(node.durable.decided).map(([slot, value]) => [slot, canonicalJson(value)]);
    decidedCache.set(node, out);
  }
  return out;
}

function agreement(w: World): true | string {
  const first = new Map<string, { json: string; node: string }>();
  for (const node of w.nodes) {
    for (const [slot, json] of decidedOf(node)) {
      const prior = first.get(slot);
      if (prior === undefined) first.set(slot, { json, node: node.id });
      else if (prior.json !== json) return `slot ${slot} decided as ${prior.json} at ${prior.node} but as ${json} at ${node.id}`;
    }
  }
  return true;
}

function validity(cfg: WorldConfig, w: World): true | string {
  const ops = flatOps(cfg);
  for (const node of w.nodes) {
    for (const [slot, value] of Object.entries(node.durable.decided)) {
      for (const e of value ?? []) {
        const [origin, , rid] = e.id.split(':');
        const op = Number(rid) - 1;
        const invoked = w.history.some((h) => h.t === 'invoke' && h.op === op && h.node === origin);
        if (!invoked || ridOf(op) !== Number(rid) || canonicalJson(ops[op].op.command) !== canonicalJson(e.command)) {
          return `slot ${slot} at ${node.id} decided ${e.id} ${canonicalJson(e.command)}, which no client invoked there`;
        }
      }
    }
  }
  return true;
}

/** Slot s's Voting state: ghost votes and durable promises. */
function votingState(cfg: WorldConfig, w: World, slot: string): voting.VotingState {
  return {
    votes: w.votes.map((v) => (v[slot] ?? []).map((s) => split(s))),
    maxBal: w.nodes.map((n) => ballotNumber(cfg, n.durable.promised)),
  };
}

const split = (vote: string): readonly [number, string] => {
  const bar = vote.indexOf('|');
  return [Number(vote.slice(0, bar)), vote.slice(bar + 1)];
};

function decidedWasChosen(cfg: WorldConfig, w: World): true | string {
  const c: voting.VotingConsts = { acceptors: cfg.nodes.length, quorums: voting.majorities(cfg.nodes.length) };
  for (const node of w.nodes) {
    for (const [slot, json] of decidedOf(node)) {
      const chosen = voting.chosen(c, votingState(cfg, w, slot));
      if (!chosen.includes(json)) return `${node.id} decided slot ${slot} = ${json} but the chosen values are ${JSON.stringify(chosen)}`;
    }
  }
  return true;
}

/** Every command id in a chosen slot value (values are keyed by their canonical JSON). */
function chosenIds(cfg: WorldConfig, w: World): Set<string> {
  const c: voting.VotingConsts = { acceptors: cfg.nodes.length, quorums: voting.majorities(cfg.nodes.length) };
  const ids = new Set<string>();
  const slots = new Set(w.votes.flatMap((v) => Object.keys(v)));
  for (const slot of slots) {
    for (const value of voting.chosen(c, votingState(cfg, w, slot))) {
      for (const e of (JSON.parse(value) as { id: string }[] | null) ?? []) ids.add(e.id);
    }
  }
  return ids;
}

function ackedWasChosen(cfg: WorldConfig, w: World): true | string {
  const ops = flatOps(cfg);
  let ids: Set<string> | null = null;
  for (const h of w.history) {
    if (h.t !== 'complete' || h.result.type !== 'ok' || ops[h.op].op.command.op === 'read') continue;
    const invoke = w.history.find((x) => x.t === 'invoke' && x.op === h.op) as Extract<World['history'][number], { t: 'invoke' }>;
    ids ??= chosenIds(cfg, w);
    const prefix = `${invoke.node}:`;
    const suffix = `:${ridOf(h.op)}`;
    if (![...ids].some((id) => id.startsWith(prefix) && id.endsWith(suffix))) {
      return `op #${h.op} ${canonicalJson(ops[h.op].op.command)} was answered ok but is in no chosen slot`;
    }
  }
  return true;
}

type KvIn = { f: 'read'; key: string } | { f: 'write'; key: string; value: unknown } | { f: 'cas'; key: string; from: unknown; to: unknown };
type KvOut = { value?: unknown; unknown?: boolean };

/** The history as Porcupine operations: time = position in the history; fail = did not happen. */
export function historyOperations(cfg: WorldConfig, w: World): Operation<KvIn, KvOut>[] {
  const ops = flatOps(cfg);
  const out: Operation<KvIn, KvOut>[] = [];
  w.history.forEach((h, at) => {
    if (h.t !== 'invoke') return;
    const doneAt = w.history.findIndex((x) => x.t === 'complete' && x.op === h.op);
    const done = doneAt < 0 ? undefined : (w.history[doneAt] as Extract<World['history'][number], { t: 'complete' }>).result;
    if (done?.type === 'fail') return;
    const c = ops[h.op].op.command;
    if (c.op === 'txn') throw new Error('the model checker judges read/write/cas only');
    const input: KvIn = c.op === 'read' ? { f: 'read', key: c.key } : c.op === 'write' ? { f: 'write', key: c.key, value: c.value } : { f: 'cas', key: c.key, from: c.from, to: c.to };
    const unknown = done === undefined || done.type === 'unknown';
    const output: KvOut = unknown ? { unknown: true } : c.op === 'read' ? { value: done.value ?? null } : {};
    out.push({ clientId: ops[h.op].client, input, call: at, output, return: unknown ? Infinity : doneAt, meta: h.op });
  });
  return out;
}

export function coreInvariants(cfg: WorldConfig): Invariant<World>[] {
  const model = getModel('kv');
  // Many worlds share one history: judge each distinct history once.
  const verdicts = new Map<string, true | string>();
  return [
    { name: 'NoCoreError', holds: (w) => w.error === null || w.error },
    { name: 'Agreement', holds: (w) => agreement(w) },
    { name: 'Validity', holds: (w) => validity(cfg, w) },
    { name: 'DecidedWasChosen', holds: (w) => decidedWasChosen(cfg, w) },
    { name: 'AckedWasChosen', holds: (w) => ackedWasChosen(cfg, w) },
    {
      name: 'Linearizable',
      holds: (w) => {
        const key = JSON.stringify(w.history);
        let verdict = verdicts.get(key);
        if (verdict === undefined) {
          const outcome = checkOperations(model as never, historyOperations(cfg, w) as never, { timeoutMs: 10_000 });
          if (outcome.result === 'unknown') throw new Error(`linearizability check gave up: ${outcome.message}`);
          verdict = outcome.result === 'ok' || `history not linearizable: ${describeHistory(cfg, w)}`;
          verdicts.set(key, verdict);
        }
        return verdict;
      },
    },
  ];
}

export function refinement(cfg: WorldConfig): StepProperty<World> {
  const c: voting.VotingConsts = { acceptors: cfg.nodes.length, quorums: voting.majorities(cfg.nodes.length) };
  return {
    name: 'RefinesVoting',
    holds(from, step) {
      const to = step.state;
      if (to.error) return true; // reported by NoCoreError
      const slots = new Set([...from.votes, ...to.votes].flatMap((v) => Object.keys(v)));
      if (slots.size === 0) slots.add('1'); // promises alone must still only grow
      for (const slot of slots) {
        const verdict = voting.isVotingStep(c, votingState(cfg, from, slot), votingState(cfg, to, slot));
        if (verdict !== true) return `slot ${slot}: ${verdict} (acceptors ${cfg.nodes.map((n, i) => `${i}=${n}`).join(' ')})`;
      }
      return true;
    },
  };
}

/** Non-vacuity: some client op completes ok, and some slot gets decided. */
export function coreSometimes(): Reachability<World>[] {
  return [
    { name: 'SomeOpOk', reached: (w) => w.history.some((h) => h.t === 'complete' && h.result.type === 'ok') },
    { name: 'SomeSlotDecided', reached: (w) => w.nodes.some((n) => Object.keys(n.durable.decided).length > 0) },
  ];
}

export function describeHistory(cfg: WorldConfig, w: World): string {
  const ops = flatOps(cfg);
  return w.history
    .map((h) => (h.t === 'invoke' ? `invoke#${h.op} ${canonicalJson(ops[h.op].op.command)}@${h.node}` : `complete#${h.op} ${canonicalJson(h.result)}`))
    .join('; ');
}
