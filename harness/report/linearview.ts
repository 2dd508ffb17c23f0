/**
 * The Porcupine-style view of a linearizability failure, one per failing partition: a row per
 * client, each operation a bar over its real-time interval, the longest linearizable prefix with
 * its linearization points joined in order, the operations that could not be placed next
 * highlighted, and the model state before/after each step on hover.
 *
 * Input: the checker's verbose `LinearizationInfo` (checkers/linearizable/types.ts). The shape
 * is restated structurally here so that a malformed or older results.json degrades into a
 * "not available" note instead of a crash.
 */
import { esc, show, slug } from './escape.js';

export interface LinOperation { id: number; clientId: number | string; callIndex: number; returnIndex: number; description: string; meta?: unknown }
export interface LinStep { op: number; stateBefore: string; stateAfter: string }
export interface LinUnplaced { op: number; stateBefore: string; modelAccepts: boolean; stateAfter?: string }
export interface LinInfo {
  result: string;
  key?: string;
  initialState: string;
  operations: LinOperation[];
  prefix: LinStep[];
  unplaced: LinUnplaced[];
  blocking?: number;
  /** The model's proof that the partition is illegal, when it gave one. */
  refutation?: string;
}

/** Events shown around the failure point in a big partition. */
export const MAX_LIN_EVENTS = 360;
const UNIT = 32; // px per event position
const ROW = 30;
const LEFT = 12;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function asInfo(v: unknown): LinInfo | undefined {
  if (!isObj(v) || !Array.isArray(v.operations) || !Array.isArray(v.prefix) || !Array.isArray(v.unplaced)) return undefined;
  const opsOk = v.operations.every((o) => isObj(o) && typeof o.id === 'number' && typeof o.callIndex === 'number' && typeof o.returnIndex === 'number');
  const stepsOk = v.prefix.every((s) => isObj(s) && typeof s.op === 'number');
  const unplacedOk = v.unplaced.every((u) => isObj(u) && typeof u.op === 'number');
  return opsOk && stepsOk && unplacedOk ? (v as unknown as LinInfo) : undefined;
}

/** Finds every verbose partition info inside a checker result (wherever the checker put it). */
export function findLinearizationInfos(result: unknown, depth = 0): LinInfo[] {
  if (depth > 5 || !isObj(result)) return [];
  const info = asInfo(result);
  if (info) return [info];
  const found: LinInfo[] = [];
  for (const value of Array.isArray(result) ? result : Object.values(result)) found.push(...findLinearizationInfos(value, depth + 1));
  return found;
}

/** The history index an operation came from, when the checker carried it in `meta`. */
export function historyIndexOf(op: LinOperation): number | undefined {
  const m = op.meta;
  if (typeof m === 'number') return m;
  if (isObj(m)) for (const k of ['index', 'invokeIndex', 'invoke']) if (typeof m[k] === 'number') return m[k] as number;
  return undefined;
}

export function linearizationView(info: LinInfo, n: number, anchor: string): string {
  const byId = new Map(info.operations.map((o) => [o.id, o]));
  // A loop, not Math.max(...ops): a partition can hold more operations than a call has arguments.
  const lastEvent = info.operations.reduce((m, o) => Math.max(m, o.callIndex, o.returnIndex), 0);
  const step = new Map(info.prefix.map((s, i) => [s.op, { ...s, order: i }]));
  const unplaced = new Map(info.unplaced.map((u) => [u.op, u]));
  const failed = info.unplaced[0] ?? (info.blocking !== undefined ? { op: info.blocking, stateBefore: '', modelAccepts: false } : undefined);
  const failedOp = failed ? byId.get(failed.op) : undefined;
  // The window: everything when small, else events around where the prefix stopped.
  const focus = failedOp?.callIndex ?? lastEvent;
  const lo = lastEvent + 1 > MAX_LIN_EVENTS ? Math.max(0, Math.min(focus - MAX_LIN_EVENTS / 2, lastEvent + 1 - MAX_LIN_EVENTS)) : 0;
  const hi = lo + MAX_LIN_EVENTS;
  const visible = info.operations.filter((o) => o.returnIndex >= lo && o.callIndex <= hi);
  const clients = [...new Set(visible.map((o) => String(o.clientId)))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const row = new Map(clients.map((c, i) => [c, i]));
  const x = (e: number) => LEFT + (Math.min(Math.max(e, lo - 0.5), hi + 0.5) - lo) * UNIT;
  const width = x(Math.min(hi, lastEvent) + 1) + 24;
  const height = clients.length * ROW + 20;

  const parts: string[] = [];
  parts.push(`<div class="lin" style="width:${width}px;height:${height}px">`);
  clients.forEach((c, i) => parts.push(`<div class="lin-lane" style="top:${i * ROW + ROW / 2}px;width:${width - LEFT}px;left:${LEFT}px"></div>`));
  // Client names sit outside the horizontally scrolled area, so they stay in view.
  const labels = `<div class="lin-labels" style="height:${height}px">${clients.map((c, i) => `<div class="lin-client" style="top:${i * ROW}px">client ${esc(c)}</div>`).join('')}</div>`;
  // Linearization points: in prefix order, each inside its op's interval, never before the previous.
  const points: Array<{ x: number; y: number; op: number }> = [];
  let prev = -Infinity;
  for (const s of info.prefix) {
    const o = byId.get(s.op);
    if (!o) continue;
    const at = Math.min(Math.max(o.callIndex + 0.5, prev + 0.2), o.returnIndex + 0.5);
    prev = at;
    if (row.has(String(o.clientId)) && at >= lo - 0.5 && at <= hi + 0.5) points.push({ x: x(at), y: row.get(String(o.clientId))! * ROW + ROW / 2, op: s.op });
  }
  for (const o of visible) {
    const s = step.get(o.id);
    const u = unplaced.get(o.id);
    const isFailed = failedOp?.id === o.id;
    const cls = isFailed ? 'failed' : u ? 'unplaced' : s ? 'linearized' : o.id === info.blocking ? 'blocking' : 'pending';
    const left = x(o.callIndex);
    const w = Math.max(8, x(o.returnIndex + 1) - left - 2);
    const idx = historyIndexOf(o);
    const before = s?.stateBefore ?? u?.stateBefore;
    const after = s?.stateAfter ?? u?.stateAfter;
    const status = s ? `linearized as step ${s.order + 1} of ${info.prefix.length}` : u ? (u.modelAccepts ? 'could go next, but no linearization continues from it' : 'could not be placed: the model rejects it in the state below') : o.id === info.blocking ? 'blocking: the linearization cannot get past its return' : 'not reached by the longest prefix';
    const title = `${o.description}\nclient ${String(o.clientId)}${idx !== undefined ? `, history #${idx}` : ''}\n${status}${before !== undefined ? `\nstate before: ${before}` : ''}${after !== undefined ? `\nstate after: ${after}` : ''}`;
    const id = isFailed ? ` id="${anchor}"` : '';
    parts.push(`<div${id} class="lin-op ${cls}" style="left:${left}px;top:${row.get(String(o.clientId))! * ROW + 5}px;width:${w}px" title="${esc(title)}" data-desc="${esc(o.description)}" data-status="${esc(status)}" data-before="${esc(before ?? '')}" data-after="${esc(after ?? '')}" tabindex="0">${esc(show(o.description, 60))}</div>`);
  }
  parts.push(`<svg class="lin-points" width="${width}" height="${height}">`);
  if (points.length > 1) parts.push(`<polyline points="${points.map((p) => `${p.x.toFixed(1)},${p.y}`).join(' ')}" />`);
  for (const p of points) parts.push(`<circle cx="${p.x.toFixed(1)}" cy="${p.y}" r="3.2"/>`);
  parts.push('</svg></div>');

  const unplacedText = info.unplaced.map((u) => {
    const o = byId.get(u.op);
    return `<li><b>${esc(o?.description ?? `op ${u.op}`)}</b> (client ${esc(String(o?.clientId ?? '?'))}${o && historyIndexOf(o) !== undefined ? `, history #${historyIndexOf(o)}` : ''}): ${u.modelAccepts ? 'the model accepts it, but no linearization continues from there' : 'the model rejects it'} in state <code>${esc(u.stateBefore)}</code>${u.stateAfter !== undefined ? ` → <code>${esc(u.stateAfter)}</code>` : ''}</li>`;
  }).join('');
  const finalState = info.prefix.length > 0 ? info.prefix[info.prefix.length - 1].stateAfter : info.initialState;
  const head = `<h3 id="${esc(slug(`lin-${n}`))}">Partition${info.key !== undefined ? ` <code>${esc(info.key)}</code>` : ` ${n + 1}`}: ${esc(info.result)}</h3>`
    + (typeof info.refutation === 'string' ? `<p class="refutation">Why: ${esc(info.refutation)}.</p>` : '')
    + `<p>Longest linearizable prefix: <b>${info.prefix.length}</b> of ${info.operations.length} operations, ending in state <code>${esc(finalState)}</code>. `
    + (failedOp ? `<a class="jump" href="#${anchor}">Jump to first error</a>` : '') + '</p>'
    + (unplacedText ? `<ul class="unplaced">${unplacedText}</ul>` : '')
    + (info.blocking !== undefined && byId.has(info.blocking) ? `<p>Blocking operation (its return cannot be passed): <b>${esc(byId.get(info.blocking)!.description)}</b></p>` : '');
  const legendHtml = '<div class="legend"><span class="item"><i class="sw lin-sw linearized"></i>in the longest prefix</span><span class="item"><i class="sw lin-sw failed"></i>could not be placed</span><span class="item"><i class="sw lin-sw unplaced"></i>other candidates</span><span class="item"><i class="sw lin-sw pending"></i>not reached</span><span class="item"><svg class="swl" width="22" height="10"><line x1="1" x2="21" y1="5" y2="5" stroke="#1f2937"/><circle cx="11" cy="5" r="3" fill="#1f2937"/></svg>linearization points, in order</span></div>';
  const note = visible.length < info.operations.length ? `<p class="note">Showing ${visible.length} of ${info.operations.length} operations of this partition (events ${lo}..${hi}, around the failure).</p>` : '';
  return `${head}${legendHtml}${note}<div class="lin-outer">${labels}<div class="lin-wrap">${parts.join('')}</div></div><div class="lin-detail" aria-live="polite">Hover or focus an operation to see the model state before and after it.</div>`;
}
