/**
 * An interrupt during the checking phase (the nodes are down, the history closed) cancels the
 * check instead of being ignored: the run ends INTERRUPTED with exit 2, results.json says so,
 * and the history is kept for `jepsen-ts analyze`. A real 3-node run on the local runtime
 * (~5 s); the interrupt is the SIGINT handler's own path (process.emit), fired when the run
 * announces the checking phase. (The search's own cancellation: checkers/linearizable/cancel.test.ts,
 * and through the CLI: test/e2e/lifetime.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Interrupts } from './interrupts.js';
import { testOptions, toTestConfig } from './options.js';
import { runTest } from './run.js';
import { depsFor } from './wiring.js';
import { paxosTest } from '../paxos/suite.js';

const defaultDeps = depsFor(paxosTest);

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-run-interrupt-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const DEFAULTS = {};

describe('SIGINT during the checking phase', () => {
  it('cancels the check: exit 2, results.json interrupted, history kept', async () => {
    let text = '';
    let sent = false;
    const out = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        if (!sent && /^phase: checking$/m.test(text)) {
          sent = true;
          process.emit('SIGINT', 'SIGINT');
        }
        done();
      },
    });
    const interrupts = new Interrupts((line) => out.write(`${line}\n`)).install();
    const config = toTestConfig({ ...DEFAULTS, workload: 'register', nemesis: 'none', nodes: '3', seed: 3, results, 'time-limit': 1, 'recovery-time': 0.5 }, paxosTest);
    try {
      const outcome = await runTest(config, defaultDeps, { out, interrupts });
      expect(sent, text).toBe(true);
      expect(outcome).toMatchObject({ exit: 2, interrupted: true, valid: 'unknown' });
      expect(text).toContain('SIGINT: cancelling the check; the history is kept');
      expect(text).toMatch(/^verdict: INTERRUPTED/m);
      const file = JSON.parse(readFileSync(path.join(outcome.runDir, 'results.json'), 'utf8'));
      expect(file).toMatchObject({ interrupted: true, exit: 2, valid: 'unknown', crashed: null });
      expect(readFileSync(path.join(outcome.runDir, 'history.jsonl'), 'utf8')).toContain('"type":"ok"');
    } finally {
      interrupts.uninstall();
    }
  });
});
