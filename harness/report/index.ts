/**
 * Report generation: `writeReport(runDir)` reads a stored run and writes
 * <runDir>/report.html (self-contained) and, when node event logs exist, <runDir>/shiviz.log.
 * Each section renders from what is available; a missing or malformed input becomes a visible
 * "not available: why" note, never an exception.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Op } from '../../ground/history.js';
import { loadRun, MAX_EVENT_LOG_BYTES, type RunData } from './load.js';
import { functionsOf, nemesisWindows, pairOps } from './ops.js';
import { latencyPlot, latencyQuantiles, quantileTable, throughputPlot } from './latency.js';
import { timeline } from './timeline.js';
import { findLinearizationInfos, historyIndexOf, linearizationView, type LinInfo } from './linearview.js';
import { divergenceFromDecidedLogs, divergenceView, findDivergence, findStateFailure, stateFailureView, type Divergence, type StateFailure } from './agreementview.js';
import { chooseWindow, shivizLog, spacetimeDiagram } from './spacetime.js';
import { elleErrorIndices, elleSection, isElleResult } from './elleview.js';
import { checkersSection, filesSection, historyHealth, opsSection, testSection } from './sections.js';
import { notAvailable, renderPage, verdictBadge, type PageSection } from './page.js';
import { esc, slug } from './escape.js';
import { previousRunLink, previousRunOf } from './previous.js';

export const REPORT_FILE = 'report.html';
export const SHIVIZ_FILE = 'shiviz.log';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Section renderers run inside this: a bug in one view shows up as a note, not a lost report. */
function guarded(render: () => string): string {
  try {
    return render();
  } catch (err) {
    return notAvailable(`this view failed to render (${(err as Error).message}); the rest of the report is unaffected`);
  }
}

interface Failures {
  lin: Array<{ checker: string; info: LinInfo }>;
  /** Transactional checkers' results with anomalies (checkers/elle/). */
  elle: Array<{ checker: string; result: Parameters<typeof elleSection>[0][number]['result'] }>;
  divergence?: Divergence;
  stateFailure?: StateFailure;
  agreementInvalid: boolean;
  /** History indices of ops that could not be linearized. */
  errorIndices: Set<number>;
}

async function findFailures(data: RunData): Promise<Failures> {
  const failures: Failures = { lin: [], elle: [], agreementInvalid: false, errorIndices: new Set() };
  if (!data.results.ok) return failures;
  for (const [checker, result] of Object.entries(data.results.value.results)) {
    if (isElleResult(result) && result.anomalyTypes.length > 0) {
      failures.elle.push({ checker, result });
      if (result.valid === false) for (const i of elleErrorIndices(result)) failures.errorIndices.add(i);
    }
    if (result.valid === true) continue;
    for (const info of findLinearizationInfos(result)) {
      if (info.result === 'ok') continue;
      failures.lin.push({ checker, info });
      const byId = new Map(info.operations.map((o) => [o.id, o]));
      const first = info.unplaced[0]?.op ?? info.blocking;
      const op = first !== undefined ? byId.get(first) : undefined;
      const index = op ? historyIndexOf(op) : undefined;
      if (index !== undefined) failures.errorIndices.add(index);
    }
    if (/agree/i.test(checker) && result.valid === false) {
      failures.agreementInvalid = true;
      failures.divergence ??= findDivergence(result);
      failures.stateFailure ??= findStateFailure(result);
    }
  }
  if (failures.agreementInvalid && !failures.divergence && data.nodes.ok) {
    failures.divergence = await divergenceFromDecidedLogs(data.runDir, data.nodes.value);
  }
  return failures;
}

/** Converts a history time (ns since start) to the event logs' clock when they are comparable. */
function eventTimeOf(data: RunData, historyNs: number): number | undefined {
  if (!data.events.ok) return undefined;
  const sample = data.events.value.events.find((e) => e.time !== undefined)?.time;
  if (sample === undefined) return undefined;
  if (sample < 1e12) return historyNs; // the event log uses the history's clock
  const started = data.test.ok ? Date.parse(String(data.test.value.startedAt ?? '')) : NaN;
  return Number.isFinite(started) ? started + historyNs / 1e6 : undefined;
}

export function testName(data: RunData): string {
  const t = data.test.ok ? data.test.value : {};
  const name = t.name ?? (isObj(t.config) ? t.config.name : undefined);
  return typeof name === 'string' ? name : data.runDir.split('/').filter(Boolean).slice(-2).join('/');
}

export async function buildReport(data: RunData): Promise<{ html: string; shiviz?: string }> {
  const failures = await findFailures(data);
  const ops: Op[] = data.history.ok ? data.history.value.ops : [];
  const { pairs, unmatched } = pairOps(ops);
  const fs = functionsOf(pairs);
  const { windows, marks } = nemesisWindows(ops);
  const end = ops.length > 0 ? ops[ops.length - 1].time : 0;
  const nemesisOps = ops.filter((op) => op.process === 'nemesis');
  const sections: PageSection[] = [];

  sections.push({ id: 'checkers', title: 'Verdicts', html: guarded(() => checkersSection(data)) });
  sections.push({ id: 'test', title: 'Test', html: guarded(() => testSection(data)) });

  const perf = !data.history.ok
    ? notAvailable(data.history.why)
    : historyHealth(data)
      + (unmatched > 0 ? `<p class="na">${unmatched} history event(s) do not pair up (a completion without an invocation, or an invocation while one was open).</p>` : '')
      + `<h3>Latency</h3>${guarded(() => latencyPlot({ pairs, fs, windows, marks, end }))}`
      + `<h3>Throughput</h3>${guarded(() => throughputPlot({ pairs, fs, windows, marks, end }))}`
      + `<h3>Latency quantiles</h3>${guarded(() => quantileTable(latencyQuantiles(pairs, fs)))}`;
  sections.push({ id: 'perf', title: 'Performance', html: perf });

  if (failures.lin.length > 0) {
    const html = failures.lin.map(({ checker, info }, n) => `<div class="lin-section">${guarded(() => linearizationView(info, n, n === 0 ? 'first-error' : `error-${n}-${slug(checker)}`))}</div>`).join('');
    sections.push({ id: 'linearizability', title: 'Linearizability failure', html: `<p>Checker <b>${esc(failures.lin[0].checker)}</b> found ${failures.lin.length} failing partition(s).</p>${html}` });
  }
  if (failures.elle.length > 0) {
    sections.push({ id: 'transactions', title: 'Transactional anomalies', html: guarded(() => elleSection(failures.elle)) });
  }
  if (failures.agreementInvalid) {
    sections.push({ id: 'agreement', title: 'Agreement failure', html: failures.divergence ? guarded(() => divergenceView(failures.divergence!)) : failures.stateFailure ? guarded(() => stateFailureView(failures.stateFailure!)) : notAvailable('the agreement checker failed but neither its result nor the decided logs name a diverging slot') });
  }

  sections.push({
    id: 'timeline', title: 'Timeline',
    html: data.history.ok ? guarded(() => timeline(pairs, nemesisOps, { focusIndex: [...failures.errorIndices][0], highlight: failures.errorIndices })) : notAvailable(data.history.why),
  });

  let shiviz: string | undefined;
  let spacetime: string;
  if (data.events.ok) {
    const events = data.events.value.events;
    shiviz = guarded(() => shivizLog(events));
    const failingOp = [...failures.errorIndices].map((i) => ops.find((op) => op.index === i)).find((op) => op !== undefined);
    const window = chooseWindow(events, { slot: failures.divergence?.slot, time: failingOp ? eventTimeOf(data, failingOp.time) : undefined });
    spacetime = `<p><a href="${SHIVIZ_FILE}" download>Download all ${events.length.toLocaleString('en-US')} events in ShiViz format</a> <span class="muted">(paste or upload it into ShiViz; its first line is the parser regex)</span></p>`
      + (data.events.value.badLines > 0 ? `<p class="na">${data.events.value.badLines} malformed event-log line(s) were skipped.</p>` : '')
      + (data.events.value.truncated.length > 0 ? `<p class="note">Big event logs: only the last ${MAX_EVENT_LOG_BYTES / 1024 / 1024} MiB of ${esc(data.events.value.truncated.join(', '))} were read (here and in the ShiViz export).</p>` : '')
      + guarded(() => spacetimeDiagram(window, events.length));
  } else spacetime = notAvailable(data.events.why);
  sections.push({ id: 'spacetime', title: 'Happens-before', html: spacetime });

  sections.push({ id: 'history', title: 'History', html: data.history.ok ? guarded(() => opsSection(ops, failures.errorIndices)) : notAvailable(data.history.why) });
  sections.push({ id: 'files', title: 'Node logs & files', html: guarded(() => filesSection(data, shiviz ? [SHIVIZ_FILE] : [])) });

  const name = testName(data);
  const valid = data.results.ok ? data.results.value.valid : undefined;
  const durationS = end / 1e9;
  const started = data.test.ok && typeof data.test.value.startedAt === 'string' ? data.test.value.startedAt : '';
  const config = data.test.ok ? (data.test.value as { config?: { runtime?: unknown } }).config : undefined;
  const simulated = config?.runtime === 'sim' ? 'simulated (virtual time) · ' : '';
  const header = `<h1>${esc(name)} ${verdictBadge(valid, true)}</h1><div class="sub">${esc(started)}${started ? ' · ' : ''}${simulated}${durationS.toFixed(1)} s · ${pairs.length.toLocaleString('en-US')} client operations · ${esc(data.runDir)} · ${previousRunLink(previousRunOf(data.runDir))}</div>`;
  return { html: renderPage(`${name}: ${valid === true ? 'valid' : valid === false ? 'INVALID' : 'unknown'}`, header, sections), shiviz };
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }); // a full disk must not leave half a report behind
    throw err;
  }
}

/** Reads the run dir, writes <runDir>/report.html (and shiviz.log when there are event logs); returns the report's path. */
export async function writeReport(runDir: string): Promise<string> {
  const data = await loadRun(runDir);
  const { html, shiviz } = await buildReport(data);
  if (shiviz !== undefined) await writeAtomically(join(runDir, SHIVIZ_FILE), shiviz);
  const path = join(runDir, REPORT_FILE);
  await writeAtomically(path, html);
  return path;
}
