/**
 * faultfs on a real FUSE mount: what a power loss keeps (synced data, O_DSYNC writes) and
 * loses (everything else, exactly), torn losses, the disk being down until `up`, a sync in
 * flight at the loss, slow syncs, and that no mount outlives its helper or its harness.
 * Skipped with a printed reason where FUSE cannot be used, unless JEPSEN_TS_REQUIRE_FUSE=1 (CI).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fuseSkipReason } from '../../test/e2e/cli.js';
import { FaultFs, unmountStale } from './faultfs.js';

const reason = await fuseSkipReason('harness/runtime/faultfs.test.ts');

const DIST_FAULTFS = path.resolve(import.meta.dirname, '..', '..', 'dist', 'harness', 'runtime', 'faultfs.js');
const BUILT = fs.existsSync(DIST_FAULTFS);
const mounted: FaultFs[] = [];
const dirs: string[] = [];

function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-faultfs-'));
  dirs.push(dir);
  return dir;
}

async function mount(dir = scratchDir()): Promise<FaultFs> {
  const disk = await FaultFs.mount(dir);
  mounted.push(disk);
  return disk;
}

function isMounted(dir: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

afterEach(async () => {
  for (const d of mounted.splice(0)) await d.unmount();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(reason !== null)('faultfs', () => {
  it('serves the files already in the dir, and leaves them there after unmounting', async () => {
    const dir = scratchDir();
    fs.writeFileSync(path.join(dir, 'before'), 'was here');
    const disk = await mount(dir);
    expect(isMounted(dir)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'before'), 'utf8')).toBe('was here');
    fs.writeFileSync(path.join(dir, 'during'), 'written through');
    await disk.unmount();
    mounted.length = 0;
    expect(isMounted(dir)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'during'), 'utf8')).toBe('written through');
  });

  it('a power loss keeps exactly what was synced: fsync, fdatasync and O_DSYNC writes', async () => {
    const disk = await mount();
    const file = (name: string) => path.join(disk.dir, name);
    const a = fs.openSync(file('a'), 'w');
    fs.writeSync(a, 'synced|');
    fs.fsyncSync(a);
    fs.writeSync(a, 'lost');
    fs.closeSync(a);
    const b = fs.openSync(file('b'), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_DSYNC);
    fs.writeSync(b, 'dsync');
    fs.closeSync(b);
    const c = fs.openSync(file('c'), 'w');
    fs.writeSync(c, 'x'.repeat(10_000));
    fs.fdatasyncSync(c);
    fs.ftruncateSync(c, 100); // shrinking is a change too
    fs.writeSync(c, 'y'.repeat(50), 0, 'utf8');
    fs.closeSync(c);
    expect(await disk.command('stats')).toMatch(/^unsynced 3 writes/);
    expect(await disk.lose(false, 1)).toMatch(/^lost 3 writes \(54 bytes\) in 2 files, tore 0$/);
    await disk.up();
    expect(fs.readFileSync(file('a'), 'utf8')).toBe('synced|');
    expect(fs.readFileSync(file('b'), 'utf8')).toBe('dsync');
    expect(fs.readFileSync(file('c'), 'utf8')).toBe('x'.repeat(10_000));
  });

  it('powerLoss: the disk is down while the node is killed (every change fails with EIO), then back', async () => {
    const disk = await mount();
    const f = path.join(disk.dir, 'f');
    fs.writeFileSync(f, 'one');
    let killed = false;
    const lost = await disk.powerLoss({ torn: false, seed: 1 }, async () => {
      expect(() => fs.writeFileSync(f, 'two')).toThrow(/EIO/);
      expect(() => fs.mkdirSync(path.join(disk.dir, 'd'))).toThrow(/EIO/);
      killed = true;
    });
    expect(killed).toBe(true);
    expect(lost).toBe('lost 1 writes (3 bytes) in 1 files, tore 0'); // a new file: its O_TRUNC changed nothing
    expect(fs.readFileSync(f, 'utf8')).toBe('');
    fs.writeFileSync(f, 'three');
    expect(fs.readFileSync(f, 'utf8')).toBe('three');
  });

  it('a torn loss keeps a prefix of the unsynced writes, cut at a sector, the same for the same seed', async () => {
    const sizes: number[][] = [];
    for (let round = 0; round < 2; round++) {
      const disk = await mount();
      const seen: number[] = [];
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const f = path.join(disk.dir, `log-${seed}`);
        const fd = fs.openSync(f, 'w');
        for (let i = 0; i < 20; i++) fs.writeSync(fd, Buffer.alloc(1000, 65 + i));
        fs.closeSync(fd);
        await disk.lose(true, seed);
        await disk.up();
        const kept = fs.readFileSync(f);
        seen.push(kept.length);
        // A prefix: byte i is what write floor(i / 1000) put there ...
        for (let i = 0; i < kept.length; i++) if (kept[i] !== 65 + Math.floor(i / 1000)) expect.fail(`byte ${i} of ${f}`);
        // ... ending where a write ended, or at a sector boundary inside one (the kernel may
        // split a write at page boundaries, so some pieces hold no sector boundary to cut at).
        expect(kept.length % 512 === 0 || kept.length % 1000 === 0, `${kept.length} bytes kept`).toBe(true);
      }
      sizes.push(seen);
      await mounted.pop()!.unmount();
    }
    expect(sizes[1]).toEqual(sizes[0]);
    expect(new Set(sizes[0]).size).toBeGreaterThan(2); // the seeds keep different amounts
  });

  it('slow syncs wait, and a sync still waiting when the power goes fails and keeps nothing', async () => {
    const disk = await mount();
    const f = path.join(disk.dir, 'f');
    const fd = fs.openSync(f, 'w');
    await disk.slow({ minMs: 300, maxMs: 300, seed: 1 });
    let t = performance.now();
    fs.writeSync(fd, 'first');
    fs.fsyncSync(fd);
    expect(performance.now() - t).toBeGreaterThanOrEqual(290);
    fs.writeSync(fd, '+second');
    const pending = new Promise<NodeJS.ErrnoException | null>((resolve) => fs.fsync(fd, resolve));
    await new Promise((r) => setTimeout(r, 50));
    await disk.lose(false, 1);
    expect((await pending)?.code).toBe('EIO');
    await disk.up();
    await disk.slow(null);
    t = performance.now();
    fs.fsyncSync(fd);
    expect(performance.now() - t).toBeLessThan(200);
    fs.closeSync(fd);
    expect(fs.readFileSync(f, 'utf8')).toBe('first');
  });

  it.skipIf(!BUILT)('unmounts itself when its harness dies (EOF on its stdin)', async () => {
    const dir = scratchDir();
    const script = `import(${JSON.stringify(DIST_FAULTFS)}).then(async ({ FaultFs }) => { await FaultFs.mount(${JSON.stringify(dir)}); console.log('mounted'); setInterval(() => {}, 1000); })`;
    const harness = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => harness.stdout!.once('data', () => resolve()));
    expect(isMounted(dir)).toBe(true);
    harness.kill('SIGKILL');
    for (let i = 0; i < 100 && isMounted(dir); i++) await new Promise((r) => setTimeout(r, 50));
    expect(isMounted(dir)).toBe(false);
  });

  it('a SIGKILLed helper leaves a dead mount, which unmountStale removes', async () => {
    const dir = scratchDir();
    const disk = await FaultFs.mount(dir);
    process.kill(disk.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect(isMounted(dir)).toBe(true);
    expect(() => fs.readdirSync(dir)).toThrow(/ENOTCONN/);
    expect(unmountStale([dir, scratchDir()])).toEqual([dir]);
    expect(isMounted(dir)).toBe(false);
  });
});
