/**
 * A process that used the local runtime must end by itself once teardown returns: no handle of
 * the proxy, of a node's stdio or of a timer may keep it alive or wedge Node's exit cleanup.
 * Regression: with 3+ Paxos nodes, the proxy reset sockets whose FIN (end()) was still pending;
 * libuv refuses the abortive close then, and Node spun forever in its exit cleanup.
 * Costs ~3-5 s (two runs of real Paxos nodes, compiled dist/ needed).
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./fixtures/setup-teardown.mjs', import.meta.url));
const BUILT = existsSync(path.join(ROOT, 'dist', 'paxos', 'main.js')) && existsSync(path.join(ROOT, 'dist', 'harness', 'runtime', 'local.js'));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'jt-exit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** How long the process may live after printing "torn down" (Node's own exit takes ~50 ms). */
const EXIT_WITHIN_MS = 4000;

describe.skipIf(!BUILT)('a process ends by itself after local-runtime teardown', () => {
  for (const nodes of [3, 5]) {
    it(`${nodes} Paxos nodes: exits within ${EXIT_WITHIN_MS} ms of teardown`, async () => {
      const runDir = mkdtempSync(path.join(scratch, `run${nodes}-`));
      const child = execa(process.execPath, [SCRIPT, runDir, path.join(scratch, 'markers'), String(nodes), '800'], {
        reject: false,
        timeout: 60_000,
      });
      let tornDownAt = 0;
      child.stdout!.on('data', (d: Buffer) => {
        if (!tornDownAt && d.toString().includes('torn down')) tornDownAt = Date.now();
      });
      const hung = setTimeout(() => child.kill('SIGKILL'), 60_000);
      let watchdog: NodeJS.Timeout | undefined;
      const exitedInTime = await new Promise<boolean>((resolve) => {
        child.finally(() => resolve(true));
        const poll = setInterval(() => {
          if (tornDownAt && Date.now() - tornDownAt > EXIT_WITHIN_MS) {
            clearInterval(poll);
            child.kill('SIGKILL');
            resolve(false);
          }
        }, 100);
        watchdog = poll;
      });
      clearInterval(watchdog);
      clearTimeout(hung);
      const run = await child;
      expect(run.stdout, run.stderr).toContain('torn down');
      expect(exitedInTime, `still running ${EXIT_WITHIN_MS} ms after teardown:\n${run.stdout}`).toBe(true);
      expect(run.exitCode, run.stderr).toBe(0);
    }, 90_000);
  }
});
