/**
 * Performance views: latency over time (every op a point, coloured by outcome, one marker
 * shape per f, log-scale y), throughput per second, nemesis windows shaded and labelled, and
 * latency quantiles. Heavy runs are downsampled here, and the page says so.
 */
import { scaleLinear, scaleLog } from 'd3-scale';
import { line, symbol, symbolCircle, symbolCross, symbolDiamond, symbolSquare, symbolStar, symbolTriangle, symbolWye } from 'd3-shape';
import { max, quantileSorted } from 'd3-array';
import type { NemesisMark, NemesisWindow, OpPair } from './ops.js';
import { esc, escShow } from './escape.js';
import { MARGIN, NEMESIS_FILL, PALETTE, TYPE_COLOURS, fmt, legend, svgOpen, swatch, xAxis, yAxis } from './svg.js';

/** More points than this and the latency plot shows a sample (every failure is kept first). */
export const MAX_LATENCY_POINTS = 4000;
const WIDTH = 1100;
const SHAPES = [symbolCircle, symbolSquare, symbolTriangle, symbolDiamond, symbolCross, symbolStar, symbolWye];
const NS_PER_S = 1e9;
const NS_PER_MS = 1e6;

export interface PerfInput {
  pairs: OpPair[];
  fs: string[];
  windows: NemesisWindow[];
  marks: NemesisMark[];
  /** End of the history, ns. */
  end: number;
}

/** Which pairs the latency plot draws: all when few; else every non-ok op (capped) plus an even sample of the rest. */
export function sampleForPlot(pairs: OpPair[], limit = MAX_LATENCY_POINTS): { shown: OpPair[]; sampled: boolean } {
  const done = pairs.filter((p) => p.latency !== undefined);
  if (done.length <= limit) return { shown: done, sampled: false };
  const unusual = done.filter((p) => p.type !== 'ok').slice(0, Math.floor(limit / 2));
  const ok = done.filter((p) => p.type === 'ok');
  const room = limit - unusual.length;
  const stride = ok.length / room;
  const picked: OpPair[] = [];
  for (let i = 0; i < room && Math.floor(i * stride) < ok.length; i++) picked.push(ok[Math.floor(i * stride)]);
  return { shown: [...unusual, ...picked].sort((a, b) => a.invoke.time - b.invoke.time), sampled: true };
}

function nemesisLayer(x: (ns: number) => number, top: number, bottom: number, windows: NemesisWindow[], marks: NemesisMark[], faults: string[]): string {
  const parts: string[] = [];
  for (const w of windows) {
    const x0 = x(w.start);
    const width = Math.max(1, x(w.end) - x0);
    const colour = PALETTE[faults.indexOf(w.name) % PALETTE.length];
    parts.push(`<g class="nemesis"><rect x="${x0}" y="${top}" width="${width}" height="${bottom - top}" fill="${NEMESIS_FILL}" stroke="${colour}" stroke-opacity="0.35"><title>${esc(w.name)}${w.open ? ' (never stopped)' : ''}: ${fmt(w.start / NS_PER_S)} s - ${fmt(w.end / NS_PER_S)} s ${escShow(w.value)}</title></rect>`
      + `<text x="${x0 + 3}" y="${top + 11}" fill="${colour}" class="nemesis-label">${esc(w.name)}</text></g>`);
  }
  for (const m of marks) {
    const xm = x(m.time);
    parts.push(`<g class="nemesis"><line x1="${xm}" x2="${xm}" y1="${top}" y2="${bottom}" stroke="#d64545" stroke-dasharray="3 3"/><text x="${xm + 3}" y="${bottom - 4}" class="nemesis-label" fill="#d64545">${esc(m.f)}</text><title>${esc(m.f)} at ${fmt(m.time / NS_PER_S)} s ${escShow(m.value)}</title></g>`);
  }
  return parts.join('');
}

export function latencyPlot(input: PerfInput): string {
  const { shown, sampled } = sampleForPlot(input.pairs);
  if (shown.length === 0) return '<p class="na">No completed client operation: nothing to plot.</p>';
  const height = 340;
  const faults = [...new Set(input.windows.map((w) => w.name))];
  const x = scaleLinear().domain([0, Math.max(input.end, 1)]).range([MARGIN.left, WIDTH - MARGIN.right]);
  const latMs = (p: OpPair) => Math.max(p.latency! / NS_PER_MS, 0.001);
  const lo = Math.min(...shown.map(latMs));
  const hi = max(shown, latMs)!;
  const y = scaleLog().domain([Math.min(lo, hi / 10), hi * 1.2]).range([height - MARGIN.bottom, MARGIN.top]).nice();
  const symbols = input.fs.map((_, i) => symbol(SHAPES[i % SHAPES.length], 28)()!);
  const parts = [svgOpen(WIDTH, height, 'plot latency', 'latency of every operation over time')];
  parts.push(`<defs>${symbols.map((d, i) => `<path id="sym-${i}" d="${d}"/>`).join('')}</defs>`);
  parts.push(yAxis(y, MARGIN.left, 'latency (ms)', 6, WIDTH - MARGIN.right, '~g'));
  parts.push(nemesisLayer(x, MARGIN.top, height - MARGIN.bottom, input.windows, input.marks, faults));
  parts.push('<g class="points">');
  for (const p of shown) {
    const shape = input.fs.indexOf(p.f);
    const title = `${p.f} ${p.type} p${p.process} #${p.invoke.index}: ${fmt(latMs(p))} ms ${show40(p)}`;
    parts.push(`<use class="pt ${p.type}" href="#sym-${shape}" x="${x(p.invoke.time).toFixed(1)}" y="${y(latMs(p)).toFixed(1)}" fill="${TYPE_COLOURS[p.type]}"><title>${esc(title)}</title></use>`);
  }
  parts.push('</g>');
  parts.push(xAxis(x.copy().domain(x.domain().map((d) => d / NS_PER_S)), height - MARGIN.bottom, 'time since start (s)'));
  parts.push('</svg>');
  const items = [
    ...(['ok', 'fail', 'info'] as const).map((t) => ({ label: t, swatch: swatch(TYPE_COLOURS[t]) })),
    ...input.fs.map((f, i) => ({ label: f, swatch: `<svg class="swl" width="12" height="12" viewBox="-6 -6 12 12"><path d="${symbols[i]}" fill="#555"/></svg>` })),
    ...(faults.length > 0 || input.marks.length > 0 ? [{ label: 'nemesis active', swatch: swatch(NEMESIS_FILL.replace('0.10', '0.35')) }] : []),
  ];
  const total = input.pairs.filter((p) => p.latency !== undefined).length;
  const note = sampled
    ? `<p class="note">Downsampled: ${shown.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} completed operations are drawn (every fail/info first, then an even sample of ok ones). The quantiles below use all of them.</p>`
    : '';
  return legend(items) + parts.join('') + note;
}

const show40 = (p: OpPair) => {
  const v = p.complete?.value ?? p.invoke.value;
  const text = v === undefined ? '' : JSON.stringify(v) ?? '';
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/** Longer runs average throughput over wider buckets, so the plot keeps a bounded size. */
export const MAX_THROUGHPUT_BUCKETS = 300;

/** Completions per second, one line per (f, outcome): colour per f, dash per outcome. */
export function throughputPlot(input: PerfInput): string {
  const seconds = Math.max(1, Math.ceil(input.end / NS_PER_S));
  const width = Math.ceil(seconds / MAX_THROUGHPUT_BUCKETS); // seconds per bucket
  const buckets = Math.ceil(seconds / width);
  const series = new Map<string, { f: string; type: OpPair['type']; counts: number[] }>();
  for (const p of input.pairs) {
    if (!p.complete) continue;
    const key = `${p.f}\u0000${p.type}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { f: p.f, type: p.type, counts: new Array(buckets).fill(0) }));
    s.counts[Math.min(buckets - 1, Math.floor(p.complete.time / NS_PER_S / width))] += 1 / width;
  }
  if (series.size === 0) return '<p class="na">No completed client operation: no throughput.</p>';
  const height = 260;
  const x = scaleLinear().domain([0, seconds]).range([MARGIN.left, WIDTH - MARGIN.right]);
  const peak = max([...series.values()].flatMap((s) => s.counts)) ?? 1;
  const y = scaleLinear().domain([0, Math.max(1, peak)]).range([height - MARGIN.bottom, MARGIN.top]).nice();
  const dash = { ok: '', fail: '6 3', info: '2 3' } as const;
  const faults = [...new Set(input.windows.map((w) => w.name))];
  const parts = [svgOpen(WIDTH, height, 'plot throughput', 'completed operations per second')];
  parts.push(yAxis(y, MARGIN.left, 'ops / s', 5, WIDTH - MARGIN.right));
  parts.push(nemesisLayer((ns) => x(ns / NS_PER_S), MARGIN.top, height - MARGIN.bottom, input.windows, input.marks, faults));
  const path = line<number>().x((_, i) => x((i + 0.5) * width)).y((c) => y(c));
  for (const s of series.values()) {
    const colour = PALETTE[input.fs.indexOf(s.f) % PALETTE.length];
    parts.push(`<path class="series" d="${path(s.counts)}" fill="none" stroke="${colour}" stroke-width="1.8" ${dash[s.type] ? `stroke-dasharray="${dash[s.type]}"` : ''}><title>${esc(`${s.f} ${s.type}: ${Math.round(s.counts.reduce((a, b) => a + b, 0) * width)} ops`)}</title></path>`);
    s.counts.forEach((c, i) => {
      const when = width === 1 ? `second ${i}` : `seconds ${i * width}..${(i + 1) * width}`;
      if (c > 0) parts.push(`<circle class="pt" cx="${x((i + 0.5) * width).toFixed(1)}" cy="${y(c).toFixed(1)}" r="1.8" fill="${colour}"><title>${esc(`${s.f} ${s.type} ${when}: ${fmt(c)} ops/s`)}</title></circle>`);
    });
  }
  parts.push(xAxis(x, height - MARGIN.bottom, 'time since start (s)'));
  parts.push('</svg>');
  const items = [
    ...input.fs.map((f, i) => ({ label: f, swatch: swatch(PALETTE[i % PALETTE.length], 'line') })),
    { label: 'ok', swatch: swatch('#555', 'line') },
    { label: 'fail', swatch: swatch('#555', 'dash') },
    { label: 'info', swatch: swatch('#555', 'dot') },
  ];
  const note = width > 1 ? `<p class="note">Each point averages ${width} s (a long run is drawn in at most ${MAX_THROUGHPUT_BUCKETS} buckets).</p>` : '';
  return legend(items) + parts.join('') + note;
}

export interface QuantileRow { f: string; count: number; q: Record<string, number>; max: number }
export const QUANTILES = [0.5, 0.9, 0.99, 0.999];

/** Latency quantiles (ms) of ok operations, per f and over all. */
export function latencyQuantiles(pairs: OpPair[], fs: string[]): QuantileRow[] {
  const rows: QuantileRow[] = [];
  const ok = pairs.filter((p) => p.type === 'ok' && p.latency !== undefined);
  for (const f of [...fs, '(all)']) {
    const chosen = f === '(all)' ? ok : ok.filter((p) => p.f === f);
    // A typed array sorts numerically, and fast (100k latencies).
    const lat = Array.from(Float64Array.from(chosen, (p) => p.latency! / NS_PER_MS).sort());
    if (lat.length === 0) continue;
    const q: Record<string, number> = {};
    for (const k of QUANTILES) q[String(k)] = quantileSorted(lat, k)!;
    rows.push({ f, count: lat.length, q, max: lat[lat.length - 1] });
  }
  return rows;
}

export function quantileTable(rows: QuantileRow[]): string {
  if (rows.length === 0) return '<p class="na">No ok operation: no latency quantiles.</p>';
  const head = `<tr><th>f</th><th>ok ops</th>${QUANTILES.map((k) => `<th>p${k * 100}</th>`).join('')}<th>max</th></tr>`;
  const body = rows.map((r) => `<tr${r.f === '(all)' ? ' class="total"' : ''}><td>${esc(r.f)}</td><td class="num">${r.count.toLocaleString('en-US')}</td>${QUANTILES.map((k) => `<td class="num">${fmt(r.q[String(k)])}</td>`).join('')}<td class="num">${fmt(r.max)}</td></tr>`).join('');
  return `<table class="quantiles"><caption>latency of ok operations, ms</caption>${head}${body}</table>`;
}
