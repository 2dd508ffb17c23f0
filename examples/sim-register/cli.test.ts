/**
 * examples/sim-register from the real CLI, as a user runs it (compiled dist/ needed; the module
 * itself is loaded through tsx): VALID, INVALID with --bug backup-reads, and one line with exit
 * 254 and no run dir when asked to run on a real runtime.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'jepsen-ts.js');
const BUILT = existsSync(path.join(ROOT, 'dist', 'harness', 'sim', 'user-cluster.js'));
const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-register-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const cli = (args: string[]) => execa('node', [BIN, 'test', '--test', 'examples/sim-register/test.ts', '--results', results, '--time-limit', '10', '--seed', '1', ...args], { reject: false, cwd: ROOT });

describe.skipIf(!BUILT)('jepsen-ts test --test examples/sim-register/test.ts', () => {
  it('--runtime sim: VALID; with --bug backup-reads INVALID by linearizable', async () => {
    const ok = await cli(['--runtime', 'sim', '--nemesis', 'partition,kill']);
    expect(ok.stdout).toContain('node-errors: true');
    expect(ok.stdout).toContain('verdict: VALID');
    expect(ok.exitCode).toBe(0);
    const bad = await cli(['--runtime', 'sim', '--nemesis', 'partition,kill', '--bug', 'backup-reads']);
    expect(bad.stdout).toContain('linearizable: false');
    expect(bad.exitCode).toBe(1);
  }, 60_000);

  it('on a real runtime: one line, exit 254, no run dir', async () => {
    const before = readdirSync(results).length;
    const r = await cli([]);
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toBe('jepsen-ts: sim-register is a simulated system: run it with --runtime sim');
    expect(readdirSync(results).length).toBe(before);
  }, 60_000);
});
