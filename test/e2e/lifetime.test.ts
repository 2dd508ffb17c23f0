/**
 * How a jepsen-ts process ends, as a user (or a CI job) ends it, with real processes only:
 *   - SIGINT while `analyze` / `check` search a history that would take minutes: the search
 *     stops, exit 2, analyze leaves results.json as it was;
 *   - SIGTERM to `npx jepsen-ts test` (what a CI timeout sends): npm exits at once, and the
 *     harness it orphans notices its parent is gone, tears down, writes results.json as
 *     interrupted and exits; nothing of the run is left;
 *   - SIGKILL of the harness mid-run: its nodes die with it within seconds (the leash);
 *   - `jepsen-ts clean` after a dead run whose leash was killed too: the nodes are killed and
 *     named, the marker removed; a second `clean` finds nothing.
 * ~60 s on a loaded 2-core machine.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, BUILT, cleanUpScratch, processesMentioning, ROOT, scratch } from './cli.js';

afterAll(cleanUpScratch);

/**
 * CPU seconds process `pid` has used (utime + stime): past start-up (~0.5 s), a check command
 * is searching, with its SIGINT handler long installed (Node's own SIGINT handler makes
 * /proc's SigCgt useless for telling).
 */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A register history whose linearizability search takes minutes: n concurrent writes, then n reads in order. */
function hardHistory(n: number): string {
  const lines: string[] = [];
  let index = 0;
  const op = (o: Record<string, unknown>) => lines.push(JSON.stringify({ index, time: ++index * 1000, ...o }));
  for (let p = 0; p < n; p++) op({ process: p, type: 'invoke', f: 'write', key: 'r0', value: p });
  for (let p = 0; p < n; p++) op({ process: p, type: 'ok', f: 'write', key: 'r0', value: p, node: 'n1' });
  for (let p = 0; p < n; p++) {
    op({ process: 100 + p, type: 'invoke', f: 'read', key: 'r0', value: null });
    op({ process: 100 + p, type: 'ok', f: 'read', key: 'r0', value: p, node: 'n1' });
  }
  return lines.join('\n') + '\n';
}

function start(args: string[], env: Record<string, string> = {}): ResultPromise {
  return execa(process.execPath, [BIN, ...args], { cwd: ROOT, reject: false, timeout: 120_000, env: { FORCE_COLOR: '0', ...env }, stdin: 'ignore' });
}

describe.skipIf(!BUILT)('SIGINT cancels a long check', () => {
  const dir = scratch('hard');
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'test.json'), JSON.stringify({ config: { workload: 'register', opTimeoutMs: 2000 } }));
  writeFileSync(join(runDir, 'history.jsonl'), hardHistory(22));
  const before = JSON.stringify({ valid: true, exit: 0, results: {}, note: 'the verdict on file' });
  writeFileSync(join(runDir, 'results.json'), before);

  it('analyze: exit 2 within seconds, results.json left as it was', async () => {
    const child = start(['analyze', runDir]);
    await until('analyze to be searching', () => cpuSeconds(child.pid!) >= 2, 60_000);
    const sent = performance.now();
    child.kill('SIGINT');
    const done = await child;
    expect(performance.now() - sent).toBeLessThan(5000);
    expect(done.exitCode, String(done.stdout) + String(done.stderr)).toBe(2);
    expect(done.stdout).toContain('SIGINT: cancelling the check');
    expect(done.stdout).toMatch(/^ {2}linearizable: unknown/m);
    expect(done.stdout).toMatch(/^verdict: INTERRUPTED/m);
    expect(done.stdout).toContain('results.json left as it was');
    expect(readFileSync(join(runDir, 'results.json'), 'utf8')).toBe(before);
  });

  it('check: exit 2 within seconds, the file judged unknown (cancelled)', async () => {
    const child = start(['check', '--format', 'jsonl', '--model', 'kv', join(runDir, 'history.jsonl')]);
    await until('check to be searching', () => cpuSeconds(child.pid!) >= 2, 60_000);
    const sent = performance.now();
    child.kill('SIGINT');
    const done = await child;
    expect(performance.now() - sent).toBeLessThan(5000);
    expect(done.exitCode, String(done.stdout) + String(done.stderr)).toBe(2);
    expect(done.stdout).toMatch(/history\.jsonl: unknown \(44 ops, \d+ ms\): cancelled; 1 of 1 partitions unfinished$/m);
  });
});
