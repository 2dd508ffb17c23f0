/**
 * The happens-before (space-time) diagram of node messages: one lane per node, events placed
 * top-down in an order computed from their vector clocks (an event sits below everything that
 * happened before it), arrows from each send to its receive. Also the export of the event logs
 * in ShiViz's input format, so the whole run can be explored there.
 */
import type { NodeEvent } from './load.js';
import { esc, show } from './escape.js';
import { PALETTE } from './svg.js';

export const MAX_SPACETIME_EVENTS = 160;
const LANE = 170;
const ROW = 22;
const TOP = 34;

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
 * Pairs each receive with the send it received. A receive at B from A merges the message's
 * clock, so the matching send S at A has S.vc[A] <= R.vc[A] and S happened before R; among the
 * unmatched sends from A to B of the same message type, the one with the largest vc[A] that
 * still happened before R is it (exact when the link is FIFO).
 */
export function matchMessages(events: NodeEvent[]): Map<NodeEvent, NodeEvent> {
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
      // Not the newest message from that peer: take the oldest unmatched one instead (FIFO).
      const oldest = candidates.filter((s) => !used.has(s) && happenedBefore(s, r)).sort((a, b) => (a.vc[a.node] ?? 0) - (b.vc[b.node] ?? 0))[0];
      matched.set(r, oldest);
      used.add(oldest);
    }
  }
  return matched;
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
}

/** Which events to draw: those of a diverging slot, else those near a failure time, else the last ones. */
export function chooseWindow(all: NodeEvent[], focus: { slot?: number; time?: number }): SpacetimeWindow {
  const cap = (events: NodeEvent[], from: 'start' | 'end') => (events.length <= MAX_SPACETIME_EVENTS ? events : from === 'start' ? events.slice(0, MAX_SPACETIME_EVENTS) : events.slice(-MAX_SPACETIME_EVENTS));
  const byOrder = [...all].sort((a, b) => vcSum(a) - vcSum(b) || a.seq - b.seq);
  if (focus.slot !== undefined) {
    const inSlot = byOrder.filter((e) => e.slot === focus.slot);
    if (inSlot.length > 0) return { events: cap(inSlot, 'start'), why: `messages about slot ${focus.slot}, where the nodes' decided logs first diverge` };
  }
  if (focus.time !== undefined && all.every((e) => e.time !== undefined)) {
    const byTime = [...all].sort((a, b) => a.time! - b.time!);
    const at = byTime.findIndex((e) => e.time! >= focus.time!);
    const end = at < 0 ? byTime.length : Math.min(byTime.length, at + MAX_SPACETIME_EVENTS / 4);
    return { events: byTime.slice(Math.max(0, end - MAX_SPACETIME_EVENTS), end), why: 'node events leading up to the failing operation' };
  }
  return { events: cap(byOrder, 'end'), why: `the last ${Math.min(all.length, MAX_SPACETIME_EVENTS)} node events of the run` };
}

export function spacetimeDiagram(window: SpacetimeWindow, totalEvents: number): string {
  const events = window.events;
  if (events.length === 0) return '<p class="na">No node event in the chosen window.</p>';
  const nodes = [...new Set(events.map((e) => e.node))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const lane = new Map(nodes.map((n, i) => [n, i]));
  const matched = matchMessages(events);
  const rows = layoutRows(events, matched);
  const maxRow = Math.max(...rows.values());
  const width = nodes.length * LANE + 40;
  const height = TOP + (maxRow + 1) * ROW + 20;
  const x = (e: NodeEvent) => 40 + lane.get(e.node)! * LANE + LANE / 2 - 20;
  const y = (e: NodeEvent) => TOP + rows.get(e)! * ROW + ROW / 2;
  const parts = [`<svg class="spacetime" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="happens-before diagram">`];
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#4b5563"/></marker></defs>');
  nodes.forEach((n, i) => {
    const lx = 40 + i * LANE + LANE / 2 - 20;
    parts.push(`<text class="lane-label" x="${lx}" y="18" text-anchor="middle" fill="${PALETTE[i % PALETTE.length]}">${esc(n)}</text><line class="lane" x1="${lx}" x2="${lx}" y1="${TOP - 6}" y2="${height - 8}" stroke="${PALETTE[i % PALETTE.length]}"/>`);
  });
  for (const [recv, send] of matched) {
    parts.push(`<line class="msg" x1="${x(send)}" y1="${y(send)}" x2="${x(recv)}" y2="${y(recv)}" marker-end="url(#arrow)"><title>${esc(`${send.type} ${send.node} → ${recv.node}${send.slot !== undefined ? ` slot ${send.slot}` : ''}`)}</title></line>`);
  }
  for (const e of events) {
    const colour = PALETTE[lane.get(e.node)! % PALETTE.length];
    const label = `${e.kind === 'send' ? '→' : e.kind === 'recv' ? '←' : '•'} ${e.type}${e.slot !== undefined ? ` s${e.slot}` : ''}`;
    const title = `${e.node} ${e.kind} ${e.type}${e.peer ? ` ${e.kind === 'send' ? 'to' : 'from'} ${e.peer}` : ''}${e.slot !== undefined ? `, slot ${e.slot}` : ''}\nlamport ${e.lamport}, vc ${JSON.stringify(e.vc)}${e.time !== undefined ? `\ntime ${e.time}` : ''}`;
    const unmatchedRecv = e.kind === 'recv' && !matched.has(e);
    parts.push(`<g class="ev ${e.kind}"><circle cx="${x(e)}" cy="${y(e)}" r="4" fill="${e.kind === 'local' ? '#fff' : colour}" stroke="${colour}"${unmatchedRecv ? ' stroke-dasharray="2 1"' : ''}/><text x="${x(e) + 8}" y="${y(e) + 4}">${esc(show(label, 28))}</text><title>${esc(title)}</title></g>`);
  }
  parts.push('</svg>');
  const note = `<p class="note">Showing ${events.length} of ${totalEvents.toLocaleString('en-US')} node events: ${esc(window.why)}. Time flows down; an event sits below every event that happened before it (by vector clock). Arrows go from a send to its receive; a receive whose send is outside the window has a dashed outline.</p>`;
  return `${note}<div class="st-wrap">${parts.join('')}</div>`;
}

/** The first line is ShiViz's parser regex, the second its (empty) multi-execution delimiter. */
export const SHIVIZ_REGEX = '(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)';

/**
 * The vector clocks of the logged events only, renumbered densely per host as ShiViz requires
 * (each host's own clock counts 1, 2, 3, ... and every entry names a logged event). Event logs
 * have gaps (a restarted node's clock jumps past lines a SIGKILL may have lost; a big log is
 * read from its tail), so entry g of an event becomes the number of g's logged events at or
 * before the original value: exactly the logged events of g in its causal past.
 */
export function denseClocks(events: NodeEvent[]): Map<NodeEvent, Record<string, number>> {
  const own = new Map<string, number[]>();
  for (const e of events) {
    if (!own.has(e.node)) own.set(e.node, []);
    own.get(e.node)!.push(e.vc[e.node] ?? 0);
  }
  for (const times of own.values()) times.sort((a, b) => a - b);
  const countAtOrBefore = (times: number[], v: number) => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out = new Map<NodeEvent, Record<string, number>>();
  for (const e of events) {
    const clock: Record<string, number> = {};
    for (const [host, v] of Object.entries(e.vc)) {
      const times = own.get(host);
      const n = times ? countAtOrBefore(times, v) : 0;
      if (n > 0) clock[host] = n;
    }
    out.set(e, clock);
  }
  return out;
}

/** All events in ShiViz's format: per event a "host {clock}" line, then a description line. */
export function shivizLog(events: NodeEvent[]): string {
  const lines = [SHIVIZ_REGEX, ''];
  const clocks = denseClocks(events);
  const ordered = [...events].sort((a, b) => vcSum(a) - vcSum(b) || a.node.localeCompare(b.node) || a.seq - b.seq);
  for (const e of ordered) {
    const host = e.node.replace(/\s+/g, '_');
    const description = `${e.kind} ${e.type}${e.peer ? ` ${e.kind === 'send' ? 'to' : 'from'} ${e.peer}` : ''}${e.slot !== undefined ? ` slot=${e.slot}` : ''} lamport=${e.lamport} vc=${JSON.stringify(e.vc)}`;
    const clock = Object.fromEntries(Object.entries(clocks.get(e)!).map(([h, v]) => [h.replace(/\s+/g, '_'), v]));
    lines.push(`${host} ${JSON.stringify(clock)}`, description.replace(/[\r\n]+/g, ' '));
  }
  return `${lines.join('\n')}\n`;
}
