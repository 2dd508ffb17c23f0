/**
 * `jepsen-ts test --test PATH` as a user runs it with a broken test module: one line naming the
 * file and the problem, exit 254, nothing started; a Db whose nodes never come up: one line,
 * exit 255, and nothing of the run left behind.
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILT, cleanUpScratch, cli, processesMentioning, scratch } from './cli.js';

afterAll(cleanUpScratch);

describe.skipIf(!BUILT)('--test with a bad module', () => {
  it('a syntax error, a wrong shape, --db with --test: exit 254, one line, no run dir', async () => {
    for (const [args, line] of [
      [['--test', 'test/fixtures/bad-tests/syntax-error.ts'], /^jepsen-ts: --test test\/fixtures\/bad-tests\/syntax-error\.ts: cannot load it: .*ERROR: Expected identifier but found end of file$/],
      [['--test', 'test/fixtures/bad-tests/wrong-shape.ts'], /^jepsen-ts: --test .*wrong-shape\.ts: the default export is not a TestDefinition: db\.command must be a function/],
      [['--test', 'test/fixtures/bad-tests/no-such.ts'], /^jepsen-ts: --test test\/fixtures\/bad-tests\/no-such\.ts: no such file$/],
      [['--test', 'test/fixtures/bad-tests/not-ready.ts', '--db', 'paxos'], /^jepsen-ts: --db and --test exclude each other/],
      [['--db', 'mongo'], /^jepsen-ts: unknown db "mongo" \(built-in: paxos, etcd; or --test PATH for your own\)$/],
    ] as const) {
      const results = scratch('bad-test');
      const run = await cli(['test', ...args, '--results', results]);
      expect(run.exitCode, run.stderr).toBe(254);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(line);
      expect(readdirSync(results)).toEqual([]);
    }
  });

  it('a Db whose nodes never become ready: one line, exit 255, torn down', async () => {
    const results = scratch('not-ready');
    const run = await cli(['test', '--test', 'test/fixtures/bad-tests/not-ready.ts', '--nodes', '3', '--results', results]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(255);
    const failed = run.stdout.split('\n').filter((l) => l.startsWith('setup failed: '));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^setup failed: node n\d exited with code 3 before it was ready; stderr \(.*stderr\.log\): cannot bind$/);
    expect(run.stdout).not.toMatch(/^\s+at /m); // no stack
    expect(run.stdout).toMatch(/verdict: CRASHED/);
    expect(processesMentioning(results)).toEqual([]);
  });

  it('a node that runs but never answers: the readiness timeout is one line, exit 255, torn down', async () => {
    const results = scratch('never-ready');
    const run = await cli(['test', '--test', 'test/fixtures/bad-tests/never-ready.ts', '--nodes', '1', '--concurrency', '1', '--results', results]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(255);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('setup failed: '))).toEqual(['setup failed: node n1 not ready after 30000 ms']);
    expect(processesMentioning(results)).toEqual([]);
  }, 90_000);
});
