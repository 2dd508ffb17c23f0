/**
 * The plain-data sections of the report: checker verdicts, test options / seed / commit /
 * replay command, an excerpt of the history as a table, and links to every node's files.
 */
import type { CheckResult } from '../../ground/checker.js';
import type { Op } from '../../ground/history.js';
import type { NodeFiles, RunData } from './load.js';
import { esc, escShow, hrefPath } from './escape.js';
import { kvTable, notAvailable, verdictBadge } from './page.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Beyond this many characters a checker's full details are cut in the page (results.json has all). */
const MAX_DETAIL_CHARS = 20_000;
export const MAX_OPS_ROWS = 150;

function summaryOf(result: CheckResult): string {
  const scalars = Object.entries(result).filter(([k, v]) => k !== 'valid' && (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length < 300)));
  const text = scalars.slice(0, 8).map(([k, v]) => `<span class="muted">${esc(k)}:</span> ${esc(String(v))}`).join(' · ');
  return text || '<span class="muted">no details</span>';
}

export function checkersSection(data: RunData): string {
  if (!data.results.ok) return notAvailable(data.results.why);
  const rows = Object.entries(data.results.value.results).map(([name, r]) => {
    let detail = '';
    try {
      detail = JSON.stringify(r, null, 2) ?? '';
    } catch {
      detail = String(r);
    }
    const cut = detail.length > MAX_DETAIL_CHARS ? `${detail.slice(0, MAX_DETAIL_CHARS)}\n… (${detail.length.toLocaleString('en-US')} characters; the rest is in results.json)` : detail;
    const error = typeof r.error === 'string' ? `<pre>${esc(r.error)}</pre>` : '';
    return `<tr><td>${esc(name)}</td><td>${verdictBadge(r.valid)}</td><td>${summaryOf(r)}${error}<details><summary>details</summary><pre>${esc(cut)}</pre></details></td></tr>`;
  });
  if (rows.length === 0) return '<p class="na">results.json lists no checker.</p>';
  return `<table class="checkers"><tr><th>checker</th><th>verdict</th><th>summary</th></tr>${rows.join('')}</table>`;
}

function pick(test: Record<string, unknown>, ...path: string[]): unknown {
  let v: unknown = test;
  for (const k of path) v = isObj(v) ? v[k] : undefined;
  return v;
}

export function testSection(data: RunData): string {
  if (!data.test.ok) return notAvailable(data.test.why);
  const t = data.test.value;
  const config = isObj(t.config) ? t.config : t;
  const git = pick(t, 'git');
  const commit = isObj(git) ? `${esc(String(git.commit))}${git.dirty ? ' <span class="muted">(with uncommitted changes)</span>' : ''}` : typeof t.commit === 'string' ? esc(t.commit) : '<span class="muted">unknown</span>';
  const command = typeof t.command === 'string' ? t.command : undefined;
  const rows: Array<[string, string]> = [
    ['seed', escShow(t.seed ?? pick(t, 'config', 'seed') ?? 'unknown')],
    ['commit', commit],
    ['started', escShow(t.startedAt ?? 'unknown')],
  ];
  if (isObj(t.versions)) rows.push(['versions', escShow(t.versions)]);
  // A simulated run's times are virtual and its nodes state machines (paxos/core or a --test module's sim system), not processes (harness/sim).
  if (config.runtime === 'sim') rows.unshift(['runtime', `simulated: ${config.test === undefined ? 'paxos/core' : 'the test module\'s sim system'} in virtual time, in one process (every time in this report is virtual)`]);
  // A swarm seed's drawn faults and parameters (harness/sim/swarm.ts), which the replay command redraws.
  const swarm = data.results.ok ? data.results.value.swarm : undefined;
  if (swarm !== undefined) rows.push(['swarm', escShow(swarm, 600)]);
  const options = Object.entries(config).filter(([k]) => k !== 'seed').map(([k, v]): [string, string] => [k, escShow(v, 300)]);
  return kvTable(rows)
    + `<h3>Replay</h3>${command ? `<pre class="replay">${esc(command)}</pre>` : notAvailable('test.json has no replay command')}`
    + `<details open><summary>all options</summary>${kvTable(options)}</details>`;
}

/** Which history rows to list: around the first error when there is one, else the start. */
export function opsSection(ops: Op[], errorIndices: Set<number>): string {
  const focus = [...errorIndices].sort((a, b) => a - b)[0];
  const from = focus === undefined ? 0 : Math.max(0, focus - Math.floor(MAX_OPS_ROWS / 2));
  const shown = ops.slice(from, from + MAX_OPS_ROWS);
  const rows = shown.map((op) => `<tr class="${op.type}${errorIndices.has(op.index) ? ' error' : ''}" id="op-${op.index}"><td class="num">${op.index}</td><td class="num">${(op.time / 1e9).toFixed(3)}</td><td>${esc(String(op.process))}</td><td>${esc(op.type)}</td><td>${esc(op.f)}</td><td>${escShow(op.key ?? '')}</td><td><code>${escShow(op.value, 160)}</code></td><td>${escShow(op.node ?? '')}</td><td>${escShow(op.error ?? '')}</td></tr>`).join('');
  const note = `<p class="note">History events #${shown[0]?.index ?? 0}..#${shown[shown.length - 1]?.index ?? 0} of ${ops.length.toLocaleString('en-US')}${focus !== undefined ? ', around the first error (highlighted)' : ''}; the whole history is in <a href="history.jsonl">history.jsonl</a>.</p>`;
  return `${note}<div class="tl-wrap"><table class="ops"><tr><th>#</th><th>time (s)</th><th>process</th><th>type</th><th>f</th><th>key</th><th>value</th><th>node</th><th>error</th></tr>${rows}</table></div>`;
}

const human = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

export function filesSection(data: RunData, extra: string[]): string {
  const top = ['test.json', 'history.jsonl', 'results.json', ...extra].map((f) => `<a href="${hrefPath(f)}">${esc(f)}</a>`).join(' · ');
  const nodes = data.nodes.ok
    ? data.nodes.value.length === 0
      ? '<p class="na">nodes/ is empty: no node log was collected.</p>'
      : data.nodes.value.map((n: NodeFiles) => `<h3>${esc(n.name)}</h3>${n.files.length === 0 ? '<p class="muted">no files</p>' : `<ul class="files">${n.files.map((f) => `<li><a href="${hrefPath(f.path)}">${esc(f.path.slice(`nodes/${n.name}/`.length))}</a> <span class="muted">${human(f.bytes)}</span></li>`).join('')}</ul>`}`).join('')
    : notAvailable(data.nodes.why);
  return `<p>Run files: ${top}</p>${nodes}`;
}

export function historyHealth(data: RunData): string {
  if (!data.history.ok) return '';
  const h = data.history.value;
  return h.badLines > 0 ? `<p class="na">history.jsonl has ${h.badLines} malformed line(s) (first at line ${h.firstBadLine}); they are left out of every view.</p>` : '';
}

