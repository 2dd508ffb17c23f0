/**
 * Which receive in the node event logs received which send. Logs written since messages carry
 * ids (paxos/eventlog.ts: `msg` on the send line and on every receive line of one message)
 * pair exactly: a message lost on the way is a send with no receive, a duplicated delivery is
 * two receives of one id, reordering does not matter. Logs without ids (runs from before ids
 * existed) fall back to a heuristic over vector clocks, exact only when links deliver in order.
 */
import type { NodeEvent } from './load.js';

export interface Pairing {
  /** Each paired receive → its send. */
  sendOf: Map<NodeEvent, NodeEvent>;
  /** Each send with an id that some log received → its receives in log order (2+: duplicated delivery). */
  receivesOf: Map<NodeEvent, NodeEvent[]>;
  /** Sends with an id that no log received: lost, dropped by a full link, or the receiver's line died with it. */
  lost: Set<NodeEvent>;
  /** Receives with an id whose send is in no log (a log read from its tail, a missing node log). */
  orphans: NodeEvent[];
  /** Send lines that repeat an id already seen (never written by our nodes: a wiped data dir, a foreign log). */
  reusedIds: number;
  /** Receive lines with an id whose send names a different sender, receiver or type (a corrupted log). */
  mismatched: number;
  /** Pairings of id-less events made by the vector-clock heuristic (`matchByClocks`). */
  guessed: number;
  /** Send and receive events that carry an id. */
  withIds: number;
}

/**
 * Pairs by message id over `events` (all of a run: a send is only "lost" if no log received
 * it); receives without an id are paired by `matchByClocks` among the sends without one,
 * unless `guess` is false (the heuristic is quadratic: callers cap the events first).
 */
export function pairMessages(events: readonly NodeEvent[], options: { guess?: boolean } = {}): Pairing {
  const p: Pairing = { sendOf: new Map(), receivesOf: new Map(), lost: new Set(), orphans: [], reusedIds: 0, mismatched: 0, guessed: 0, withIds: 0 };
  const sendById = new Map<string, NodeEvent>();
  for (const e of events) {
    if (e.kind !== 'send' || e.msg === undefined) continue;
    p.withIds++;
    if (sendById.has(e.msg)) p.reusedIds++;
    else sendById.set(e.msg, e);
  }
  const legacy: NodeEvent[] = [];
  for (const e of events) {
    if (e.kind === 'local') continue;
    if (e.msg === undefined) {
      legacy.push(e);
      continue;
    }
    if (e.kind !== 'recv') continue;
    p.withIds++;
    const send = sendById.get(e.msg);
    if (!send) {
      p.orphans.push(e);
      continue;
    }
    if (send.node !== e.peer || send.peer !== e.node || send.type !== e.type) {
      p.mismatched++;
      p.orphans.push(e);
      continue;
    }
    p.sendOf.set(e, send);
    const receives = p.receivesOf.get(send);
    if (receives) receives.push(e);
    else p.receivesOf.set(send, [e]);
  }
  for (const send of sendById.values()) if (!p.receivesOf.has(send)) p.lost.add(send);
  if (options.guess !== false && legacy.length > 0) {
    for (const [recv, send] of matchByClocks(legacy)) {
      p.sendOf.set(recv, send);
      p.guessed++;
    }
  }
  return p;
}

const vcSum = (e: NodeEvent) => Object.values(e.vc).reduce((a, b) => a + b, 0);

/** e happened before f (vector clock order: e.vc <= f.vc component-wise, and they differ). */
export function happenedBefore(e: NodeEvent, f: NodeEvent): boolean {
  let strictly = false;
  for (const [node, c] of Object.entries(e.vc)) {
    const d = f.vc[node] ?? 0;
    if (c > d) return false;
    if (c < d) strictly = true;
  }
  for (const [node, d] of Object.entries(f.vc)) if (!(node in e.vc) && d > 0) strictly = true;
  return strictly;
}

/**
 * The heuristic for logs without ids. A receive at B from A merges the message's clock, so the
 * matching send S at A has S.vc[A] <= R.vc[A] and S happened before R; among the unmatched
 * sends from A to B of the same message type, the one with the largest vc[A] that still
 * happened before R is it when it is exactly R's knowledge of A; otherwise the oldest unmatched
 * one (FIFO). Wrong when a link reorders, drops or duplicates. Quadratic per link and type.
 */
export function matchByClocks(events: readonly NodeEvent[]): Map<NodeEvent, NodeEvent> {
  const sends = new Map<string, NodeEvent[]>();
  for (const e of events) {
    if (e.kind !== 'send' || e.peer === undefined) continue;
    const key = `${e.node}\u0000${e.peer}\u0000${e.type}`;
    if (!sends.has(key)) sends.set(key, []);
    sends.get(key)!.push(e);
  }
  const matched = new Map<NodeEvent, NodeEvent>();
  const used = new Set<NodeEvent>();
  const receives = events.filter((e) => e.kind === 'recv' && e.peer !== undefined).sort((a, b) => vcSum(a) - vcSum(b));
  for (const r of receives) {
    const candidates = sends.get(`${r.peer}\u0000${r.node}\u0000${r.type}`) ?? [];
    let best: NodeEvent | undefined;
    for (const s of candidates) {
      if (used.has(s) || !happenedBefore(s, r)) continue;
      if (!best || (s.vc[s.node] ?? 0) > (best.vc[best.node] ?? 0)) best = s;
    }
    if (best && (best.vc[best.node] ?? 0) === (r.vc[best.node] ?? -1)) {
      matched.set(r, best);
      used.add(best);
    } else if (best) {
      const oldest = candidates.filter((s) => !used.has(s) && happenedBefore(s, r)).sort((a, b) => (a.vc[a.node] ?? 0) - (b.vc[b.node] ?? 0))[0];
      matched.set(r, oldest);
      used.add(oldest);
    }
  }
  return matched;
}

/** One sentence for the page: how the arrows were paired, and what did not pair. */
export function describePairing(p: Pairing): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (p.withIds === 0) {
    return 'These event logs carry no message ids (written before ids existed): each receive is paired with a send by its vector clock, which is exact only when links deliver in order.';
  }
  const sends = p.receivesOf.size + p.lost.size;
  const duplicated = [...p.receivesOf.values()].filter((r) => r.length > 1).length;
  const parts = [`Receives are paired with sends exactly, by message id: ${n(sends)} messages in the logs, ${n(p.receivesOf.size)} received`];
  const droppedAtSender = [...p.lost].filter((s) => s.dropped).length;
  const why = 'lost on the way, or not logged by a receiver that was killed';
  parts.push(droppedAtSender
    ? `${n(p.lost.size)} never received (a dashed arrow ending in ×): ${n(droppedAtSender)} of them refused by the sender's own transport (its link not draining), the rest ${why}`
    : `${n(p.lost.size)} never received (a dashed arrow ending in ×: ${why})`);
  if (duplicated > 0) parts.push(`${n(duplicated)} delivered more than once`);
  if (p.orphans.length > 0) parts.push(`${n(p.orphans.length)} receives whose send is in no log${p.mismatched ? ` (${n(p.mismatched)} naming a different sender, receiver or type)` : ''}`);
  if (p.reusedIds > 0) parts.push(`${n(p.reusedIds)} send lines reuse an id (only the first counts)`);
  if (p.guessed > 0) parts.push(`${n(p.guessed)} receives from logs without ids paired by vector clock`);
  return `${parts.join(', ')}.`;
}
