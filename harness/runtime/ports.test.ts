/**
 * Port allocation across harness processes: a port another live harness handed out (its
 * reservation file names a live pid) is never handed out again, even before that harness's node
 * has bound it; a reservation left by a dead harness is taken over. Two concurrent runs once
 * shared a port this way: one run's clients talked to the other run's node (a correct build
 * judged INVALID).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, releasePorts } from './ports.js';

const BUILT_PORTS = fileURLToPath(new URL('../../dist/harness/runtime/ports.js', import.meta.url));

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

  it("never binds a port another live harness reserved, even for a moment (its node may be starting)", async () => {
    const probe = await allocatePorts(2);
    releasePorts(probe);
    const reserved = Math.min(...probe);
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    const bound: number[] = [];
    const createServer = net.createServer;
    // Records every port the allocator's bind check listens on.
    net.createServer = ((...args: Parameters<typeof createServer>) => {
      const server = createServer(...args);
      const listen = server.listen.bind(server) as (...a: unknown[]) => net.Server;
      server.listen = ((...a: unknown[]) => {
        const opts = a[0] as { port?: number };
        if (typeof opts === 'object' && opts !== null) bound.push(Number(opts.port));
        return listen(...a);
      }) as typeof server.listen;
      return server;
    }) as typeof net.createServer;
    try {
      writeFileSync(path.join(dir, String(reserved)), `${live.pid}\n`);
      const got = await allocatePorts(2, '127.0.0.1', reserved);
      expect(got).not.toContain(reserved);
      expect(bound.length).toBeGreaterThanOrEqual(2);
      expect(bound).not.toContain(reserved);
      releasePorts(got);
    } finally {
      net.createServer = createServer;
      live.kill('SIGKILL');
    }
  });

  it("removes the reservations of dead harnesses (a SIGKILLed run's) at the next allocation, and only those", async () => {
    const live = spawn('sleep', ['30'], { stdio: 'ignore' });
    const dead = spawn('true', [], { stdio: 'ignore' });
    await new Promise((resolve) => dead.once('exit', resolve));
    try {
      mkdirSync(dir, { recursive: true });
      // Ports the scan below does not reach: only a sweep removes the dead one.
      writeFileSync(path.join(dir, '10001'), `${dead.pid}\n`);
      writeFileSync(path.join(dir, '10002'), `${live.pid}\n`);
      writeFileSync(path.join(dir, 'notes.txt'), 'not a reservation\n');
      const got = await allocatePorts(1, '127.0.0.1', 20_000);
      expect(existsSync(path.join(dir, '10001'))).toBe(false);
      expect(existsSync(path.join(dir, '10002'))).toBe(true);
      expect(existsSync(path.join(dir, 'notes.txt'))).toBe(true);
      releasePorts(got);
    } finally {
      live.kill('SIGKILL');
      rmSync(path.join(dir, '10002'), { force: true });
    }
  });

  it.skipIf(!existsSync(BUILT_PORTS))('two harnesses with different TMPDIRs never hand out the same port (each e2e CLI call has its own)', async () => {
    // A harness process: allocates 3 ports from `from`, prints them, holds them until stdin closes.
    const script = `const { allocatePorts, releasePorts } = await import(${JSON.stringify(BUILT_PORTS)});
      const ports = await allocatePorts(3, '127.0.0.1', Number(process.argv[1]));
      console.log(ports.join(','));
      process.stdin.resume();
      process.stdin.on('end', () => { releasePorts(ports); process.exit(0); });`;
    const from = 10_000 + Math.floor(Math.random() * 20_000);
    const env = { ...process.env };
    delete env.JEPSEN_TS_PORT_DIR; // the default location, as users get it
    const harness = (tmp: string) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, String(from)], { env: { ...env, TMPDIR: mkdtempSync(path.join(dir, tmp)) }, stdio: ['pipe', 'pipe', 'inherit'] });
      const ports = new Promise<number[]>((resolve, reject) => {
        child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim().split(',').map(Number)));
        child.once('exit', (code) => reject(new Error(`harness exited with ${code}`)));
      });
      return { child, ports };
    };
    const a = harness('a-');
    const b = harness('b-');
    try {
      const [pa, pb] = await Promise.all([a.ports, b.ports]);
      expect(pa).toHaveLength(3);
      expect(pb).toHaveLength(3);
      expect(pa.filter((p) => pb.includes(p))).toEqual([]);
    } finally {
      for (const h of [a, b]) h.child.stdin.end();
      await Promise.all([a, b].map((h) => new Promise((r) => (h.child.exitCode !== null ? r(null) : h.child.once('exit', r)))));
    }
  });
});
