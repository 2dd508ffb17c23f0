/**
 * A sweep's worker thread (sweep.ts starts them): judges the configs it is sent one at a time,
 * in memory (judge.ts), and stores a run in full (run.ts: run dir, report, replay command) only
 * when it is not VALID (replayed: the seed gives the same run).
 */
import { PassThrough } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import type { TestConfig } from '../options.js';
import { paxosTest } from '../../paxos/suite.js';
import { judgeSeed } from './judge.js';
import { runSimTest } from './run.js';

/** What the sweep sends: one config to judge (its seed set), and whether to store it when it is not VALID (a bench stores nothing). */
export interface SweepJob {
  index: number;
  config: TestConfig;
  storeFailing: boolean;
}

/** What the worker answers: the verdict, and the run dir of a stored run. */
export interface SweepAnswer {
  index: number;
  seed: number;
  valid: boolean | 'unknown';
  failing: string[];
  crashed: string | null;
  runDir: string | null;
}

parentPort!.on('message', (job: SweepJob) => {
  void (async () => {
    const v = await judgeSeed(job.config, paxosTest);
    let runDir: string | null = null;
    if (job.storeFailing && v.valid !== true) runDir = (await runSimTest(job.config, paxosTest, { out: new PassThrough() })).runDir;
    const answer: SweepAnswer = { index: job.index, ...v, runDir };
    parentPort!.postMessage(answer);
  })();
});
