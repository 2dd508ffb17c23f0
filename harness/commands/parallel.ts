/**
 * `test-all --parallel N`: N runs at once, each a child `jepsen-ts test` with the run's replay
 * arguments, so every run has its own process, ports (the machine-wide reservations), run dir,
 * fault proxy and leash, exactly as when it runs alone. A child's output goes to a log beside
 * the store (<results>/.test-all/); one line is printed as each run ends. An interrupt stops
 * launching, and is passed on once to the running children (each in its own process group, so a
 * terminal's Ctrl-C reaches them only through us), which tear down and record it as runs do.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT } from '../../ground/exit.js';
import { replayArgs, type TestConfig } from '../options.js';
import { isoBasic } from '../store.js';

const BIN = resolve(import.meta.dirname, '..', '..', '..', 'bin', 'jepsen-ts.js');

export interface ParallelOutcome {
  exit: number;
  runDir: string;
  log: string;
}

export async function runParallel(configs: readonly TestConfig[], parallel: number, out: NodeJS.WritableStream = process.stdout): Promise<ParallelOutcome[]> {
  const logs = join(configs[0].resultsDir, '.test-all', isoBasic(new Date()));
  mkdirSync(logs, { recursive: true });
  const outcomes: ParallelOutcome[] = [];
  const running = new Set<number>();
  let stopped = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopped) return;
    stopped = true;
    out.write(`\n${sig}: no more runs start; the ${running.size} running are told to stop\n`);
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let next = 0;
  let done = 0;
  const one = async (i: number): Promise<void> => {
    const c = configs[i];
    const log = join(logs, `${String(i + 1).padStart(3, '0')}-${c.name}-seed${c.seed}.log`);
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, [BIN, 'test', ...replayArgs(c)], { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    running.add(child.pid!);
    const exit = await new Promise<number>((resolveExit) => {
      child.on('exit', (code) => resolveExit(code ?? EXIT.crash));
      child.on('error', () => resolveExit(EXIT.crash));
    });
    running.delete(child.pid!);
    const text = readFileSync(log, 'utf8');
    const runDir = [...text.matchAll(/^results: (.+)$/gm)].pop()?.[1] ?? /^run dir: (.+)$/m.exec(text)?.[1] ?? '';
    outcomes[i] = { exit, runDir, log };
    done++;
    out.write(`[${done}/${configs.length}] ${c.name} seed ${c.seed}: exit ${exit}  ${runDir || `(no run dir; see ${log})`}\n`);
  };
  const worker = async (): Promise<void> => {
    while (!stopped && next < configs.length) await one(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, configs.length) }, worker));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  // Runs never started (an interrupt) leave holes: the caller reports them as not started.
  return outcomes.filter((o): o is ParallelOutcome => o !== undefined);
}
