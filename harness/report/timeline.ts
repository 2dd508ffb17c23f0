/**
 * A Jepsen-style timeline: one column per process, each op a bar from its invocation to its
 * completion, laid out by history position (as Jepsen's timeline.html does: concurrent ops
 * overlap, sequential ones stack). Big histories show a window (around the failure when there
 * is one) and say so.
 */
import type { OpPair } from './ops.js';
import { esc, escShow, show } from './escape.js';
import type { Op } from '../../ground/history.js';

export const MAX_TIMELINE_OPS = 600;
const ROW = 9; // px per history event
const COLUMN = 132;

export interface TimelineOptions {
  /** History index to centre the window on (e.g. the op that could not be linearized). */
  focusIndex?: number;
  /** History indices to highlight as errors. */
  highlight?: Set<number>;
}

export function timeline(pairs: OpPair[], nemesis: Op[], options: TimelineOptions = {}): string {
  if (pairs.length === 0) return '<p class="na">No client operation in the history.</p>';
  let from = 0;
  if (pairs.length > MAX_TIMELINE_OPS && options.focusIndex !== undefined) {
    const at = pairs.findIndex((p) => p.invoke.index >= options.focusIndex! || (p.complete?.index ?? -1) >= options.focusIndex!);
    from = Math.max(0, Math.min(pairs.length - MAX_TIMELINE_OPS, (at < 0 ? pairs.length : at) - MAX_TIMELINE_OPS / 2));
  }
  const shown = pairs.slice(from, from + MAX_TIMELINE_OPS);
  const first = shown[0].invoke.index;
  const last = Math.max(...shown.map((p) => p.complete?.index ?? p.invoke.index));
  const processes = [...new Set(shown.map((p) => p.process))].sort((a, b) => a - b);
  const column = new Map(processes.map((p, i) => [p, i]));
  const height = (last - first + 2) * ROW + 24;
  const parts: string[] = [];
  parts.push(`<div class="tl-head" style="width:${processes.length * COLUMN + 70}px">${processes.map((p) => `<span style="left:${70 + column.get(p)! * COLUMN}px">process ${p}</span>`).join('')}</div>`);
  parts.push(`<div class="tl" style="height:${height}px;width:${processes.length * COLUMN + 70}px">`);
  for (const op of nemesis) {
    if (op.index < first || op.index > last || op.type === 'invoke') continue;
    parts.push(`<div class="tl-nem" style="top:${(op.index - first) * ROW}px" title="${escShow(op.value, 300)}">nemesis ${esc(op.f)} <span class="idx">#${op.index}</span></div>`);
  }
  for (const p of shown) {
    const top = (p.invoke.index - first) * ROW;
    const end = p.complete ? p.complete.index : last + 1;
    const h = Math.max(ROW - 2, (end - p.invoke.index) * ROW + ROW - 2);
    const bad = options.highlight?.has(p.invoke.index) || (p.complete && options.highlight?.has(p.complete.index));
    const value = p.complete?.value !== undefined ? p.complete.value : p.invoke.value;
    const label = `${p.f} ${show(p.invoke.key ?? '', 20)} ${show(value, 40)}`.replace(/\s+/g, ' ');
    const title = [`#${p.invoke.index}${p.complete ? `..#${p.complete.index}` : ' (no completion)'} process ${p.process}`,
      `invoke: ${p.f} ${show(p.invoke.key ?? '')} ${show(p.invoke.value, 300)}`,
      p.complete ? `${p.complete.type}: ${show(p.complete.value, 300)}${p.complete.error ? ` (${p.complete.error})` : ''}${p.complete.node ? ` on ${p.complete.node}` : ''}` : 'never completed',
      p.latency !== undefined ? `latency ${(p.latency / 1e6).toFixed(2)} ms` : ''].join('\n');
    parts.push(`<div class="op ${p.type}${bad ? ' error' : ''}" id="tl-${p.invoke.index}" style="top:${top}px;left:${70 + column.get(p.process)! * COLUMN}px;height:${h}px" title="${esc(title)}">${esc(label)}</div>`);
  }
  parts.push('</div>');
  const note = shown.length < pairs.length
    ? `<p class="note">Showing ${shown.length.toLocaleString('en-US')} of ${pairs.length.toLocaleString('en-US')} operations (history #${first}..#${last}${options.focusIndex !== undefined ? ', around the first error' : ''}); the whole history is in history.jsonl.</p>`
    : '';
  return `${note}<div class="tl-wrap">${parts.join('')}</div>`;
}
