/**
 * Many simulated seeds, fast: configs (one per seed) judged in memory on worker threads
 * (sweep-worker.ts), each worker taking the next config as it finishes one. Only runs that are
 * not VALID are stored in full (run dir, report): a 1,000-seed sweep writes its failures, not
 * 1,000 stores. Used by `test-all --runtime sim --seeds A..B` and
 * `npm run bench:sim-sweep`.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TestConfig } from '../options.js';
import type { SweepAnswer, SweepJob } from './sweep-worker.js';

export type { SweepAnswer } from './sweep-worker.js';

export interface SweepOptions {
  /** Worker threads (default: the cores this process may use). */
  workers?: number;
  /** Store the runs that are not VALID in full (default true; a bench stores nothing). */
  storeFailing?: boolean;
  /** Called as each config's verdict arrives (in completion order). */
  onAnswer?: (a: SweepAnswer, config: TestConfig) => void;
}

export interface SweepOutcome {
  /** In the order of the configs given. */
  answers: SweepAnswer[];
  wallMs: number;
}

/**
 * The worker's compiled module. Under vitest this module runs from its .ts source, which a
 * worker thread cannot load; the worker always runs from dist/ (`npx tsc -p tsconfig.json` first).
 */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts') ? fileURLToPath(new URL('../../dist/harness/sim/sweep-worker.js', import.meta.url)) : fileURLToPath(new URL('./sweep-worker.js', import.meta.url));
  if (!existsSync(file)) throw new Error(`sweep: ${file} is missing: build first (npx tsc -p tsconfig.json)`);
  return file;
}

export async function sweep(configs: TestConfig[], o: SweepOptions = {}): Promise<SweepOutcome> {
  const started = performance.now();
  const answers: SweepAnswer[] = new Array(configs.length);
  const count = Math.max(1, Math.min(o.workers ?? availableParallelism(), configs.length));
  const file = workerFile();
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(file);
      const send = () => {
        if (next >= configs.length) return void worker.terminate().then(() => resolve(), reject);
        const job: SweepJob = { index: next, config: configs[next], storeFailing: o.storeFailing ?? true };
        next++;
        worker.postMessage(job);
      };
      worker.on('message', (a: SweepAnswer) => {
        answers[a.index] = a;
        o.onAnswer?.(a, configs[a.index]);
        send();
      });
      worker.on('error', reject);
      send();
    });
  await Promise.all(Array.from({ length: count }, runWorker));
  return { answers, wallMs: performance.now() - started };
}

/** Seeds per minute of wall time. */
export function seedsPerMinute(runs: number, wallMs: number): number {
  return wallMs > 0 ? (runs * 60_000) / wallMs : 0;
}
