/**
 * An interrupt during a simulated run: the simulation cannot stop half-way (it never yields to
 * the event loop, where a real signal would arrive), so it runs to its end; the check is then
 * skipped, and the run ends INTERRUPTED (exit 2) with its whole history kept for `jepsen-ts
 * analyze`. The interrupt is the SIGINT handler's own path (process.emit), fired as the run
 * announces its run dir, before the simulation starts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Interrupts } from '../interrupts.js';
import { toTestConfig } from '../options.js';
import { paxosTest } from '../../paxos/suite.js';
import { runSimTest } from './run.js';

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-sim-interrupt-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

describe('SIGINT during a simulated run', () => {
  it('the simulation ends, the check is skipped: exit 2, results.json interrupted, history kept', async () => {
    let text = '';
    let sent = false;
    const out = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        if (!sent && /^run dir: /m.test(text)) {
          sent = true;
          process.emit('SIGINT', 'SIGINT');
        }
        done();
      },
    });
    const interrupts = new Interrupts((line) => out.write(`${line}\n`)).install();
    const config = toTestConfig({ runtime: 'sim', workload: 'register', nemesis: 'partition', seed: '2', results, 'time-limit': '5' }, paxosTest);
    try {
      const outcome = await runSimTest(config, paxosTest, { out, interrupts });
      expect(sent, text).toBe(true);
      expect(outcome).toMatchObject({ exit: 2, interrupted: true, valid: 'unknown' });
      expect(text).toMatch(/^verdict: INTERRUPTED/m);
      expect(text).toContain(`interrupted: re-check what was recorded with: jepsen-ts analyze ${outcome.runDir}`);
      const file = JSON.parse(readFileSync(path.join(outcome.runDir, 'results.json'), 'utf8'));
      expect(file).toMatchObject({ interrupted: true, exit: 2, valid: 'unknown', crashed: null, results: {} });
      // The whole run was simulated: its final reads are in the history.
      expect(readFileSync(path.join(outcome.runDir, 'history.jsonl'), 'utf8')).toContain('"f":"final-reads"');
    } finally {
      interrupts.uninstall();
    }
  }, 60_000);
});
