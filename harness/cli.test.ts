/**
 * Argument errors of the real CLI (`node bin/jepsen-ts.js`, compiled dist/ needed): whatever
 * part of yargs or of our validation rejects them, they exit 254 with exactly one line on
 * stderr and start nothing. Also: the CLI does not load the docker runtime's libraries unless
 * asked to, nor what a test run needs only after its first op (bench:startup's figure).
 * Costs ~3.5 s (one short node process per case, no cluster).
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { skipHelpCaching } from './cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'jepsen-ts.js');
const BUILT = existsSync(path.join(ROOT, 'dist', 'harness', 'cli.js'));
const results = mkdtempSync(path.join(os.tmpdir(), 'jt-cli-args-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const cases: Array<[why: string, args: string[], says: RegExp]> = [
  ['a valued option without its value (yargs requiresArg, a YError)', ['test', '--seed'], /seed/],
  ['the last option without its value', ['test', '--time-limit'], /time-limit/],
  ['test-all list option without its value', ['test-all', '--workload'], /workload/],
  ['an unknown option (strict)', ['test', '--bogus'], /bogus/],
  ['an unknown command', ['nosuch'], /nosuch/],
  ['no command', [], /command/],
  ['a missing positional', ['analyze'], /argument/i],
  ['a value our validation rejects', ['test', '--time-limit', '-3'], /time-limit/],
  ['an unknown nemesis', ['test', '--nemesis', 'bogus'], /bogus/],
  // Node fires a timer past 2^31-1 ms after 1 ms: these ran a 1 ms main phase, timed every op out, partitioned in a loop.
  ['a time limit past the timer ceiling', ['test', '--time-limit', '1e300'], /^jepsen-ts: --time-limit must be 0\.001\.\.86400 seconds \(got "1e300"\)$/],
  ['an op timeout past the timer ceiling', ['test', '--op-timeout', '1e300'], /^jepsen-ts: --op-timeout must be 0\.001\.\.86400 seconds \(got "1e300"\)$/],
  ['a nemesis interval past the timer ceiling', ['test', '--nemesis', 'partition', '--nemesis-interval', '1e300'], /^jepsen-ts: --nemesis-interval must be 0\.001\.\.86400 seconds/],
  ['a negative recovery time', ['test-all', '--recovery-time', '-1'], /^jepsen-ts: --recovery-time must be 0\.\.86400 seconds \(got "-1"\)$/],
  ['a non-number says what was given', ['test', '--time-limit', 'abc'], /^jepsen-ts: --time-limit: "abc" is not a number$/],
  ['NaN', ['test', '--rate', 'NaN'], /^jepsen-ts: --rate: "NaN" is not a number$/],
  ['Infinity', ['test', '--time-limit', 'Infinity'], /^jepsen-ts: --time-limit must be 0\.001\.\.86400 seconds \(got "Infinity"\)$/],
  // This one took 133 s and 4.4 GB, then aborted on the heap limit leaving an empty run dir.
  ['a concurrency that cannot fit in memory', ['test', '--concurrency', '1e9'], /^jepsen-ts: --concurrency must be an integer 1\.\.1000 \(got "1e9"\)$/],
  ['a test count past the bound', ['test', '--test-count', '1e9'], /^jepsen-ts: --test-count must be an integer 1\.\.1000/],
  ['a test-all of too many runs', ['test-all', '--seeds', Array.from({ length: 200 }, (_, i) => i).join(',')], /^jepsen-ts: test-all: 6 workloads x 6 nemeses x 200 seeds = 7200 runs, at most 1000$/],
];

describe.skipIf(!BUILT)('argument errors: exit 254, one line, nothing started', () => {
  for (const [why, args, says] of cases) {
    it(why, async () => {
      const run = await execa(process.execPath, [BIN, ...args, '--results', results], { reject: false, timeout: 20_000 });
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(254);
      const lines = run.stderr.split('\n').filter((l) => l !== '');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^jepsen-ts: /);
      expect(lines[0]).toMatch(says);
      expect(readdirSync(results)).toEqual([]);
    });
  }
});

describe.skipIf(!BUILT)('start-up cost', () => {
  it('the CLI and its wiring do not load the docker runtime (dockerode, protobufjs) until --runtime docker', async () => {
    const probe = `
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(path.join(ROOT, 'dist', 'harness', 'cli.js'))});
      await import(${JSON.stringify(path.join(ROOT, 'dist', 'harness', 'wiring.js'))});
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify(loaded.filter((m) => /[\\/](dockerode|protobufjs|docker-modem)[\\/]/.test(m))));`;
    const run = await execa(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, timeout: 20_000 });
    expect(JSON.parse(run.stdout)).toEqual([]);
  });

  it('nor what is needed only after the first op or by other commands: undici, checkers, the report (d3), EDN, the node shell', async () => {
    // A resolve hook (it runs on the loader thread) names every module the CLI's import graph loads.
    const hook = `export async function resolve(s, c, next) { const r = await next(s, c); process._rawDebug('LOADED ' + r.url); return r; }`;
    const probe = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
      await import(${JSON.stringify(path.join(ROOT, 'dist', 'harness', 'cli.js'))});
      await import(${JSON.stringify(path.join(ROOT, 'dist', 'harness', 'wiring.js'))});`;
    const run = await execa(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, timeout: 20_000 });
    const loaded = run.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice('LOADED '.length));
    expect(loaded.some((u) => u.endsWith('/dist/harness/run.js'))).toBe(true); // the probe does see the graph
    const late = /\/node_modules\/(undici|d3-[a-z]+|edn-data)\/|\/dist\/harness\/report\/|\/dist\/checkers\/(?!linearizable\/models\/|memory\.js)|\/dist\/paxos\/node\.js$/;
    expect(loaded.filter((u) => late.test(u))).toEqual([]);
  });
});

describe('yargs help caching', () => {
  it("the CLI switches off yargs's rendering of the command's help on every run (the internal hook is still there)", async () => {
    const run = async (skip: boolean) => {
      const cli = yargs(['go']).command({ command: 'go', describe: 'x', handler: async () => {} });
      if (skip) skipHelpCaching(cli);
      await cli.parseAsync();
      return (cli as unknown as { getInternalMethods(): { getUsageInstance(): { hasCachedHelpMessage(): boolean } } }).getInternalMethods().getUsageInstance().hasCachedHelpMessage();
    };
    expect(await run(false)).toBe(true); // what yargs does by itself: the hook exists
    expect(await run(true)).toBe(false);
  });
});

describe.skipIf(!BUILT)('analyze of a directory that is not a run', () => {
  it('a test.json without the config analyze needs: one line naming the file and the field, exit 254', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jt-cli-analyze-'));
    try {
      writeFileSync(path.join(dir, 'test.json'), JSON.stringify({ config: { workload: 'register', opTimeoutMs: 2000 } }));
      writeFileSync(path.join(dir, 'history.jsonl'), '');
      const run = await execa(process.execPath, [BIN, 'analyze', dir], { reject: false, timeout: 20_000 });
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(254);
      expect(run.stderr.trim()).toBe(`jepsen-ts: ${path.join(dir, 'test.json')}: config.concurrency is missing; is this a jepsen-ts run directory?`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
