/**
 * The report without a browser: escaping, defensive loading (missing / malformed files become
 * notes), the derived views (pairing, nemesis windows, sampling, message matching and layout,
 * ShiViz export), the failure finders and the `report` CLI (spawns dist/: run tsc first).
 * Cost: ~4 s (fixture runs of a few thousand ops, two CLI spawns).
 */
import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { esc, jsonForScript } from './escape.js';
import { loadRun, parseHistory } from './load.js';
import { nemesisWindows, pairOps } from './ops.js';
import { MAX_LATENCY_POINTS, MAX_THROUGHPUT_BUCKETS, sampleForPlot, latencyQuantiles, throughputPlot } from './latency.js';
import { chooseWindow, denseClocks, happenedBefore, layoutRows, matchMessages, shivizLog, SHIVIZ_REGEX } from './spacetime.js';
import { findLinearizationInfos, historyIndexOf, linearizationView } from './linearview.js';
import { agreementChecker } from '../../checkers/agreement.js';
import { linearizable } from '../../checkers/linearizable/checker.js';
import { findDivergence } from './agreementview.js';
import { ESCAPE_PROBE, writeFixtureRun } from './fixture.js';
import { buildReport, writeReport } from './index.js';
import type { Op } from '../../ground/history.js';

const tmpDirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jepsen-report-'));
  tmpDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});
const op = (index: number, time: number, process: Op['process'], type: Op['type'], f: string, value?: unknown): Op => ({ index, time, process, type, f, value });

describe('escaping', () => {
  it('turns markup into text', () => {
    expect(esc(ESCAPE_PROBE)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(esc('a"b\'c&')).toBe('a&quot;b&#39;c&amp;');
  });
  it('keeps JSON for script blocks from closing the block', () => {
    const text = jsonForScript({ v: '</script><script>alert(1)</script>' });
    expect(text).not.toContain('</script>');
    expect(JSON.parse(text)).toEqual({ v: '</script><script>alert(1)</script>' });
  });
});

describe('a report of an invalid fixture run', () => {
  let dir: string;
  let html: string;
  beforeAll(async () => {
    dir = writeFixtureRun(join(tmp(), 'run'), { ops: 3000, invalid: true });
    html = readFileSync(await writeReport(dir), 'utf8');
  });
  it('never contains an unescaped value from the history or logs', () => {
    expect(html).not.toContain(ESCAPE_PROBE);
    expect(html).toContain(esc(ESCAPE_PROBE));
    // Only the report's own script block exists.
    expect(html.match(/<script/g)).toHaveLength(1);
  });
  it('shows every checker verdict, the seed, commit and replay command', () => {
    for (const name of ['linearizable', 'agreement', 'stats']) expect(html).toContain(`<td>${name}</td>`);
    expect(html).toContain('0123456789abcdef0123456789abcdef01234567');
    expect(html).toContain('jepsen-ts test --workload register --nemesis partition');
    expect(html).toContain('--bug stale-read');
  });
  it('draws the counterexample with a jump link to the op that could not be placed', () => {
    expect(html).toContain('href="#first-error"');
    expect(html).toMatch(/id="first-error" class="lin-op failed"/);
  });
  it('outlines the failing op in the timeline and the history table', () => {
    expect(html).toMatch(/class="op \w+ error" id="tl-\d+"/);
    expect(html).toMatch(/<tr class="\w+ error" id="op-\d+">/);
  });
  it('finds the diverging slot from the decided logs when the checker does not name the values', () => {
    expect(html).toContain('First diverging slot: <b class="slot">7</b> (from the decided logs)');
  });
  it('writes the ShiViz export next to the report and links it', () => {
    expect(existsSync(join(dir, 'shiviz.log'))).toBe(true);
    expect(html).toContain('href="shiviz.log" download');
  });
  it('links every node log', () => {
    for (const n of ['n1', 'n2', 'n3']) expect(html).toContain(`href="nodes/${n}/node.log"`);
  });
});

describe('missing and malformed inputs', () => {
  it('an empty directory yields a report of notes, not a crash', async () => {
    const dir = tmp();
    const html = readFileSync(await writeReport(dir), 'utf8');
    expect(html).toContain('Not available: history.jsonl: file not found');
    expect(html).toContain('Not available: results.json: file not found');
    expect(html).toContain('Not available: test.json: file not found');
    expect(html).toContain('Not available: nodes/: file not found');
  });
  it('malformed lines are counted and skipped; a malformed results.json is named', async () => {
    const dir = writeFixtureRun(join(tmp(), 'run'), { ops: 200, invalid: false });
    writeFileSync(join(dir, 'history.jsonl'), readFileSync(join(dir, 'history.jsonl'), 'utf8') + '{"index": 9999, "tim');
    writeFileSync(join(dir, 'results.json'), '{"valid": tru');
    writeFileSync(join(dir, 'nodes', 'n2', 'events.jsonl'), 'not json\n');
    const data = await loadRun(dir);
    expect(data.history.ok && data.history.value.badLines).toBe(1);
    const { html } = await buildReport(data);
    expect(html).toContain('history.jsonl has 1 malformed line(s)');
    expect(html).toMatch(/Not available: results.json: malformed JSON/);
    expect(html).toContain('1 malformed event-log line(s) were skipped');
  });
  it('a checker result that is not an object is reported as unknown', async () => {
    const dir = writeFixtureRun(join(tmp(), 'run'), { ops: 50, invalid: false });
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ valid: true, results: { weird: 42 } }));
    const data = await loadRun(dir);
    expect(data.results.ok && data.results.value.results.weird.valid).toBe('unknown');
  });
  it('parseHistory rejects ops missing required fields', () => {
    const h = parseHistory('{"index":0,"time":1,"process":0,"type":"invoke","f":"read"}\n{"index":1,"time":2,"process":0,"type":"maybe","f":"read"}\n[]\n');
    expect(h.ops).toHaveLength(1);
    expect(h.badLines).toBe(2);
    expect(h.firstBadLine).toBe(2);
  });
});

describe('derived views', () => {
  it('pairs invocations with completions and leaves crashed ones open', () => {
    const { pairs, unmatched } = pairOps([op(0, 0, 0, 'invoke', 'read'), op(1, 5, 1, 'invoke', 'write', 1), op(2, 9, 0, 'ok', 'read', 1), op(3, 10, 2, 'ok', 'read')]);
    expect(pairs.map((p) => [p.process, p.type, p.latency])).toEqual([[0, 'ok', 9], [1, 'info', undefined]]);
    expect(unmatched).toBe(1);
  });
  it('turns start/stop nemesis ops into windows and others into marks', () => {
    const { windows, marks } = nemesisWindows([op(0, 10, 'nemesis', 'info', 'start-partition', { n1: ['n2'] }), op(1, 20, 'nemesis', 'info', 'kill', 'n3'), op(2, 30, 'nemesis', 'info', 'stop-partition'), op(3, 40, 'nemesis', 'info', 'start-clock'), op(4, 50, 0, 'invoke', 'read')]);
    expect(windows).toEqual([
      { name: 'partition', start: 10, end: 30, open: false, value: { n1: ['n2'] } },
      { name: 'clock', start: 40, end: 50, open: true, value: undefined },
    ]);
    expect(marks).toEqual([{ time: 20, f: 'kill', value: 'n3' }]);
    const jepsen = nemesisWindows([op(0, 1, 'nemesis', 'info', 'start'), op(1, 2, 'nemesis', 'info', 'stop')]);
    expect(jepsen.windows).toEqual([{ name: 'nemesis', start: 1, end: 2, open: false, value: undefined }]);
  });
  it('samples big runs but keeps every failure, and quantiles use all ops', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 20_000; i++) ops.push(op(2 * i, i * 100, 0, 'invoke', 'read'), op(2 * i + 1, i * 100 + 50, 0, i % 100 === 0 ? 'fail' : 'ok', 'read'));
    const { pairs } = pairOps(ops);
    const { shown, sampled } = sampleForPlot(pairs);
    expect(sampled).toBe(true);
    expect(shown.length).toBeLessThanOrEqual(MAX_LATENCY_POINTS);
    expect(shown.filter((p) => p.type === 'fail')).toHaveLength(200);
    expect(latencyQuantiles(pairs, ['read'])[0].count).toBe(19_800);
  });
});

describe('throughput of a long run', () => {
  it('is averaged into at most MAX_THROUGHPUT_BUCKETS points per series, and says so', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 2000; i++) ops.push(op(2 * i, i * 5e8, 0, 'invoke', 'read'), op(2 * i + 1, i * 5e8 + 1e6, 0, 'ok', 'read'));
    const { pairs } = pairOps(ops);
    const html = throughputPlot({ pairs, fs: ['read'], windows: [], marks: [], end: ops[ops.length - 1].time });
    const points = html.match(/<circle class="pt"/g) ?? [];
    expect(points.length).toBeGreaterThan(100);
    expect(points.length).toBeLessThanOrEqual(MAX_THROUGHPUT_BUCKETS);
    expect(html).toContain('Each point averages 4 s');
    expect(html).toContain('read ok seconds 0..4: 2 ops/s');
  });
});

describe('happens-before', () => {
  it('matches every receive to a send that happened before it and lays it out below', async () => {
    const dir = writeFixtureRun(join(tmp(), 'run'), { ops: 20, invalid: false, events: 80 });
    const data = await loadRun(dir);
    if (!data.events.ok) throw new Error(data.events.why);
    const events = data.events.value.events;
    const matched = matchMessages(events);
    const receives = events.filter((e) => e.kind === 'recv');
    expect(matched.size).toBe(receives.length);
    const rows = layoutRows(events, matched);
    for (const [recv, send] of matched) {
      expect(send.peer).toBe(recv.node);
      expect(happenedBefore(send, recv)).toBe(true);
      expect(rows.get(recv)!).toBeGreaterThan(rows.get(send)!);
    }
    const window = chooseWindow(events, { slot: 3 });
    expect(window.events.every((e) => e.slot === 3)).toBe(true);
  });
  it('reads a node event log collected twice (nodes/<n>/ and its data/ copy) once', async () => {
    const dir = writeFixtureRun(join(tmp(), 'run'), { ops: 20, invalid: false, events: 30 });
    const once = await loadRun(dir);
    mkdirSync(join(dir, 'nodes', 'n1', 'data'));
    writeFileSync(join(dir, 'nodes', 'n1', 'data', 'events.jsonl'), readFileSync(join(dir, 'nodes', 'n1', 'events.jsonl')));
    const twice = await loadRun(dir);
    if (!once.events.ok || !twice.events.ok) throw new Error('event logs not loaded');
    expect(twice.events.value.files).toContain('nodes/n1/data/events.jsonl');
    expect(twice.events.value.events).toHaveLength(once.events.value.events.length);
  });
  it('renumbers clocks densely for ShiViz, also across gaps (restarts, lost lines, a read tail)', async () => {
    const dir = writeFixtureRun(join(tmp(), 'run'), { ops: 20, invalid: false, events: 60 });
    const data = await loadRun(dir);
    if (!data.events.ok) throw new Error(data.events.why);
    // Drop every third event of n2 and shift the rest of its clock, as a restart would.
    const events = data.events.value.events.filter((e, i) => !(e.node === 'n2' && i % 3 === 0)).map((e) => ({ ...e, vc: { ...e.vc, n2: (e.vc.n2 ?? 0) > 5 ? e.vc.n2 + 100 : e.vc.n2 } }));
    const lines = shivizLog(events).trimEnd().split('\n').slice(2);
    const byHost = new Map<string, Array<Record<string, number>>>();
    for (let i = 0; i < lines.length; i += 2) {
      const [host, clock] = [lines[i].slice(0, lines[i].indexOf(' ')), JSON.parse(lines[i].slice(lines[i].indexOf(' ') + 1)) as Record<string, number>];
      if (!byHost.has(host)) byHost.set(host, []);
      byHost.get(host)!.push(clock);
    }
    for (const [host, clocks] of byHost) {
      // ShiViz: each host's own clock counts 1..n; every entry names one of that host's events.
      expect(clocks.map((c) => c[host]).sort((a, b) => a - b)).toEqual(clocks.map((_, i) => i + 1));
      for (const c of clocks) {
        for (const [other, v] of Object.entries(c)) {
          expect(v).toBeGreaterThanOrEqual(1);
          expect(v).toBeLessThanOrEqual(byHost.get(other)!.length);
        }
      }
    }
    // Causality survives: a matched receive's clock dominates its send's.
    const dense = denseClocks(events);
    for (const [recv, send] of matchMessages(events)) for (const [h, v] of Object.entries(dense.get(send)!)) expect(dense.get(recv)![h]).toBeGreaterThanOrEqual(v);
  });
  it('exports ShiViz input: the regex line, an empty delimiter line, then host+clock / event pairs', async () => {
    const dir = writeFixtureRun(join(tmp(), 'run'), { ops: 20, invalid: false, events: 30 });
    const data = await loadRun(dir);
    if (!data.events.ok) throw new Error(data.events.why);
    const lines = shivizLog(data.events.value.events).trimEnd().split('\n');
    expect(lines[0]).toBe(SHIVIZ_REGEX);
    expect(lines[1]).toBe('');
    const body = lines.slice(2);
    expect(body.length).toBe(2 * data.events.value.events.length);
    const re = new RegExp(SHIVIZ_REGEX);
    const first = re.exec(`${body[0]}\n${body[1]}`);
    expect(first?.groups?.host).toMatch(/^n\d$/);
    expect(JSON.parse(first!.groups!.clock)[first!.groups!.host]).toBe(1);
  });
});

describe('failure finders', () => {
  it('find a LinearizationInfo wherever the checker nests it, and skip ok partitions', () => {
    const info = { result: 'illegal', initialState: '0', operations: [{ id: 0, clientId: 1, callIndex: 0, returnIndex: 1, description: 'read -> 1' }], prefix: [], unplaced: [{ op: 0, stateBefore: '0', modelAccepts: false }] };
    expect(findLinearizationInfos({ valid: false, partitions: [{ info }] })).toHaveLength(1);
    expect(findLinearizationInfos({ valid: false, partitions: [{ info: { ...info, operations: 'nope' } }] })).toHaveLength(0);
    const html = linearizationView(info, 0, 'first-error');
    expect(html).toContain('id="first-error"');
    expect(html).toContain('the model rejects it');
  });
  it('reads the real agreement checker\'s divergence, and the real linearizable checker\'s anomalies', async () => {
    const decided = (v: number) => [{ slot: 0, digest: 'a', command: [{ op: 'write', key: 'r', value: 1 }] }, { slot: 1, digest: `b${v}`, command: [{ op: 'write', key: 'r', value: v }] }];
    const history: Op[] = [op(0, 0, 0, 'invoke', 'write', 1), op(1, 1, 0, 'ok', 'write', 1), op(2, 2, 0, 'invoke', 'write', 2), op(3, 3, 0, 'ok', 'write', 2), op(4, 4, 0, 'invoke', 'write', 3), op(5, 5, 0, 'ok', 'write', 3)].map((o) => ({ ...o, key: 'r' }));
    const agreement = await agreementChecker().check(history, { decidedLogs: { n1: decided(2), n2: decided(2), n3: decided(3) } });
    expect(agreement.valid).toBe(false);
    expect(findDivergence(agreement)).toMatchObject({ slot: 1, values: { n1: { digest: 'b2' }, n3: { digest: 'b3' } } });
    // A stale read: 1 is read after 2 was written.
    const stale: Op[] = [op(0, 0, 0, 'invoke', 'write', 1), op(1, 1, 0, 'ok', 'write', 1), op(2, 2, 0, 'invoke', 'write', 2), op(3, 3, 0, 'ok', 'write', 2), op(4, 4, 1, 'invoke', 'read', null), op(5, 5, 1, 'ok', 'read', 1)].map((o) => ({ ...o, key: 'r' }));
    const lin = await linearizable({ model: 'cas-register' }).check(stale, {});
    expect(lin.valid).toBe(false);
    const [info] = findLinearizationInfos(lin);
    expect(info.operations.find((o) => o.id === info.unplaced[0].op)?.description).toMatch(/read.*1/);
    expect(historyIndexOf(info.operations.find((o) => o.id === info.unplaced[0].op)!)).toBe(4);
    // The model's refutation names both operations, and the view prints it.
    expect(info.refutation).toBe('read() -> 1 misses write(2), which returned before the read was called, and nothing could come between them to overwrite it');
    expect(linearizationView(info, 0, 'first-error')).toContain('<p class="refutation">Why: read() -&gt; 1 misses write(2), which');
  });
  it('draws a window of a partition with 200,000 operations', () => {
    const operations = Array.from({ length: 200_000 }, (_, id) => ({ id, clientId: id % 7, callIndex: 2 * id, returnIndex: 2 * id + 1, description: `write(${id})` }));
    const prefix = operations.slice(0, 150_000).map((o) => ({ op: o.id, stateBefore: String(o.id - 1), stateAfter: String(o.id) }));
    const html = linearizationView({ result: 'illegal', initialState: 'nil', operations, prefix, unplaced: [{ op: 150_000, stateBefore: '149999', modelAccepts: false }] }, 0, 'first-error');
    expect(html).toContain('id="first-error"');
    expect(html).toMatch(/Showing \d+ of 200000 operations/);
    expect((html.match(/class="lin-op /g) ?? []).length).toBeLessThan(400);
  });
  it('find a divergence given as a node map or a list', () => {
    expect(findDivergence({ valid: false, first: { slot: 3, values: { n1: 'a', n2: 'b' } } })).toMatchObject({ slot: 3, values: { n1: 'a', n2: 'b' } });
    expect(findDivergence({ valid: false, slot: 4, nodes: [{ node: 'n1', value: 1 }, { node: 'n2', value: 2 }] })).toMatchObject({ slot: 4, values: { n1: 1, n2: 2 } });
    expect(findDivergence({ valid: false, slot: 4 })).toBeUndefined();
  });
});

describe('jepsen-ts report (the CLI, from dist/)', () => {
  const cli = join(import.meta.dirname, '..', '..', 'bin', 'jepsen-ts.js');
  const run = (args: string[]) => promisify(execFile)(process.execPath, [cli, 'report', ...args]).then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => e);
  it('writes report.html and prints its path', async () => {
    const dir = writeFixtureRun(join(tmp(), 'run'), { ops: 100, invalid: false });
    const { code, stdout } = await run([dir]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(join(dir, 'report.html'));
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });
  it('refuses a directory that is not a run: one line, exit 254', async () => {
    const { code, stderr } = await run([tmp()]);
    expect(code).toBe(254);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('is not a run directory');
  });
});

describe('a valid run', () => {
  it('has no failure sections and says the run is valid', async () => {
    const dir = writeFixtureRun(join(tmp(), 'run'), { ops: 500, invalid: false });
    mkdirSync(join(dir, 'nodes', 'n4'));
    const html = readFileSync(await writeReport(dir), 'utf8');
    expect(html).toContain('<span class="badge valid big">valid</span>');
    expect(html).not.toContain('id="linearizability"');
    expect(html).not.toContain('id="agreement"');
    expect(html).toContain('the last'); // happens-before window without a failure
  });
});
