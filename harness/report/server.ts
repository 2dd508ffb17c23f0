/**
 * The HTTP server behind `jepsen-ts serve`: an index of every run in a results store (newest
 * first, filterable by verdict and name) and the run files themselves. It serves files under
 * the results directory only: `..` segments, absolute paths and symlinks that resolve outside
 * it are refused, and only GET/HEAD are answered.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Validity } from '../../ground/checker.js';
import { esc, hrefPath } from './escape.js';
import { outcomeOf, type RunOutcome } from '../ci/outcome.js';
import { runHref, trendsOf, trendsSection, TRENDS_CSS } from '../ci/trends.js';

export interface RunSummary {
  /** Path relative to the results dir, e.g. register-partition/20261126T120000.000Z */
  path: string;
  name: string;
  startedAt: string;
  workload: string;
  nemeses: string;
  valid: Validity | undefined;
  durationS: number | undefined;
  hasReport: boolean;
  /** What CI reports of the run (verdict, reason, seed, throughput, p99), for the trends. */
  outcome: RunOutcome;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function jsonOrUndefined(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds of an ISO time, extended (test.json) or basic (a run dir's name, maybe with a -N suffix). */
export function parseStart(text: string): number {
  const extended = Date.parse(text);
  if (Number.isFinite(extended)) return extended;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?Z/.exec(text);
  return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`) : 0;
}

/**
 * Summaries by run dir, reused while none of the files they come from changed (results.json of
 * a big run can be megabytes: the index must not re-parse every run on every request).
 */
const summaryCache = new Map<string, { signature: string; summary: RunSummary }>();

async function runSignature(dir: string): Promise<string> {
  const parts = await Promise.all(['test.json', 'results.json', 'history.jsonl', 'report.html'].map((f) => stat(join(dir, f)).then((s) => `${s.size}:${s.mtimeMs}`, () => '-')));
  return parts.join('|');
}

/** Every run dir (<test>/<start>/ holding test.json or history.jsonl), newest first. */
export async function listRuns(resultsDir: string): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  let tests: string[];
  try {
    tests = (await readdir(resultsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return runs;
  }
  for (const test of tests) {
    let starts: string[];
    try {
      starts = (await readdir(join(resultsDir, test), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    for (const start of starts) {
      const dir = join(resultsDir, test, start);
      const files = new Set(await readdir(dir).catch(() => [] as string[]));
      if (!files.has('test.json') && !files.has('history.jsonl')) continue;
      const signature = await runSignature(dir);
      const cached = summaryCache.get(dir);
      if (cached && cached.signature === signature) {
        runs.push(cached.summary);
        continue;
      }
      const t = (await jsonOrUndefined(join(dir, 'test.json'))) ?? {};
      const config = isObj(t.config) ? t.config : t;
      const results = await jsonOrUndefined(join(dir, 'results.json'));
      const nemesis = config.nemesis;
      const outcome = outcomeOf(dir, t, results ?? null);
      const summary: RunSummary = {
        path: `${test}/${start}`,
        name: typeof t.name === 'string' ? t.name : test,
        startedAt: typeof t.startedAt === 'string' ? t.startedAt : start,
        workload: typeof config.workload === 'string' ? config.workload : '',
        nemeses: typeof config.schedule === 'string' ? `schedule ${config.schedule}` : Array.isArray(nemesis) ? nemesis.join(', ') : typeof nemesis === 'string' ? nemesis : '',
        valid: results && [true, false, 'unknown'].includes(results.valid as never) ? (results.valid as Validity) : undefined,
        durationS: files.has('history.jsonl') ? outcome.seconds : undefined,
        hasReport: files.has('report.html'),
        outcome,
      };
      summaryCache.set(dir, { signature, summary });
      runs.push(summary);
    }
  }
  return runs.sort((a, b) => parseStart(b.startedAt) - parseStart(a.startedAt) || b.path.localeCompare(a.path));
}

/** 2026-11-26T13:15:34.357Z -> 2026-11-26 13:15:34 UTC (other text is shown as it is). */
const displayTime = (iso: string): string => {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
};

const VERDICTS: Record<string, (v: Validity | undefined) => boolean> = {
  all: () => true,
  valid: (v) => v === true,
  invalid: (v) => v === false,
  unknown: (v) => v === 'unknown' || v === undefined,
};

/**
 * The index of a store. Served (`serve`: links from the server root, a filter form) or written as
 * a file beside the runs (`index`, `merge`: relative links, no form).
 */
export function indexPage(resultsDir: string, runs: RunSummary[], filter: { verdict: string; name: string }, opts: { static?: boolean } = {}): string {
  const base = opts.static ? '' : '/';
  const trends = trendsSection(trendsOf(runs.map((r) => r.outcome)), (o) => `${base}${runHref(resultsDir, o)}`);
  const shown = runs.filter((r) => VERDICTS[filter.verdict](r.valid) && r.name.toLowerCase().includes(filter.name.toLowerCase()));
  const verdict = (v: Validity | undefined) => (v === true ? ['valid', 'valid'] : v === false ? ['invalid', 'INVALID'] : ['unknown', v === 'unknown' ? 'unknown' : 'not checked']);
  const rows = shown.map((r) => {
    const [cls, text] = verdict(r.valid);
    const href = hrefPath(r.path);
    return `<tr class="run ${cls}"><td><span class="dot ${cls}" title="${text}"></span>${text}</td><td>${r.hasReport ? `<a class="report" href="${base}${href}/report.html">${esc(r.name)}</a>` : esc(r.name)}</td><td title="${esc(r.startedAt)}">${esc(displayTime(r.startedAt))}</td><td>${esc(r.workload)}</td><td>${esc(r.nemeses || 'none')}</td><td class="num">${r.durationS === undefined ? '' : `${r.durationS.toFixed(1)} s`}</td><td><a href="${base}${href}/">files</a></td></tr>`;
  }).join('');
  const options = Object.keys(VERDICTS).map((v) => `<option value="${v}"${v === filter.verdict ? ' selected' : ''}>${v}</option>`).join('');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>jepsen-ts runs</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#1f2937;background:#f7f8fa}
header{background:#111827;color:#f9fafb;padding:16px 28px}header h1{margin:0;font-size:20px}header .sub{color:#9ca3af;font-size:13px}
main{max-width:1200px;margin:0 auto;padding:18px 28px}
form{display:flex;gap:10px;align-items:center;margin-bottom:12px}input,select,button{font:inherit;padding:4px 8px;border:1px solid #d1d5db;border-radius:6px;background:#fff}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #e5e7eb;border-radius:8px}
td,th{padding:7px 12px;border-bottom:1px solid #e5e7eb;text-align:left}th{color:#374151;font-weight:600;background:#f9fafb}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.dot{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:7px;vertical-align:-1px}
.dot.valid{background:#2e9d5b}.dot.invalid{background:#d64545}.dot.unknown{background:#e0a526}
tr.invalid td:first-child{color:#b91c1c;font-weight:600}
a{color:#3b6fd8}.empty{color:#6b7280;padding:20px}
${TRENDS_CSS}
</style></head><body><header><h1>jepsen-ts runs</h1><div class="sub">${esc(resultsDir)} · ${runs.length} run(s)</div></header><main>
${opts.static ? '' : `<form method="get" action="/"><label>verdict <select name="verdict">${options}</select></label><label>name <input name="name" value="${esc(filter.name)}" placeholder="filter by test name"></label><button type="submit">filter</button></form>`}
${trends}<h2>Runs</h2>
${shown.length === 0 ? `<p class="empty">No run matches${runs.length === 0 ? ': the results directory holds no run yet' : ''}.</p>` : `<table><tr><th>verdict</th><th>test</th><th>started</th><th>workload</th><th>nemeses</th><th>duration</th><th></th></tr>${rows}</table>`}
</main></body></html>`;
}

function listingPage(relative: string, entries: Array<{ name: string; dir: boolean; bytes: number }>): string {
  const base = relative === '' ? '/' : `/${hrefPath(relative)}/`;
  const items = entries.map((e) => `<li><a href="${base}${encodeURIComponent(e.name)}${e.dir ? '/' : ''}">${esc(e.name)}${e.dir ? '/' : ''}</a>${e.dir ? '' : ` <span style="color:#6b7280">${e.bytes} B</span>`}</li>`).join('');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(relative || 'results')}</title><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><style>body{font:14px/1.6 system-ui,sans-serif;margin:24px 32px;color:#1f2937}a{color:#3b6fd8}</style></head><body><p><a href="/">all runs</a></p><h1 style="font-size:18px">${esc(relative || 'results')}/</h1><ul>${items}</ul></body></html>`;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.json': 'application/json; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.jsonl': 'text/plain; charset=utf-8', '.log': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.edn': 'text/plain; charset=utf-8',
};

export type Resolved = { ok: true; path: string; relative: string } | { ok: false; status: 400 | 403 | 404; why: string };

/** Maps a request path to a real file under the results dir, refusing anything that escapes it. */
export async function resolveUnder(root: string, urlPath: string): Promise<Resolved> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { ok: false, status: 400, why: 'malformed path' };
  }
  if (decoded.includes('\0')) return { ok: false, status: 400, why: 'malformed path' };
  const relative = decoded.replace(/^\//, '');
  const segments = relative.split(/[/\\]/);
  if (isAbsolute(relative) || /^[A-Za-z]:/.test(relative)) return { ok: false, status: 403, why: 'absolute paths are refused' };
  if (segments.includes('..')) return { ok: false, status: 403, why: '".." is refused' };
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(join(realRoot, ...segments.filter((s) => s !== '' && s !== '.')));
  } catch {
    return { ok: false, status: 404, why: 'not found' };
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return { ok: false, status: 403, why: 'outside the results directory' };
  return { ok: true, path: real, relative: segments.filter((s) => s !== '' && s !== '.').join('/') };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'only GET and HEAD\n');
  const raw = req.url ?? '/';
  const [pathPart, query = ''] = raw.split('?', 2);
  if (pathPart === '/' || pathPart === '') {
    const params = new URLSearchParams(query);
    const verdict = params.get('verdict') ?? 'all';
    const filter = { verdict: verdict in VERDICTS ? verdict : 'all', name: params.get('name') ?? '' };
    return send(res, 200, 'text/html; charset=utf-8', indexPage(root, await listRuns(root), filter));
  }
  const resolved = await resolveUnder(root, pathPart);
  if (!resolved.ok) return send(res, resolved.status, 'text/plain; charset=utf-8', `${resolved.status}: ${resolved.why}\n`);
  const info = await stat(resolved.path);
  if (info.isDirectory()) {
    if (!pathPart.endsWith('/')) {
      res.writeHead(301, { Location: `${pathPart}/` });
      return void res.end();
    }
    const entries = await Promise.all((await readdir(resolved.path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name)).map(async (e) => ({ name: e.name, dir: e.isDirectory() || (e.isSymbolicLink() && (await stat(join(resolved.path, e.name)).then((s) => s.isDirectory(), () => false))), bytes: e.isFile() ? (await stat(join(resolved.path, e.name))).size : 0 })));
    return send(res, 200, 'text/html; charset=utf-8', listingPage(resolved.relative, entries));
  }
  if (!info.isFile()) return send(res, 403, 'text/plain; charset=utf-8', '403: not a regular file\n');
  res.writeHead(200, { 'Content-Type': TYPES[extname(resolved.path).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': info.size, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(resolved.path).on('error', () => res.destroy()).pipe(res);
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Starts serving `resultsDir`; resolves once listening (rejects on e.g. EADDRINUSE). */
export function startServer(opts: { resultsDir: string; host: string; port: number }): Promise<RunningServer> {
  const server = createServer((req, res) => {
    handle(opts.resultsDir, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `500: ${(err as Error).message}\n`);
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        server,
        url: `http://${host}:${port}/`,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
