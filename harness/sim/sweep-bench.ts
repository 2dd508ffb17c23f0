/**
 * `npm run bench:sim-sweep`: how reliably the simulator finds each planted core bug. For each
 * bug, its schedule (sweep-schedules.ts) is swept over seeds 1..N (default 1000) on worker
 * threads, nothing stored; then the correct core over the same seeds under every schedule.
 * Prints per row: bug, schedule, seeds found / N, %, seeds per minute; and the load average (the
 * machine may be shared). Target: every bug on >= 95% of seeds, the correct core VALID on all.
 *
 *   npx tsc -p tsconfig.json && npm run bench:sim-sweep [-- --seeds N] [--bug NAME] [--workers W]
 */
import { availableParallelism, loadavg } from 'node:os';
import { scheduleConfigs, SCHEDULES, type BugSchedule } from './sweep-schedules.js';
import { seedsPerMinute, sweep } from './sweep.js';

function usage(): never {
  process.stderr.write(`usage: bench:sim-sweep [-- --seeds N] [--bug ${SCHEDULES.map((s) => s.bug).join('|')}] [--workers W]   (N: 1..100000)\n`);
  process.exit(254);
}

function argsOf(argv: string[]): { seeds: number; bug: string | null; workers: number } {
  const o = { seeds: 1000, bug: null as string | null, workers: availableParallelism() };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, v] = [argv[i], argv[i + 1]];
    if (v === undefined) usage();
    if (flag === '--seeds' && /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100_000) o.seeds = Number(v);
    else if (flag === '--workers' && /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 64) o.workers = Number(v);
    else if (flag === '--bug' && SCHEDULES.some((s) => s.bug === v)) o.bug = v;
    else usage();
  }
  return o;
}

const scheduleText = (s: BugSchedule) =>
  Object.entries(s.flags)
    .map(([k, v]) => (v === true ? `--${k}` : `--${k} ${v}`))
    .join(' ');

async function row(label: string, s: BugSchedule, bug: BugSchedule['bug'] | null, seeds: number, workers: number): Promise<{ hits: number; perMin: number; other: number }> {
  const { answers, wallMs } = await sweep(scheduleConfigs(s.flags, bug, seeds), { workers, storeFailing: false });
  // Found: INVALID. For the correct core, a hit is VALID; anything else (unknown, crash) counts in `other`.
  const hits = answers.filter((a) => !a.crashed && (bug ? a.valid === false : a.valid === true)).length;
  const perMin = seedsPerMinute(seeds, wallMs);
  process.stdout.write(`${label.padEnd(28)}  ${String(hits).padStart(5)} / ${seeds}  ${((100 * hits) / seeds).toFixed(1).padStart(5)}%  ${perMin.toFixed(0).padStart(6)}  ${scheduleText(s)}\n`);
  return { hits, perMin, other: seeds - hits };
}

async function main(): Promise<void> {
  const { seeds, bug, workers } = argsOf(process.argv.slice(2));
  const schedules = SCHEDULES.filter((s) => bug === null || s.bug === bug);
  process.stdout.write(`bench:sim-sweep: seeds 1..${seeds}, ${workers} worker thread(s), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  process.stdout.write(`${'bug'.padEnd(28)}  ${'found / N'.padStart(12)}  ${'%'.padStart(6)}  ${'seeds/min'.padStart(6)}  schedule\n`);
  for (const s of schedules) await row(s.bug, s, s.bug, seeds, workers);
  process.stdout.write(`${'correct core (VALID / N)'.padEnd(28)}\n`);
  for (const s of schedules) await row(`  under ${s.bug}'s`, s, null, seeds, workers);
  process.stdout.write(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\ntarget: every bug found on >= 95% of seeds; the correct core VALID on all\n`);
}

await main();
