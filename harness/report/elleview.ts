/**
 * The report's view of transactional anomalies (checkers/elle/ results): for each anomaly its
 * name and message, its cycle drawn (txns as boxes, edges as arrows labelled ww / wr / rw / rt /
 * process), each step explained, and the txns' ops (history indexes, micro-ops).
 */
import type { CheckResult } from '../../ground/checker.js';
import { esc } from './escape.js';

interface StepView {
  from: number;
  type: string;
  to: number;
  why?: string;
}
interface AnomalyView {
  name: string;
  message: string;
  txns: number[];
  cycle?: StepView[];
}
interface TxnView {
  id: number;
  process: number | string;
  type: string;
  invokeIndex: number;
  completeIndex?: number;
  mops: string;
}
/** The part of an ElleResult the view reads (results.json is untrusted: checked by shape). */
interface ElleShape {
  valid: CheckResult['valid'];
  models?: string[];
  anomalyTypes: string[];
  forbidden: string[];
  anomalies: Record<string, AnomalyView[]>;
  txns: Record<string, TxnView>;
}

/** Shown per anomaly name (results.json keeps up to 20). */
const MAX_SHOWN = 3;
const BOX = { w: 190, h: 58, gap: 80 };
const EDGE_COLOURS: Record<string, string> = { ww: '#3b6fd8', wr: '#2e9d5b', rw: '#d64545', rt: '#6b7280', process: '#8e4fd1' };

export function isElleResult(r: unknown): r is ElleShape {
  const o = r as Partial<ElleShape> | null;
  return typeof o === 'object' && o !== null && Array.isArray(o.anomalyTypes) && Array.isArray(o.forbidden) && typeof o.anomalies === 'object' && o.anomalies !== null && typeof o.txns === 'object' && o.txns !== null;
}

/** History indexes of the txns in the first forbidden anomaly (to highlight in the timeline). */
export function elleErrorIndices(r: ElleShape): number[] {
  const first = r.anomalies[r.forbidden[0]]?.[0];
  return (first?.txns ?? []).map((id) => r.txns[id]?.invokeIndex).filter((i): i is number => typeof i === 'number');
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** One cycle as SVG: boxes left to right in cycle order, the closing edge curving back below. */
export function cycleSvg(cycle: StepView[], txns: Record<string, TxnView>): string {
  const n = cycle.length;
  const width = n * BOX.w + (n - 1) * BOX.gap + 20;
  const top = 30;
  const height = top + BOX.h + 70;
  const x = (i: number) => 10 + i * (BOX.w + BOX.gap);
  const parts: string[] = [];
  parts.push(`<defs>${Object.entries(EDGE_COLOURS).map(([t, c]) => `<marker id="elle-arrow-${t}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${c}"/></marker>`).join('')}</defs>`);
  cycle.forEach((s, i) => {
    const t = txns[s.from];
    const label = t ? `${t.type} · p${t.process} · #${t.invokeIndex}${t.completeIndex !== undefined ? `–${t.completeIndex}` : ''}` : '';
    const mops = t?.mops ?? '';
    parts.push(
      `<g class="elle-txn"><title>${esc(`T${s.from} ${mops}`)}</title><rect x="${x(i)}" y="${top}" width="${BOX.w}" height="${BOX.h}" rx="6" fill="#f8fafc" stroke="#334155"/>`
        + `<text x="${x(i) + 8}" y="${top + 17}" font-weight="bold">T${s.from}</text><text x="${x(i) + 44}" y="${top + 17}" class="muted">${esc(label)}</text>`
        + `<text x="${x(i) + 8}" y="${top + 36}" font-family="monospace" font-size="11">${esc(clip(mops, 30))}</text>`
        + (mops.length > 30 ? `<text x="${x(i) + 8}" y="${top + 50}" font-family="monospace" font-size="11">${esc(clip(mops.slice(29), 30))}</text>` : '')
        + '</g>',
    );
  });
  cycle.forEach((s, i) => {
    const colour = EDGE_COLOURS[s.type] ?? '#111827';
    const marker = `url(#elle-arrow-${EDGE_COLOURS[s.type] ? s.type : 'ww'})`;
    const why = s.why ? `<title>${esc(s.why)}</title>` : '';
    if (i < n - 1) {
      const x1 = x(i) + BOX.w;
      const x2 = x(i + 1);
      const y = top + BOX.h / 2;
      parts.push(`<g class="elle-edge">${why}<line x1="${x1}" y1="${y}" x2="${x2 - 2}" y2="${y}" stroke="${colour}" stroke-width="2" marker-end="${marker}"/><text x="${(x1 + x2) / 2}" y="${y - 6}" text-anchor="middle" fill="${colour}" font-weight="bold">${esc(s.type)}</text></g>`);
    } else {
      // The closing edge: from the last box back to the first, under the row.
      const x1 = x(i) + BOX.w / 2;
      const x2 = x(0) + BOX.w / 2;
      const y = top + BOX.h;
      const d = n === 1 ? `M${x1 + 20},${y} C${x1 + 60},${y + 60} ${x2 - 60},${y + 60} ${x2 - 20},${y + 2}` : `M${x1},${y} C${x1},${y + 55} ${x2},${y + 55} ${x2},${y + 2}`;
      parts.push(`<g class="elle-edge">${why}<path d="${d}" fill="none" stroke="${colour}" stroke-width="2" marker-end="${marker}"/><text x="${(x1 + x2) / 2}" y="${y + 52}" text-anchor="middle" fill="${colour}" font-weight="bold">${esc(s.type)}</text></g>`);
    }
  });
  return `<svg class="elle-cycle" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-size="12">${parts.join('')}</svg>`;
}

function txnTable(ids: number[], txns: Record<string, TxnView>): string {
  const rows = [...new Set(ids)].map((id) => txns[id]).filter((t): t is TxnView => t !== undefined);
  if (rows.length === 0) return '';
  return `<table class="ops"><tr><th>txn</th><th>process</th><th>outcome</th><th>invoke #</th><th>complete #</th><th>micro-ops</th></tr>${rows
    .map((t) => `<tr><td>T${t.id}</td><td>${esc(t.process)}</td><td>${esc(t.type)}</td><td>${t.invokeIndex}</td><td>${t.completeIndex ?? ''}</td><td><code>${esc(t.mops)}</code></td></tr>`)
    .join('')}</table>`;
}

function anomalyView(a: AnomalyView, txns: Record<string, TxnView>): string {
  const steps = a.cycle?.length
    ? `<div class="elle-svg" style="overflow-x:auto">${cycleSvg(a.cycle, txns)}</div><ol>${a.cycle.map((s) => `<li>T${s.from} <b>${esc(s.type)}</b> T${s.to}${s.why ? `: ${esc(s.why)}` : ''}</li>`).join('')}</ol>`
    : '';
  return `<div class="elle-anomaly"><p><code>${esc(a.message)}</code></p>${steps}${txnTable(a.txns, txns)}</div>`;
}

/** The section for every Elle result with anomalies: forbidden names first, then allowed ones. */
export function elleSection(found: Array<{ checker: string; result: ElleShape }>): string {
  return found
    .map(({ checker, result }) => {
      const allowed = result.anomalyTypes.filter((n) => !result.forbidden.includes(n));
      const head = `<p>Checker <b>${esc(checker)}</b>${result.models ? ` under ${esc(result.models.join(', '))}` : ''}: ${result.forbidden.length ? `forbidden <b>${esc(result.forbidden.join(', '))}</b>` : 'nothing forbidden'}${allowed.length ? `; also seen (allowed): ${esc(allowed.join(', '))}` : ''}.</p>`;
      const body = [...result.forbidden, ...allowed]
        .map((name) => {
          const list = result.anomalies[name] ?? [];
          const more = list.length > MAX_SHOWN ? `<p class="muted">${list.length - MAX_SHOWN} more in results.json.</p>` : '';
          return `<h3>${esc(name)} (${list.length})</h3>${list.slice(0, MAX_SHOWN).map((a) => anomalyView(a, result.txns)).join('')}${more}`;
        })
        .join('');
      return head + body;
    })
    .join('');
}
