/**
 * `npm run bench:elle`: how fast and how big the Elle-style checker is on list-append histories
 * of the simulated strict-serializable store (simulate.ts: concurrent processes, txns of 1-4
 * appends/reads, a few active keys retired after 32 appends, some fail / info). Each size runs
 * in a fresh Node process (then the first size again with one read corrupted: an invalid
 * history, where the cycle search and explanations run); prints the check's wall and CPU time, the heap and RSS with the
 * history loaded and at their peak, and the load average (the machine is shared).
 *
 *   node dist/checkers/elle/bench.js [--sizes 100000,300000,1000000] [--processes 10]
 *   node dist/checkers/elle/bench.js --single N   (internal: one size, one JSON line)
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkElle } from './index.js';
import { corruptOneRead, simulate } from './simulate.js';

const TARGET = { txns: 100_000, seconds: 5 };
const mb = (b: number) => Math.round(b / (1024 * 1024));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function single(txns: number, processes: number, corrupt: boolean): void {
  let t = performance.now();
  const history = simulate({ workload: 'list-append', txns, seed: 1, processes, activeKeys: 10 });
  // One stale read: the cycle search then has components to search and cycles to explain.
  if (corrupt) corruptOneRead(history, 1, 'list-append');
  const genMs = performance.now() - t;
  global.gc?.();
  const before = process.memoryUsage();
  const cpu = cpuMs();
  t = performance.now();
  const r = checkElle(history, 'list-append', { models: ['strict-serializable'] });
  const checkMs = performance.now() - t;
  const after = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      txns,
      ops: history.length,
      valid: r.valid,
      edges: r.counts.edges,
      genMs,
      checkMs,
      checkCpuMs: cpuMs() - cpu,
      heapBeforeMb: mb(before.heapUsed),
      rssBeforeMb: mb(before.rss),
      heapAfterMb: mb(after.heapUsed),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n',
  );
}

function usage(message: string): void {
  process.stderr.write(`bench:elle: ${message}\n`);
  process.exitCode = 254;
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({ options: { single: { type: 'string' }, corrupt: { type: 'boolean' }, sizes: { type: 'string' }, processes: { type: 'string' } } }));
  } catch (err) {
    return usage((err as Error).message);
  }
  const processes = Number(values.processes ?? 10);
  if (!Number.isInteger(processes) || processes < 1 || processes > 1000) return usage(`--processes must be 1..1000, got ${JSON.stringify(values.processes)}`);
  if (values.single) return single(Number(values.single), processes, values.corrupt === true);
  const sizes = (values.sizes ?? '100000,300000,1000000').split(',').map(Number);
  if (!sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 100_000_000)) return usage(`--sizes must be a comma-separated list of txn counts (1..100000000), got ${JSON.stringify(values.sizes)}`);
  const self = fileURLToPath(import.meta.url);
  process.stdout.write(`elle list-append bench: ${processes} processes, strict-serializable (realtime edges); load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  process.stdout.write('     txns  valid      edges  check s  cpu s  heap MB (history / after)  peak RSS MB  generate s\n');
  // Every size valid, then the first size again with one read corrupted (an invalid history).
  for (const [n, corrupt] of [...sizes.map((x) => [x, false] as const), [sizes[0], true] as const]) {
    const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=6144', self, '--single', String(n), '--processes', String(processes), ...(corrupt ? ['--corrupt'] : [])], { encoding: 'utf8' });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      process.stdout.write(`${String(n).padStart(9)}  did not finish (exit ${child.status ?? child.signal}): ${(child.stderr.trim().split('\n').pop() ?? '').slice(0, 120)}\n`);
      break;
    }
    const r = JSON.parse(line);
    process.stdout.write(
      `${String(r.txns).padStart(9)}  ${String(r.valid).padEnd(5)}  ${String(r.edges).padStart(9)}  ${(r.checkMs / 1000).toFixed(2).padStart(7)}  ${(r.checkCpuMs / 1000).toFixed(2).padStart(5)}  ${`${r.heapBeforeMb} / ${r.heapAfterMb}`.padStart(26)}  ${String(r.peakRssMb).padStart(11)}  ${(r.genMs / 1000).toFixed(2).padStart(10)}\n`,
    );
    if (corrupt) process.stdout.write(`           (one read corrupted: ${r.valid === false ? 'INVALID, as it must be' : 'not caught'})\n`);
    else if (r.txns === TARGET.txns) process.stdout.write(`           target: ${TARGET.txns} txns in < ${TARGET.seconds} s: ${r.checkMs < TARGET.seconds * 1000 ? 'met' : 'MISSED'}\n`);
  }
  process.stdout.write(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
}

main();
