/**
 * `npm run bench:etcd`: how many ops the harness drives against the real etcd, with faults, and
 * whether the checkers keep up. One real `jepsen-ts test --db etcd` CLI process: 3 local members,
 * the register workload at --concurrency 64 --rate 0 (unlimited: each thread invokes as soon as
 * its last op completed), --nemesis kill,partition, for --seconds of main phase. Prints ops/s
 * invoked / ok (results.json `rate` and op counts), the checkers' wall time (from the CLI's
 * `phase: checking` line to its verdict) and the linearizability search's own time, and the load
 * average before and after (the machine is shared: ops/s measure the load too).
 *
 *   npm run bench:etcd -- [--seconds 20] [--concurrency 64] [--workload register] [--nemesis kill,partition]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/suites/etcd/bench.js -> the repo root.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'jepsen-ts.js');

const args: Record<string, string> = { seconds: '20', concurrency: '64', workload: 'register', nemesis: 'kill,partition' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in args) || argv[i + 1] === undefined) {
    process.stderr.write(`bench:etcd: bad argument ${JSON.stringify(argv[i])} (usage: [--seconds S] [--concurrency N] [--workload NAME] [--nemesis LIST])\n`);
    process.exit(254);
  }
  args[key] = argv[i + 1];
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '?');
const load = loadavg();
const tmp = mkdtempSync(path.join(tmpdir(), 'jt-bench-etcd-'));
let keep = false;
try {
  const cliArgs = ['test', '--db', 'etcd', '--nodes', '3', '--workload', args.workload, '--nemesis', args.nemesis, '--concurrency', args.concurrency, '--rate', '0', '--time-limit', args.seconds, '--seed', '1', '--results', tmp];
  const child = spawn(process.execPath, [BIN, ...cliArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  let checkingAt = 0;
  let verdictAt = 0;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (!checkingAt && out.includes('phase: checking')) checkingAt = performance.now();
    if (!verdictAt && out.includes('verdict:')) verdictAt = performance.now();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  const runDir = /^results: (.+)$/m.exec(out)?.[1];
  if (!runDir) throw new Error(`bench:etcd: the run did not finish (exit ${code}):\n${out}\n${stderr}`);
  const file = JSON.parse(readFileSync(path.join(runDir, 'results.json'), 'utf8')) as {
    valid: unknown;
    rate: { invoked: number; completed: number; seconds: number };
    counts?: unknown;
    results: Record<string, { valid: unknown; elapsedMs?: number }>;
  };
  keep = file.valid !== true;
  const { rate } = file;
  const lin = file.results.linearizable;
  const w = (s: string) => process.stdout.write(`${s}\n`);
  w(`bench:etcd: ${args.workload}, --concurrency ${args.concurrency}, --rate 0, --nemesis ${args.nemesis}, ${args.seconds} s main phase, 3 local etcd members, ${availableParallelism()} cores`);
  w(`load average before: ${load.map((l) => l.toFixed(2)).join(' ')}; after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  w(`verdict: ${String(file.valid)} (exit ${code})${keep ? `; run kept in ${runDir}` : ''}`);
  w(`ops/s: ${fmt(rate.invoked / rate.seconds)} invoked, ${fmt(rate.completed / rate.seconds)} completed (${fmt(rate.invoked)} / ${fmt(rate.completed)} in ${rate.seconds.toFixed(1)} s); ops: ${JSON.stringify(file.counts ?? {})}`);
  w(`checkers: ${fmt(verdictAt - checkingAt)} ms wall for the whole history; linearizable ${String(lin?.valid)} in ${fmt(lin?.elapsedMs ?? NaN)} ms`);
} finally {
  if (!keep) rmSync(tmp, { recursive: true, force: true });
}
