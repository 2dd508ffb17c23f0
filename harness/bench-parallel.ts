/**
 * `npm run bench:parallel [-- --time-limit 5]`: the speed-up of `test-all --parallel`. Runs the
 * same 12-cell sweep (register, kv, set x none, partition x seeds 1, 2; 3 nodes) at --parallel 1
 * and at --parallel <cores>, and prints both wall times, the speed-up and the load average.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'time-limit': { type: 'string', default: '5' } } });
const ROOT = resolve(import.meta.dirname, '..', '..');
const cores = availableParallelism();

async function sweep(parallel: number): Promise<{ seconds: number; exit: number | undefined }> {
  const results = mkdtempSync(join(tmpdir(), 'jt-bench-parallel-'));
  const start = performance.now();
  const run = await execa(process.execPath, [join(ROOT, 'bin', 'jepsen-ts.js'), 'test-all', '--workload', 'register,kv,set', '--nemesis', 'none,partition', '--seeds', '1,2', '--nodes', '3', '--time-limit', values['time-limit']!, '--recovery-time', '1', '--parallel', String(parallel), '--results', results], { reject: false });
  const seconds = (performance.now() - start) / 1000;
  rmSync(results, { recursive: true, force: true });
  return { seconds, exit: run.exitCode };
}

const one = await sweep(1);
const many = await sweep(cores);
console.log(`bench:parallel: 12 runs of ${values['time-limit']} s (3 nodes), ${cores} cores`);
console.log(`--parallel 1: ${one.seconds.toFixed(1)} s (exit ${one.exit})`);
console.log(`--parallel ${cores}: ${many.seconds.toFixed(1)} s (exit ${many.exit})`);
console.log(`speed-up: ${(one.seconds / many.seconds).toFixed(2)}x; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
