/**
 * Trends across runs of the same test, for the results index: the verdict history (newest
 * first), throughput and p99 latency over runs, and FLAKY where the same test and seed gave
 * different verdicts or a test's verdict changed from one night (UTC day) to the next.
 */
import { esc, hrefPath } from '../report/escape.js';
import type { RunOutcome, Verdict } from './outcome.js';

export interface TestTrend {
  name: string;
  /** Newest first. */
  runs: RunOutcome[];
  /** Why the test is flaky, one line each; empty when it is not. */
  flaky: string[];
}

const startOf = (o: RunOutcome): number => (o.startedAt ? Date.parse(o.startedAt) : 0) || 0;
const night = (o: RunOutcome): string => (o.startedAt ?? '').slice(0, 10);
const decided = (v: Verdict): boolean => v === 'VALID' || v === 'INVALID';

/** A night's verdict: INVALID if any run of it was, else VALID if any was, else none. */
function nightVerdict(runs: RunOutcome[]): Verdict | null {
  if (runs.some((r) => r.verdict === 'INVALID')) return 'INVALID';
  return runs.some((r) => r.verdict === 'VALID') ? 'VALID' : null;
}

export function trendsOf(outcomes: readonly RunOutcome[]): TestTrend[] {
  const byName = new Map<string, RunOutcome[]>();
  for (const o of outcomes) byName.set(o.name, [...(byName.get(o.name) ?? []), o]);
  return [...byName].map(([name, list]) => {
    const runs = [...list].sort((a, b) => startOf(b) - startOf(a) || b.dir.localeCompare(a.dir));
    const flaky: string[] = [];
    const bySeed = new Map<number, Set<Verdict>>();
    for (const r of runs) if (r.seed !== null && decided(r.verdict)) bySeed.set(r.seed, (bySeed.get(r.seed) ?? new Set()).add(r.verdict));
    for (const [seed, verdicts] of [...bySeed].sort((a, b) => a[0] - b[0])) if (verdicts.size > 1) flaky.push(`seed ${seed} gave ${[...verdicts].sort().join(' and ')}`);
    const nights = new Map<string, RunOutcome[]>();
    for (const r of [...runs].reverse()) nights.set(night(r), [...(nights.get(night(r)) ?? []), r]);
    let previous: { night: string; verdict: Verdict } | null = null;
    for (const [n, rs] of nights) {
      const verdict = nightVerdict(rs);
      if (!verdict) continue;
      if (previous && previous.verdict !== verdict) flaky.push(`${previous.verdict} on ${previous.night || '?'}, ${verdict} on ${n || '?'}`);
      previous = { night: n, verdict };
    }
    return { name, runs, flaky };
  }).sort((a, b) => Number(b.flaky.length > 0) - Number(a.flaky.length > 0) || a.name.localeCompare(b.name));
}

const COLOUR: Record<Verdict, string> = { VALID: '#2e9d5b', INVALID: '#d64545', UNKNOWN: '#e0a526', CRASHED: '#7c3aed', INTERRUPTED: '#9ca3af', 'NO RESULTS': '#7c3aed' };

/** A polyline of `values` (oldest to newest), 120x24; nulls are skipped. */
function sparkline(values: Array<number | null>, label: string): string {
  const points = values.map((v, i) => [i, v] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  if (points.length === 0) return '<span class="muted">–</span>';
  const max = Math.max(...points.map((p) => p[1])) || 1;
  const x = (i: number) => (values.length === 1 ? 60 : (i / (values.length - 1)) * 116 + 2);
  const y = (v: number) => 22 - (v / max) * 20;
  const latest = points[points.length - 1][1];
  const shown = latest >= 100 ? Math.round(latest).toLocaleString('en-US') : latest.toFixed(1);
  return `<svg class="spark" width="120" height="24" role="img" aria-label="${esc(label)}"><polyline fill="none" stroke="#3b6fd8" stroke-width="1.5" points="${points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/></svg> <span class="num">${shown}</span>`;
}

/**
 * The trends table. `href(o)` is the link of a run (its report, or its directory). A run's cell
 * title names its seed, verdict and start.
 */
export function trendsSection(trends: readonly TestTrend[], href: (o: RunOutcome) => string): string {
  if (trends.length === 0) return '';
  const rows = trends.map((t) => {
    const cells = t.runs.map((r) => `<a class="cell" style="background:${COLOUR[r.verdict]}" href="${esc(href(r))}" title="${esc(`${r.verdict} · seed ${r.seed ?? '?'} · ${r.startedAt ?? ''}`)}"></a>`).join('');
    const oldestFirst = [...t.runs].reverse();
    const flaky = t.flaky.length ? `<span class="flaky" title="${esc(t.flaky.join('; '))}">FLAKY</span> <span class="muted">${esc(t.flaky.join('; '))}</span>` : '';
    return `<tr class="trend${t.flaky.length ? ' is-flaky' : ''}"><td>${esc(t.name)}</td><td class="strip">${cells}</td><td>${sparkline(oldestFirst.map((r) => r.throughput), `${t.name} ok ops/s over runs`)}</td><td>${sparkline(oldestFirst.map((r) => r.p99Ms), `${t.name} p99 latency ms over runs`)}</td><td>${flaky}</td></tr>`;
  }).join('');
  return `<h2>Trends</h2><table class="trends"><tr><th>test</th><th>verdicts, newest first</th><th>ok ops/s</th><th>p99 ms</th><th></th></tr>${rows}</table>`;
}

/** The CSS the trends table needs (the index pages include it). */
export const TRENDS_CSS = `.strip{white-space:nowrap}.cell{display:inline-block;width:12px;height:18px;margin-right:2px;border-radius:2px;vertical-align:middle}
.flaky{background:#b45309;color:#fff;font-weight:700;padding:1px 6px;border-radius:4px;font-size:12px}.muted{color:#6b7280}.spark{vertical-align:middle}
table.trends{margin-bottom:22px}h2{font-size:16px;margin:18px 0 8px}`;

/** A run's link relative to the store root: its report when there is one, else its directory. */
export function runHref(root: string, o: RunOutcome): string {
  const relative = o.dir.startsWith(root) ? o.dir.slice(root.length).replace(/^\/+/, '') : o.dir;
  return `${hrefPath(relative)}/${o.report ? 'report.html' : ''}`;
}
