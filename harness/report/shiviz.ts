/**
 * The export of node event logs in ShiViz's input format (https://bestchai.bitbucket.io/shiviz/),
 * so a whole run can be explored there: per event a "host {vector clock}" line and a
 * description line (kind, type, peer, slot, message id, the original clocks).
 */
import type { NodeEvent } from './load.js';

const vcSum = (e: NodeEvent) => Object.values(e.vc).reduce((a, b) => a + b, 0);

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
    const description = `${e.kind} ${e.type}${e.peer ? ` ${e.kind === 'send' ? 'to' : 'from'} ${e.peer}` : ''}${e.slot !== undefined ? ` slot=${e.slot}` : ''}${e.msg !== undefined ? ` msg=${e.msg}` : ''} lamport=${e.lamport} vc=${JSON.stringify(e.vc)}`;
    const clock = Object.fromEntries(Object.entries(clocks.get(e)!).map(([h, v]) => [h.replace(/\s+/g, '_'), v]));
    lines.push(`${host} ${JSON.stringify(clock)}`, description.replace(/[\r\n]+/g, ' '));
  }
  return `${lines.join('\n')}\n`;
}
