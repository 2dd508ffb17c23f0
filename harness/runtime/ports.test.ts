/**
 * Port allocation across harness processes: a port another live harness handed out (its
 * reservation file names a live pid) is never handed out again, even before that harness's node
 * has bound it; a reservation left by a dead harness is taken over. Two concurrent runs once
 * shared a port this way: one run's clients talked to the other run's node (a correct build
 * judged INVALID).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, releasePorts } from './ports.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'jt-ports-'));
process.env.JEPSEN_TS_PORT_DIR = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('allocatePorts across processes', () => {
  it('reserves each port in a file naming this process, and releases it', async () => {
    const ports = await allocatePorts(4);
    for (const p of ports) expect(readFileSync(path.join(dir, String(p)), 'utf8').trim()).toBe(String(process.pid));
    releasePorts(ports);
    for (const p of ports) expect(existsSync(path.join(dir, String(p)))).toBe(false);
  });

  it("skips a port a live process reserved; takes over a dead process's reservation", async () => {
    const probe = await allocatePorts(3);
    releasePorts(probe);
    const [livePort, deadPort] = [...probe].sort((a, b) => a - b);
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    const dead = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => dead.once('exit', resolve));
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, String(livePort)), `${live.pid}\n`);
      writeFileSync(path.join(dir, String(deadPort)), `${dead.pid}\n`);
      // The same scan again, from the same place.
      const got = await allocatePorts(3, '127.0.0.1', Math.min(...probe));
      expect(got).not.toContain(livePort);
      expect(got).toContain(deadPort);
      expect(readFileSync(path.join(dir, String(deadPort)), 'utf8').trim()).toBe(String(process.pid));
      expect(readFileSync(path.join(dir, String(livePort)), 'utf8').trim()).toBe(String(live.pid));
      releasePorts(got);
    } finally {
      live.kill('SIGKILL');
    }
  });
});
