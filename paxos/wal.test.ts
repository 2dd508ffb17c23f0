/**
 * WAL: round trip, torn tails at every byte of the last record, refusal on mid-file corruption,
 * and that durability really comes from fdatasync (counted with strace on a real process).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { Wal, WalCorruptError, encodeFrame } from './wal.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const recordsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'accept', slot: i, value: { k: `key-${i}`, v: i * 7 } }));

async function writeLog(file: string, batches: unknown[][]): Promise<void> {
  const { wal } = Wal.open(file);
  for (const b of batches) await wal.append(b);
  wal.close();
}

const frameBytes = (r: unknown) => encodeFrame(r).reduce((n, b) => n + b.length, 0);

describe('Wal', () => {
  it('recovers what was appended, in order, across batches and reopenings', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(10);
    await writeLog(file, [recs.slice(0, 3), recs.slice(3, 4), [], recs.slice(4)]);
    const first = Wal.open(file);
    expect(first.records).toEqual(recs);
    expect(first.tornBytes).toBe(0);
    await first.wal.append([{ more: true }]);
    first.wal.appendSync([{ inline: 1 }, { inline: 2 }]);
    first.wal.appendSync([]);
    first.wal.close();
    expect(Wal.open(file).records).toEqual([...recs, { more: true }, { inline: 1 }, { inline: 2 }]);
  });

  it('writes one batch larger than IOV_MAX buffers, both ways', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(3000);
    await writeLog(file, [recs]);
    const opened = Wal.open(file);
    expect(opened.records).toEqual(recs);
    opened.wal.appendSync(recs);
    opened.wal.close();
    expect(Wal.open(file).records).toEqual([...recs, ...recs]);
  });

  it('skips a torn last record cut at every byte offset, and truncates the file', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(4);
    await writeLog(file, [recs]);
    const full = fs.readFileSync(file);
    const lastLen = frameBytes(recs[3]);
    const lastStart = full.length - lastLen;
    for (let cut = lastStart + 1; cut < full.length; cut++) {
      fs.writeFileSync(file, full.subarray(0, cut));
      const { wal, records, tornBytes } = Wal.open(file);
      expect(records, `cut at ${cut}`).toEqual(recs.slice(0, 3));
      expect(tornBytes).toBe(cut - lastStart);
      expect(wal.size).toBe(lastStart);
      // New appends land right after the last good record.
      await wal.append([{ after: cut }]);
      wal.close();
      expect(fs.statSync(file).size).toBe(lastStart + frameBytes({ after: cut }));
      expect(Wal.open(file).records).toEqual([...recs.slice(0, 3), { after: cut }]);
    }
  });

  it('treats a zero-filled or garbled tail as torn', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(2);
    await writeLog(file, [recs]);
    const good = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([good, Buffer.alloc(4096)]));
    expect(Wal.open(file).records).toEqual(recs);
    fs.writeFileSync(file, Buffer.concat([good, Buffer.from('{"partial": "json wi')]));
    const r = Wal.open(file);
    r.wal.close();
    expect(r.records).toEqual(recs);
    expect(fs.statSync(file).size).toBe(good.length);
  });

  it('refuses to start when any byte of a middle record is flipped, naming file and offset', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(5);
    await writeLog(file, [recs]);
    const full = fs.readFileSync(file);
    const start = frameBytes(recs[0]) + frameBytes(recs[1]);
    const end = start + frameBytes(recs[2]);
    for (let i = start; i < end; i++) {
      const bad = Buffer.from(full);
      bad[i] ^= 0x40;
      fs.writeFileSync(file, bad);
      let caught: unknown;
      try {
        Wal.open(file).wal.close();
      } catch (err) {
        caught = err;
      }
      expect(caught, `flip at ${i}`).toBeInstanceOf(WalCorruptError);
      expect((caught as WalCorruptError).offset).toBe(start);
      expect((caught as Error).message).toContain(file);
      // Refusing must not modify the file.
      expect(fs.readFileSync(file).equals(bad)).toBe(true);
    }
  });

  // Durability is checked on a real process with strace: which system calls make each append
  // durable, for both sync modes and both the thread-pool and the inline path.
  function traced(mode: 'dsync' | 'fdatasync', file: string): string[] {
    const probe = spawnSync('strace', ['-V'], { encoding: 'utf8' });
    expect(probe.error, 'strace is needed for this test (.ci/run installs it)').toBeUndefined();
    const trace = path.join(dir, `trace-${mode}`);
    const walModule = new URL('../dist/paxos/wal.js', import.meta.url).pathname;
    const script = `
      import { Wal } from ${JSON.stringify(walModule)};
      const { wal } = Wal.open(${JSON.stringify(file)}, ${JSON.stringify(mode)});
      for (let i = 0; i < 25; i++) await wal.append([{ i }, { j: i }]);
      for (let i = 0; i < 5; i++) wal.appendSync([{ k: i }]);
      wal.close();`;
    execFileSync('strace', ['-f', '-qq', '-e', 'trace=openat,pwritev,pwritev2,fdatasync,fsync', '-o', trace, process.execPath, '--input-type=module', '-e', script]);
    expect(Wal.open(file).records).toHaveLength(55);
    return fs.readFileSync(trace, 'utf8').split('\n');
  }

  it('fdatasync mode: every append (thread pool or inline) is followed by an fdatasync', () => {
    const file = path.join(dir, 'wal-f');
    const lines = traced('fdatasync', file);
    expect(lines.filter((l) => /\bfdatasync\(\d+\)\s+= 0/.test(l))).toHaveLength(30);
    expect(lines.find((l) => l.includes(file) && l.includes('openat'))).not.toMatch(/O_DSYNC|O_SYNC/);
  });

  it('dsync mode: the log is opened O_DSYNC and each append is one writev', () => {
    const file = path.join(dir, 'wal-d');
    const lines = traced('dsync', file);
    const open = lines.find((l) => l.includes(file) && l.includes('openat'));
    expect(open).toMatch(/O_DSYNC|O_SYNC/);
    const fd = /= (\d+)$/.exec(open!.trim())![1];
    expect(lines.filter((l) => new RegExp(`pwritev2?\\(${fd},`).test(l))).toHaveLength(30);
  });
});
