/**
 * The CI files lint clean with real linters, and the linters are shown to reject: the nightly
 * workflow against GitHub's workflow schema (@action-validator/cli), the .ci scripts with
 * shellcheck (Debian's; .ci/run installs it). ~2 s.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const VALIDATOR = join(ROOT, 'node_modules', '.bin', 'action-validator');
const scratch = mkdtempSync(join(tmpdir(), 'jt-ci-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const shellcheck = existsSync('/usr/bin/shellcheck');

describe('the nightly workflow', () => {
  it('validates against the workflow schema', async () => {
    const run = await execa(VALIDATOR, [join(ROOT, '.github', 'workflows', 'nightly.yml')], { reject: false });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  });

  it('the validator rejects a malformed workflow (a misspelt key)', async () => {
    const bad = join(scratch, 'bad.yml');
    writeFileSync(bad, 'name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: echo\n');
    const run = await execa(VALIDATOR, [bad], { reject: false });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout + run.stderr).toContain("Additional property 'stepz' is not allowed");
  });
});

describe.skipIf(!shellcheck && !process.env.CI)('the .ci scripts', () => {
  it('pass shellcheck', async () => {
    const scripts = readdirSync(join(ROOT, '.ci')).filter((f) => f === 'run' || f.startsWith('nightly-')).map((f) => join(ROOT, '.ci', f));
    expect(scripts.length).toBeGreaterThanOrEqual(6);
    const run = await execa('shellcheck', ['--shell=bash', ...scripts], { reject: false });
    expect(run.exitCode, run.stdout).toBe(0);
  });

  it('shellcheck rejects an unquoted expansion', async () => {
    const bad = join(scratch, 'bad.sh');
    writeFileSync(bad, '#!/usr/bin/env bash\nrm -rf $1/tmp\n');
    const run = await execa('shellcheck', [bad], { reject: false });
    expect(run.exitCode).not.toBe(0);
  });
});
