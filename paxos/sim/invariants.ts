/**
 * The simulator's safety and convergence checks. Agreement and validity are checked on every
 * decision as it happens (a disagreement is caught even if a node later crashes); convergence
 * (same decided prefix, same applied state everywhere) at the end of a healed run. Acceptor
 * monotonicity on every promise/accepted message that leaves a node: an acceptor never
 * acknowledges a ballot below one it has acknowledged before, across restarts (what a lost
 * persist, or a send that outran its persist, looks like from outside), and a restarted node
 * recovers a promise at least as high as every ballot it acknowledged before the crash.
 */
import { cmpBallot, type Ballot } from '../core/ballot.js';
import { canonicalJson, jsonEqual } from '../../ground/canonical.js';
import type { SlotValue } from '../core/messages.js';
import type { State } from '../core/state.js';
import type { Command, NodeId, Result } from '../core/types.js';

export class Invariants {
  /** slot -> canonical JSON of the first value any node decided for it, and who. */
  private readonly chosen = new Map<number, { json: string; node: NodeId }>();
  /** `${origin}|${requestId}` -> canonical JSON of the command submitted there. */
  private readonly submitted = new Map<string, string>();
  /** node -> highest ballot it has sent a promise or accepted for. */
  private readonly acked = new Map<NodeId, Ballot>();
  readonly violations: string[] = [];

  submit(node: NodeId, rid: number, command: Command): void {
    this.submitted.set(`${node}|${rid}`, JSON.stringify(command));
  }

  /** Node `node` has just decided `slot` as `value`. */
  decided(node: NodeId, slot: number, value: SlotValue, now: number): void {
    // Plain JSON first (cheap, and equal whenever the value travelled the same path), the
    // canonical form only to tell a real difference from a key-order difference.
    const json = JSON.stringify(value);
    const prior = this.chosen.get(slot);
    if (prior !== undefined) {
      if (prior.json !== json && canonicalJson(JSON.parse(prior.json)) !== canonicalJson(value)) {
        this.fail(`agreement: at t=${now} slot ${slot} decided as ${json} by ${node} but as ${prior.json} by ${prior.node}`);
      }
      return; // validity was checked when the slot was first decided
    }
    this.chosen.set(slot, { json, node });
    for (const e of value ?? []) {
      const [origin, , rid] = e.id.split(':');
      const sent = this.submitted.get(`${origin}|${rid}`);
      if (sent === undefined || (sent !== JSON.stringify(e.command) && canonicalJson(JSON.parse(sent)) !== canonicalJson(e.command))) this.fail(`validity: slot ${slot} decided command ${e.id} ${canonicalJson(e.command)} that no client submitted`);
    }
  }

  /** Node `node` sends a promise or accepted for `ballot`. */
  acknowledged(node: NodeId, kind: string, ballot: Ballot, now: number): void {
    const prior = this.acked.get(node);
    if (prior === undefined || cmpBallot(ballot, prior) > 0) this.acked.set(node, ballot);
    else if (cmpBallot(ballot, prior) < 0) this.fail(`acceptor: at t=${now} ${node} sent ${kind} for ballot ${ballot.join('/')} after acknowledging ${prior.join('/')}`);
  }

  /** Node `node` has just recovered `promised` from its records. */
  recovered(node: NodeId, promised: Ballot, now: number): void {
    const acked = this.acked.get(node);
    if (acked !== undefined && cmpBallot(promised, acked) < 0) this.fail(`acceptor: at t=${now} ${node} recovered promise ${promised.join('/')} below ballot ${acked.join('/')} it had acknowledged`);
  }

  /** All live nodes hold the same decided prefix and the same applied state machine. */
  converged(states: { id: NodeId; state: State }[]): void {
    if (states.length === 0) return;
    const [first, ...rest] = states;
    const commit = first.state.volatile.commitIndex;
    for (const { id, state } of rest) {
      if (state.volatile.commitIndex !== commit) {
        this.fail(`convergence: ${first.id} applied up to slot ${commit} but ${id} up to ${state.volatile.commitIndex}`);
        return;
      }
    }
    // Below the highest log start the slots are compacted somewhere: the applied state (and the
    // dedup table, which snapshots carry) must still agree.
    const from = Math.max(...states.map((n) => n.state.durable.logFrom));
    for (let s = from; s <= commit; s++) {
      const value = first.state.durable.decided[s];
      for (const { id, state } of rest) {
        if (!jsonEqual(state.durable.decided[s], value)) this.fail(`convergence: slot ${s} differs between ${first.id} and ${id}`);
      }
    }
    for (const { id, state } of rest) {
      if (!jsonEqual(state.volatile.kv, first.state.volatile.kv)) this.fail(`convergence: applied state differs between ${first.id} and ${id}`);
      else if (!jsonEqual(state.volatile.dedup, first.state.volatile.dedup)) this.fail(`convergence: dedup tables differ between ${first.id} and ${id}`);
    }
  }

  /**
   * Clients were told the truth: every acknowledged update is in the decided log (none lost),
   * and nothing answered `not-leader` (definitely not applied) was ever decided.
   */
  outcomes(ops: { node: NodeId; rid: number; command: Command; result: Result | null }[]): void {
    // Every slot any node decided (logs are compacted; this record of them is not).
    const decided = new Set<string>();
    for (const { json } of this.chosen.values()) {
      for (const e of (JSON.parse(json) as SlotValue) ?? []) {
        const [origin, , rid] = e.id.split(':');
        decided.add(`${origin}|${rid}`);
      }
    }
    for (const op of ops) {
      const key = `${op.node}|${op.rid}`;
      if (op.result?.type === 'ok' && op.command.op !== 'read' && !decided.has(key)) {
        this.fail(`durability: ${op.command.op} ${op.node}:${op.rid} ${JSON.stringify(op.command)} was acknowledged but is not in the decided log`);
      }
      if (op.result?.type === 'fail' && op.result.error === 'not-leader' && decided.has(key)) {
        this.fail(`honesty: ${op.node}:${op.rid} was answered not-leader (not applied) but was decided`);
      }
    }
  }

  fail(message: string): void {
    if (this.violations.length < 20) this.violations.push(message);
  }
}
