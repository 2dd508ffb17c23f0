/**
 * `test-all --runtime sim --seeds A..B`: the seeds swept on worker threads (sweep.ts), a line
 * per run that is not VALID (stored in full: its run dir opens in the report like any other),
 * then the totals, seeds per minute, and the first failing seed's replay command and run dir.
 */
import { loadavg } from 'node:os';
import { worstExit, exitCodeFor, EXIT } from '../../ground/exit.js';
import { replayCommand, type TestConfig } from '../options.js';
import { seedsPerMinute, sweep, type SweepAnswer } from './sweep.js';

export interface SweepReport {
  exit: number;
  /** Run dirs of the runs stored (the ones not VALID). */
  runDirs: string[];
}

const exitOf = (a: SweepAnswer) => (a.crashed ? EXIT.crash : exitCodeFor(a.valid));

export async function runSweep(configs: TestConfig[], workers: number, out: NodeJS.WritableStream = process.stdout): Promise<SweepReport> {
  const say = (line: string) => out.write(`${line}\n`);
  say(`test-all: sweeping ${configs.length} simulated run(s) on ${Math.min(workers, configs.length)} worker thread(s); only runs that are not VALID are stored (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  let done = 0;
  const { answers, wallMs } = await sweep(configs, {
    workers,
    onAnswer: (a, c) => {
      done++;
      if (exitOf(a) !== 0) say(`${c.workload} ${c.nemesis.join('+') || 'none'} seed ${a.seed}: ${a.crashed ? 'CRASHED' : a.valid === false ? `INVALID (${a.failing.join(', ')})` : 'unknown'}  ${a.runDir ?? ''}`);
      else if (done % 100 === 0) say(`... ${done}/${configs.length}`);
    },
  });
  const count = (e: number) => answers.filter((a) => exitOf(a) === e).length;
  say(`\ntest-all: ${answers.length} run(s): ${count(0)} valid, ${count(1)} INVALID, ${count(2)} unknown, ${count(EXIT.crash)} crashed; ${(wallMs / 1000).toFixed(1)} s, ${seedsPerMinute(answers.length, wallMs).toFixed(0)} seeds/minute`);
  const first = answers.findIndex((a) => exitOf(a) !== 0);
  if (first >= 0) {
    say(`first failing seed: ${answers[first].seed}`);
    say(`  replay: ${replayCommand(configs[first])}`);
    say(`  run dir: ${answers[first].runDir}`);
  }
  return { exit: worstExit(answers.map(exitOf)), runDirs: answers.flatMap((a) => (a.runDir ? [a.runDir] : [])) };
}
