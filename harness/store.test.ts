import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunDir, gitCommit, isoBasic, readDecidedLogs, readJson, resolveRunDir, updateLatest, writeJson } from './store.js';

const results = mkdtempSync(join(tmpdir(), 'jt-store-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

describe('store', () => {
  it('names runs <test>/<ISO basic time> and never reuses a directory', () => {
    const t = new Date(Date.UTC(2026, 10, 26, 12, 11, 31, 123));
    expect(isoBasic(t)).toBe('20261126T121131.123Z');
    const a = createRunDir(results, 'register-none', t);
    const b = createRunDir(results, 'register-none', t);
    expect(a).toBe(join(results, 'register-none', '20261126T121131.123Z'));
    expect(b).toBe(`${a}-1`);
  });

  it('points latest at the newest run, replacing the old link', () => {
    const a = createRunDir(results, 'kv-kill', new Date(1_000));
    const b = createRunDir(results, 'kv-kill', new Date(2_000));
    updateLatest(results, a);
    updateLatest(results, b);
    expect(readlinkSync(join(results, 'latest'))).toBe(join('kv-kill', isoBasic(new Date(2_000))));
    writeJson(join(b, 'test.json'), { seed: 1 });
    writeJson(join(b, 'test.json'), { seed: 2 });
    expect(readJson(join(results, 'latest', 'test.json'))).toEqual({ seed: 2 });
    expect(readdirSync(b)).toEqual(['test.json']); // no temp files left
    expect(() => resolveRunDir(b)).toThrow(/not a run directory/);
  });

  it('reads back the decided logs saved per node', () => {
    const run = createRunDir(results, 'set-none', new Date(3_000));
    mkdirSync(join(run, 'nodes', 'n1'), { recursive: true });
    mkdirSync(join(run, 'nodes', 'n2'), { recursive: true });
    writeJson(join(run, 'nodes', 'n1', 'decided-log.json'), [{ slot: 0, digest: 'd0', command: null }]);
    expect(readDecidedLogs(run)).toEqual({ n1: [{ slot: 0, digest: 'd0', command: null }] });
  });

  it('knows the git commit of the checkout', () => {
    const git = gitCommit();
    if (existsSync(join(process.cwd(), '.git'))) expect(git?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).toContain('jepsen-ts');
  });
});
