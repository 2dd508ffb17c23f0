/**
 * `jepsen-ts serve` over real HTTP: the index (newest first, verdicts, filters), file serving,
 * and refusal of everything outside the results dir (`..`, encoded `..`, absolute paths,
 * escaping symlinks). Plus the CLI's one-line exit 254 on a bad port (spawns dist/, run tsc
 * first). Cost: ~2 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from './server.js';
import { writeFixtureRun } from './fixture.js';
import { validateServeArgs } from '../commands/serve.js';

/** A raw GET: the path is sent exactly as given (fetch would normalise `..`). */
function get(server: RunningServer, path: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve', () => {
  let base: string;
  let root: string;
  let server: RunningServer;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'jepsen-serve-'));
    root = join(base, 'results');
    writeFixtureRun(join(root, 'register-partition', '20261126T100000.000Z'), { ops: 40, invalid: false, startedAt: '2026-11-26T10:00:00.000Z' });
    writeFixtureRun(join(root, 'register-partition-stale-read', '20261126T110000.000Z'), { ops: 40, invalid: true, startedAt: '2026-11-26T11:00:00.000Z' });
    mkdirSync(join(root, 'half-written', '20261126T120000.000Z'), { recursive: true });
    writeFileSync(join(root, 'half-written', '20261126T120000.000Z', 'history.jsonl'), '');
    writeFileSync(join(base, 'secret.txt'), 'TOP-SECRET-CONTENT');
    symlinkSync(join(base, 'secret.txt'), join(root, 'escape.txt'));
    symlinkSync(base, join(root, 'escape-dir'));
    symlinkSync('register-partition/20261126T100000.000Z', join(root, 'latest'));
    server = await startServer({ resultsDir: root, host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('lists every run newest first with its verdict', async () => {
    const { status, body } = await get(server, '/');
    expect(status).toBe(200);
    const runs = [...body.matchAll(/<tr class="run (\w+)">.*?<td>(?:<a class="report" href="([^"]+)">)?([^<]+)/g)].map((m) => [m[1], m[3]]);
    expect(runs).toEqual([['unknown', 'half-written'], ['invalid', 'register-partition-stale-read'], ['valid', 'register-partition']]);
    expect(body).toContain('href="/register-partition/20261126T100000.000Z/"');
  });
  it('filters by verdict and by name', async () => {
    const invalid = await get(server, '/?verdict=invalid');
    expect(invalid.body.match(/<tr class="run/g)).toHaveLength(1);
    expect(invalid.body).toContain('register-partition-stale-read');
    const byName = await get(server, '/?name=HALF');
    expect(byName.body.match(/<tr class="run/g)).toHaveLength(1);
    expect(byName.body).toContain('half-written');
    const none = await get(server, '/?verdict=valid&name=stale');
    expect(none.body).toContain('No run matches');
  });
  it('notices a run whose verdict changed (e.g. re-analyzed) on the next request', async () => {
    const file = join(root, 'half-written', '20261126T120000.000Z', 'results.json');
    writeFileSync(file, JSON.stringify({ valid: false, results: {} }));
    // The runs table is filtered; the trends above it show every test.
    const runsTable = async () => (await get(server, '/?verdict=invalid')).body.split('<h2>Runs</h2>')[1];
    expect(await runsTable()).toContain('half-written');
    rmSync(file);
    expect(await runsTable()).not.toContain('half-written');
  });
  it('serves run files with safe content types, and directory listings', async () => {
    const history = await get(server, '/register-partition/20261126T100000.000Z/history.jsonl');
    expect(history.status).toBe(200);
    expect(history.type).toBe('text/plain; charset=utf-8');
    const log = await get(server, '/register-partition/20261126T100000.000Z/nodes/n1/node.log');
    expect(log.body).toContain('<script>alert(1)</script>'); // served as text/plain, never as HTML
    expect(log.type).toMatch(/^text\/plain/);
    const listing = await get(server, '/register-partition/20261126T100000.000Z/');
    expect(listing.body).toContain('href="/register-partition/20261126T100000.000Z/history.jsonl"');
    expect((await get(server, '/latest/test.json')).status).toBe(200); // a symlink inside the store
    expect((await get(server, '/register-partition/20261126T100000.000Z')).status).toBe(301);
  });
  it('refuses traversal, absolute paths and symlinks that leave the results dir', async () => {
    for (const path of ['/../secret.txt', '/register-partition/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '//etc/passwd', '/%2Fetc%2Fpasswd', '/escape.txt', '/escape-dir/secret.txt']) {
      const res = await get(server, path);
      expect([403, 404], path).toContain(res.status);
      expect(res.body).not.toContain('TOP-SECRET-CONTENT');
    }
    expect((await get(server, '/nope')).status).toBe(404);
    expect((await get(server, '/%E0%A4%A')).status).toBe(400);
    expect((await get(server, '/', 'POST')).status).toBe(405);
  });
});

describe('serve arguments', () => {
  it('binds loopback unless told otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jepsen-serve-'));
    expect(validateServeArgs({ port: undefined, host: undefined, results: dir })).toMatchObject({ port: 8080, host: '127.0.0.1' });
    rmSync(dir, { recursive: true, force: true });
  });
  it('a bad port is one line on stderr and exit 254', async () => {
    const cli = join(import.meta.dirname, '..', '..', 'bin', 'jepsen-ts.js');
    for (const port of ['http', '65536', '']) {
      const err = await promisify(execFile)(process.execPath, [cli, 'serve', '--port', port]).then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect(err?.code).toBe(254);
      expect(err?.stderr.trim().split('\n')).toHaveLength(1);
      expect(err?.stderr).toContain('--port must be an integer');
    }
  });
});
