/**
 * The happens-before (space-time) diagram of node messages: one lane per node, events placed
 * top-down in an order computed from their vector clocks (an event sits below everything that
 * happened before it), arrows from each send to its receive as paired by pairing.ts. A message
 * no log received is a dangling dashed arrow ending in ×; a second delivery of one message is
 * a second arrow from the same send. The ShiViz export lives in shiviz.ts (re-exported here).
 */
import type { NodeEvent } from './load.js';
import { esc, show } from './escape.js';
import { PALETTE } from './svg.js';
import { describePairing, matchByClocks, pairMessages, type Pairing } from './pairing.js';

export { happenedBefore, pairMessages, matchByClocks, describePairing, type Pairing } from './pairing.js';
export { SHIVIZ_REGEX, denseClocks, shivizLog } from './shiviz.js';

export const MAX_SPACETIME_EVENTS = 160;
const LANE = 170;
const ROW = 22;
const TOP = 34;
const LOST_COLOUR = '#dc2626';

const vcSum = (e: NodeEvent) => Object.values(e.vc).reduce((a, b) => a + b, 0);

/**
 * Each receive among `events` → its send among `events`: exact by message id, by the
 * vector-clock heuristic for events without ids. See pairMessages for the whole story.
 */
export function matchMessages(events: NodeEvent[]): Map<NodeEvent, NodeEvent> {
  const inSet = new Set(events);
  const out = new Map<NodeEvent, NodeEvent>();
  for (const [recv, send] of pairMessages(events).sendOf) if (inSet.has(send)) out.set(recv, send);
  return out;
}

/** Rows: each event one row below its predecessor on the same node and below the send it received. */
export function layoutRows(events: NodeEvent[], matched: Map<NodeEvent, NodeEvent>): Map<NodeEvent, number> {
  const order = [...events].sort((a, b) => vcSum(a) - vcSum(b) || a.node.localeCompare(b.node) || a.seq - b.seq);
  const rows = new Map<NodeEvent, number>();
  const lastRow = new Map<string, number>();
  for (const e of order) {
    let row = (lastRow.get(e.node) ?? -1) + 1;
    const send = matched.get(e);
    if (send && rows.has(send)) row = Math.max(row, rows.get(send)! + 1);
    rows.set(e, row);
    lastRow.set(e.node, row);
  }
  return rows;
}

export interface SpacetimeWindow {
  events: NodeEvent[];
  why: string;
  /** Pairing by id over the whole run (so a send received outside the window is not "lost"). */
  pairing?: Pairing;
}

/** Which events to draw: those of a diverging slot, else those near a failure time, else the last ones. */
export function chooseWindow(all: NodeEvent[], focus: { slot?: number; time?: number }): SpacetimeWindow {
  const pairing = pairMessages(all, { guess: false });
  const cap = (events: NodeEvent[], from: 'start' | 'end') => (events.length <= MAX_SPACETIME_EVENTS ? events : from === 'start' ? events.slice(0, MAX_SPACETIME_EVENTS) : events.slice(-MAX_SPACETIME_EVENTS));
  const byOrder = [...all].sort((a, b) => vcSum(a) - vcSum(b) || a.seq - b.seq);
  if (focus.slot !== undefined) {
    const inSlot = byOrder.filter((e) => e.slot === focus.slot);
    if (inSlot.length > 0) return { events: cap(inSlot, 'start'), why: `messages about slot ${focus.slot}, where the nodes' decided logs first diverge`, pairing };
  }
  if (focus.time !== undefined && all.every((e) => e.time !== undefined)) {
    const byTime = [...all].sort((a, b) => a.time! - b.time!);
    const at = byTime.findIndex((e) => e.time! >= focus.time!);
    const end = at < 0 ? byTime.length : Math.min(byTime.length, at + MAX_SPACETIME_EVENTS / 4);
    return { events: byTime.slice(Math.max(0, end - MAX_SPACETIME_EVENTS), end), why: 'node events leading up to the failing operation', pairing };
  }
  return { events: cap(byOrder, 'end'), why: `the last ${Math.min(all.length, MAX_SPACETIME_EVENTS)} node events of the run`, pairing };
}

const messageLabel = (send: NodeEvent, to: string) =>
  `${send.type} ${send.node} → ${to}${send.slot !== undefined ? ` slot ${send.slot}` : ''}${send.msg !== undefined ? ` (${send.msg})` : ''}`;

export function spacetimeDiagram(window: SpacetimeWindow, totalEvents: number): string {
  const events = window.events;
  if (events.length === 0) return '<p class="na">No node event in the chosen window.</p>';
  const run = window.pairing ?? pairMessages(events, { guess: false });
  const inWindow = new Set(events);
  // Events without ids: the heuristic, on the window only (it is quadratic).
  const guessed = matchByClocks(events.filter((e) => e.msg === undefined && e.kind !== 'local'));
  const arrows = new Map<NodeEvent, NodeEvent>();
  for (const e of events) {
    if (e.kind !== 'recv') continue;
    const send = run.sendOf.get(e) ?? guessed.get(e);
    if (send && inWindow.has(send)) arrows.set(e, send);
  }
  const orphans = new Set(run.orphans);
  // A lane for every node in the window and every peer it talks to, so an arrow always has a target.
  const names = new Set<string>();
  for (const e of events) {
    names.add(e.node);
    if (e.peer !== undefined) names.add(e.peer);
  }
  const nodes = [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const lane = new Map(nodes.map((n, i) => [n, i]));
  const rows = layoutRows(events, arrows);
  const maxRow = Math.max(...rows.values());
  const width = nodes.length * LANE + 40;
  const height = TOP + (maxRow + 2) * ROW + 20;
  const laneX = (node: string) => 40 + lane.get(node)! * LANE + LANE / 2 - 20;
  const x = (e: NodeEvent) => laneX(e.node);
  const y = (e: NodeEvent) => TOP + rows.get(e)! * ROW + ROW / 2;
  const parts = [`<svg class="spacetime" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="happens-before diagram">`];
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#4b5563"/></marker></defs>');
  nodes.forEach((n, i) => {
    const lx = laneX(n);
    parts.push(`<text class="lane-label" x="${lx}" y="18" text-anchor="middle" fill="${PALETTE[i % PALETTE.length]}">${esc(n)}</text><line class="lane" x1="${lx}" x2="${lx}" y1="${TOP - 6}" y2="${height - 8}" stroke="${PALETTE[i % PALETTE.length]}"/>`);
  });
  for (const [recv, send] of arrows) {
    const all = run.receivesOf.get(send);
    const nth = all ? all.indexOf(recv) : 0;
    const dup = all && all.length > 1 ? ` (delivery ${nth + 1} of ${all.length}: duplicated)` : '';
    const how = guessed.has(recv) ? ' (paired by vector clock: no message id)' : '';
    parts.push(`<line class="msg${dup ? ' dup' : ''}" x1="${x(send)}" y1="${y(send)}" x2="${x(recv)}" y2="${y(recv)}" marker-end="url(#arrow)"${nth > 0 ? ' stroke-dasharray="5 2"' : ''}><title>${esc(messageLabel(send, recv.node) + dup + how)}</title></line>`);
  }
  const drawnSends = new Set(arrows.values());
  for (const send of events) {
    if (send.kind !== 'send' || send.peer === undefined) continue;
    const lost = run.lost.has(send);
    const receivedElsewhere = !drawnSends.has(send) && run.receivesOf.has(send);
    if (!lost && !receivedElsewhere) continue;
    // A dangling arrow towards the peer's lane: most of the way if lost, a stub if received later.
    const x1 = x(send);
    const y1 = y(send);
    const x2 = x1 + (laneX(send.peer) - x1) * (lost ? 0.55 : 0.3);
    const y2 = y1 + ROW * (lost ? 0.9 : 0.5);
    if (lost) {
      parts.push(`<g class="msg-lost"><line class="msg lost" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" style="stroke:${LOST_COLOUR}" stroke-dasharray="4 3"/><text x="${x2}" y="${y2 + 4}" text-anchor="middle" fill="${LOST_COLOUR}" font-weight="700">×</text><title>${esc(`${messageLabel(send, send.peer)}: never received (${send.dropped ? "refused by the sender's transport: its link was not draining" : 'lost on the way, or the receiver was killed before it logged it'})`)}</title></g>`);
    } else {
      parts.push(`<line class="msg out" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke-dasharray="1 3" marker-end="url(#arrow)"><title>${esc(`${messageLabel(send, send.peer)}: received outside this window`)}</title></line>`);
    }
  }
  for (const e of events) {
    const colour = PALETTE[lane.get(e.node)! % PALETTE.length];
    const label = `${e.kind === 'send' ? '→' : e.kind === 'recv' ? '←' : '•'} ${e.type}${e.slot !== undefined ? ` s${e.slot}` : ''}`;
    const orphan = orphans.has(e);
    const title = `${e.node} ${e.kind} ${e.type}${e.peer ? ` ${e.kind === 'send' ? 'to' : 'from'} ${e.peer}` : ''}${e.slot !== undefined ? `, slot ${e.slot}` : ''}${e.msg !== undefined ? `, message ${e.msg}` : ''}`
      + `\nlamport ${e.lamport}, vc ${JSON.stringify(e.vc)}${e.time !== undefined ? `\ntime ${e.time}` : ''}${orphan ? '\nits send is in no log' : e.kind === 'recv' && !arrows.has(e) ? '\nits send is outside this window' : ''}`;
    const unmatchedRecv = e.kind === 'recv' && !arrows.has(e);
    const stroke = orphan ? LOST_COLOUR : colour;
    parts.push(`<g class="ev ${e.kind}${orphan ? ' orphan' : ''}"><circle cx="${x(e)}" cy="${y(e)}" r="4" fill="${e.kind === 'local' ? '#fff' : colour}" stroke="${stroke}"${unmatchedRecv ? ' stroke-dasharray="2 1"' : ''}/><text x="${x(e) + 8}" y="${y(e) + 4}">${esc(show(label, 28))}</text><title>${esc(title)}</title></g>`);
  }
  parts.push('</svg>');
  const pairing = describePairing({ ...run, guessed: guessed.size });
  const note = `<p class="note">Showing ${events.length} of ${totalEvents.toLocaleString('en-US')} node events: ${esc(window.why)}. Time flows down; an event sits below every event that happened before it (by vector clock). Arrows go from a send to its receive; a receive whose send is outside the window has a dashed outline (red: its send is in no log). ${esc(pairing)}</p>`;
  return `${note}<div class="st-wrap">${parts.join('')}</div>`;
}
