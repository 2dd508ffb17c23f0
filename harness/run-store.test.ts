/**
 * What a run leaves in the results store when it goes wrong, with real nodes (the echo fixture on
 * the local runtime) and a really full disk (a 200 KB tmpfs; mounting needs root, else skipped
 * with the reason printed): `latest` moves only to a run whose nodes came up, and a write that
 * fails under --results (ENOSPC) is one line naming the cause and the path, leaves no temp file,
 * still tears every node down, and exits 255; a disk already full when the run starts leaves no
 * run dir behind. ~15 s.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpScratch, cli, filesUnder, processesMentioning } from '../test/e2e/cli.js';
import { EXIT } from '../ground/exit.js';
import { Interrupts } from './interrupts.js';
import { testOptions, toTestConfig, type TestConfig } from './options.js';
import { runTest, type RunDeps } from './run.js';
import { echoDb } from './runtime/fixtures/echo-db.js';
import { createLocalRuntime } from './runtime/local.js';
import type { Runtime } from '../ground/runtime.js';
import { depsFor } from './wiring.js';
import { paxosTest } from '../paxos/suite.js';

const defaultDeps = depsFor(paxosTest);

const DEFAULTS = {};
const scratch = mkdtempSync(path.join(os.tmpdir(), 'jt-run-store-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  cleanUpScratch(); // the CLI's TMPDIRs
});

const configIn = (results: string): TestConfig => toTestConfig({ ...DEFAULTS, workload: 'register', nodes: '3', concurrency: 3, seed: 1, results, 'time-limit': 0.5, 'recovery-time': 0 }, paxosTest);
const deps = (runtime: () => Runtime = () => createLocalRuntime({ faketime: 'off' })): RunDeps => ({ ...defaultDeps, test: { ...defaultDeps.test, db: echoDb() }, runtime });

async function run(config: TestConfig, d: RunDeps) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const outcome = await runTest(config, d, { out, interrupts: new Interrupts(() => {}) });
  return { outcome, text };
}

describe('latest', () => {
  it('moves to a run once its nodes are up, never to one refused at setup (which keeps its dir, marked crashed)', async () => {
    const results = path.join(scratch, 'latest');
    const good = await run(configIn(results), deps());
    expect(readlinkSync(path.join(results, 'latest'))).toBe(path.relative(results, good.outcome.runDir));
    // Duplicate node names pass no CLI validation, but the runtime refuses them at setup.
    const refused = await run({ ...configIn(results), nodes: ['n1', 'n1'] }, deps());
    expect(refused.outcome.exit).toBe(EXIT.crash);
    expect(readlinkSync(path.join(results, 'latest'))).toBe(path.relative(results, good.outcome.runDir));
    const marked = JSON.parse(readFileSync(path.join(refused.outcome.runDir, 'results.json'), 'utf8')) as { crashed: string | null };
    expect(marked.crashed).toMatch(/unique/);
  });
});

describe('a full disk under --results', () => {
  const mnt = path.join(scratch, 'tmpfs');
  let mounted = false;
  beforeAll(() => {
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', mnt], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      console.log(`skipped: cannot mount a tmpfs (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`);
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt]);
  });

  it('one line naming the cause and path, no temp file left, nodes torn down, exit 255', async (ctx) => {
    if (!mounted) return ctx.skip();
    const results = path.join(mnt, 'results');
    // The disk fills up once the nodes are up: history, results.json and report.html cannot be written.
    const filling = (): Runtime => {
      const real = createLocalRuntime({ faketime: 'off' });
      return Object.assign(Object.create(real) as Runtime, {
        setup: async (...args: Parameters<Runtime['setup']>) => {
          const endpoints = await real.setup(...args);
          fill(path.join(mnt, 'filler'));
          return endpoints;
        },
      });
    };
    const { outcome, text } = await run(configIn(results), deps(filling));
    expect(outcome.exit, text).toBe(EXIT.crash);
    const resultsPath = path.join(outcome.runDir, 'results.json');
    expect(text).toContain(`results: no space left on device writing ${resultsPath}\n`);
    expect(text).toContain(`history: no space left on device writing ${path.join(outcome.runDir, 'history.jsonl')}\n`);
    expect(text, 'no stack trace').not.toMatch(/^\s+at /m);
    expect(filesUnder(mnt).filter((f) => /\.tmp-\d+$/.test(f))).toEqual([]);
    expect(existsSync(resultsPath)).toBe(false);
    expect(processesMentioning(outcome.runDir)).toEqual([]);
    expect(readdirSync(mnt).sort()).toEqual(['filler', 'results']);
  });

  it('already full when a run starts (the real CLI): one line, exit 255, no run dir left behind', async (ctx) => {
    if (!mounted) return ctx.skip();
    const results = path.join(mnt, 'results-full');
    mkdirSync(results);
    fill(path.join(mnt, 'filler'));
    const r = await cli(['test', '--time-limit', '1', '--nodes', '3', '--results', results], { timeoutMs: 60_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(EXIT.crash);
    expect(r.stderr).toMatch(/^jepsen-ts: crashed: no space left on device writing \S+\/test\.json$/);
    expect(filesUnder(results)).toEqual([]);
    expect(readdirSync(path.join(results, 'register-none'))).toEqual([]);
  });
});

/** Writes to `file` until the filesystem is full. */
function fill(file: string): void {
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeFileSync(file, chunk, { flag: 'a' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}
