/**
 * WAL: round trip; one test per damage class (a torn last group is cut, every other damage is
 * refused naming file and offset); the data dir's lost-WAL refusals (datadir.ts); and that
 * durability really comes from fdatasync (counted with strace on a real process).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { GROUP_HEADER_BYTES, Wal, WalCorruptError, encodeFrame } from './wal.js';
import { boot, readIdentity, recover } from './datadir.js';
import { ID_FILE, NODE_LOG_FILE, WAL_FILE } from './files.js';

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
const groupBytes = (rs: unknown[]) => GROUP_HEADER_BYTES + rs.reduce<number>((n, r) => n + frameBytes(r), 0);

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

  /** Throws unless opening the log refuses with WalCorruptError at `offset`, leaving the file as it was. */
  function expectRefused(file: string, offset: number, what: string): void {
    const before = fs.readFileSync(file);
    let caught: unknown;
    try {
      Wal.open(file).wal.close();
    } catch (err) {
      caught = err;
    }
    expect(caught, what).toBeInstanceOf(WalCorruptError);
    expect((caught as WalCorruptError).offset, what).toBe(offset);
    expect((caught as Error).message).toContain(file);
    expect((caught as Error).message.split('\n')).toHaveLength(1);
    expect(fs.readFileSync(file).equals(before), `${what}: refusing must not modify the file`).toBe(true);
  }

  it('torn tail: the last group cut at every byte is dropped whole and the file truncated', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(6);
    await writeLog(file, [recs.slice(0, 3), recs.slice(3)]);
    const full = fs.readFileSync(file);
    const lastStart = groupBytes(recs.slice(0, 3));
    expect(full.length).toBe(lastStart + groupBytes(recs.slice(3)));
    for (let cut = lastStart + 1; cut < full.length; cut++) {
      fs.writeFileSync(file, full.subarray(0, cut));
      const { wal, records, tornBytes } = Wal.open(file);
      expect(records, `cut at ${cut}`).toEqual(recs.slice(0, 3));
      expect(tornBytes).toBe(cut - lastStart);
      expect(wal.size).toBe(lastStart);
      expect(fs.statSync(file).size).toBe(lastStart);
      // New appends land right after the last complete group.
      await wal.append([{ after: cut }]);
      wal.close();
      expect(Wal.open(file).records).toEqual([...recs.slice(0, 3), { after: cut }]);
    }
  });

  it('bad checksum: any byte of the last complete group flipped is refused, naming file and offset', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(4);
    await writeLog(file, [recs.slice(0, 2), recs.slice(2)]);
    const full = fs.readFileSync(file);
    const lastStart = groupBytes(recs.slice(0, 2));
    const secondFrame = lastStart + GROUP_HEADER_BYTES + frameBytes(recs[2]);
    for (let i = lastStart; i < full.length; i++) {
      const bad = Buffer.from(full);
      bad[i] ^= 0x40;
      fs.writeFileSync(file, bad);
      // Damage to the group header is reported there; to a frame, at that frame.
      const at = i < lastStart + GROUP_HEADER_BYTES ? lastStart : i < secondFrame ? lastStart + GROUP_HEADER_BYTES : secondFrame;
      expectRefused(file, at, `flip at ${i}`);
    }
  });

  it('refuses when any byte of a middle group is flipped', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(3);
    await writeLog(file, [[recs[0]], [recs[1]], [recs[2]]]);
    const full = fs.readFileSync(file);
    const start = groupBytes([recs[0]]);
    for (let i = start; i < start + groupBytes([recs[1]]); i++) {
      const bad = Buffer.from(full);
      bad[i] ^= 0x01;
      fs.writeFileSync(file, bad);
      expectRefused(file, i < start + GROUP_HEADER_BYTES ? start : start + GROUP_HEADER_BYTES, `flip at ${i}`);
    }
  });

  it('zeroed tail: zeros after the last group, or over its end, are refused', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(4);
    await writeLog(file, [recs.slice(0, 2), recs.slice(2)]);
    const good = fs.readFileSync(file);
    for (const n of [1, 3, 4, 11, 12, 4096]) {
      fs.writeFileSync(file, Buffer.concat([good, Buffer.alloc(n)]));
      expectRefused(file, good.length, `${n} zero bytes appended`);
    }
    const lastStart = groupBytes(recs.slice(0, 2));
    const zeroedEnd = Buffer.from(good);
    zeroedEnd.fill(0, good.length - 10);
    fs.writeFileSync(file, zeroedEnd);
    expectRefused(file, good.length - frameBytes(recs[3]), 'last 10 bytes zeroed');
    const zeroedGroup = Buffer.from(good);
    zeroedGroup.fill(0, lastStart);
    fs.writeFileSync(file, zeroedGroup);
    expectRefused(file, lastStart, 'last group zeroed');
  });

  it('garbled tail: bytes after the last group that are no group header are refused', async () => {
    const file = path.join(dir, 'wal');
    const recs = recordsOf(2);
    await writeLog(file, [recs]);
    const good = fs.readFileSync(file);
    for (const tail of ['{"partial": "json wi', 'PX!', 'PXG2 and more bytes', 'x']) {
      fs.writeFileSync(file, Buffer.concat([good, Buffer.from(tail)]));
      expectRefused(file, good.length, `tail ${JSON.stringify(tail)}`);
    }
  });

  it('random bytes: a whole file of them, or all after the boot group, are refused', async () => {
    const random = path.join(dir, 'random');
    for (let i = 0; i < 50; i++) {
      fs.writeFileSync(random, randomBytes(100_000));
      expectRefused(random, 0, `random file ${i}`);
    }
    const file = path.join(dir, 'wal');
    await writeLog(file, [[{ t: 'boot', inc: 1 }], recordsOf(20), recordsOf(5)]);
    const good = fs.readFileSync(file);
    const bootEnd = groupBytes([{ t: 'boot', inc: 1 }]);
    for (let i = 0; i < 50; i++) {
      fs.writeFileSync(file, Buffer.concat([good.subarray(0, bootEnd), randomBytes(good.length - bootEnd)]));
      expectRefused(file, bootEnd, `random after boot ${i}`);
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

describe('data dir (datadir.ts)', () => {
  const boot1 = { t: 'boot', inc: 1 };
  const walOf = () => path.join(dir, WAL_FILE);
  /** What the node does at start: recover, then make the boot of incarnation `inc` durable. */
  function startNode(inc: number, node = 'n1'): unknown[] {
    const r = recover(dir, node, 'dsync');
    try {
      boot(dir, node, r, inc, [{ t: 'boot', inc }]);
      return r.records;
    } finally {
      r.wal.close();
    }
  }
  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected a refusal');
  };

  it('fresh dir: starts, and writes node.id only after the boot record', () => {
    expect(startNode(1)).toEqual([]);
    expect(readIdentity(dir)).toEqual({ node: 'n1', incarnation: 1 });
    expect(startNode(2)).toEqual([boot1]);
    expect(readIdentity(dir)).toEqual({ node: 'n1', incarnation: 2 });
  });

  it('wal.log truncated to zero with node.id present: refused', () => {
    startNode(1);
    fs.truncateSync(walOf(), 0);
    const msg = refusal(() => startNode(2));
    expect(msg).toContain(`WAL ${walOf()} holds no record`);
    expect(msg).toContain('incarnation 1');
    expect(msg.split('\n')).toHaveLength(1);
    expect(fs.statSync(walOf()).size).toBe(0);
  });

  it('wal.log missing with the other node files present: refused, and not created', () => {
    startNode(1);
    fs.writeFileSync(path.join(dir, NODE_LOG_FILE), 'a line\n');
    fs.rmSync(walOf());
    expect(refusal(() => startNode(2))).toContain(`WAL ${walOf()} is missing`);
    expect(fs.existsSync(walOf())).toBe(false);
  });

  it('whole groups lost from the end (the incarnation would go backwards): refused', async () => {
    startNode(1);
    const afterFirstBoot = fs.statSync(walOf()).size;
    startNode(2);
    fs.truncateSync(walOf(), afterFirstBoot);
    expect(refusal(() => startNode(2))).toMatch(/ends before the boot record of incarnation 2 .* would boot incarnation 2/);
    expect(fs.statSync(walOf()).size).toBe(afterFirstBoot);
  });

  it('a node killed during its first boot is not bricked', async () => {
    // Killed after creating wal.log, before the boot record was durable (maybe a torn group).
    Wal.open(walOf()).wal.close();
    fs.writeFileSync(walOf(), Buffer.from('PXG1'));
    expect(startNode(1)).toEqual([]);
    // Killed after the boot record, before node.id (a temporary node.id may be left behind).
    fs.rmSync(path.join(dir, ID_FILE));
    fs.writeFileSync(path.join(dir, `${ID_FILE}.tmp`), '{"node":"n1","inc');
    expect(startNode(2)).toEqual([boot1]);
    expect(readIdentity(dir)).toEqual({ node: 'n1', incarnation: 2 });
  });

  it("another node's dir or a damaged node.id: refused", () => {
    startNode(1);
    expect(refusal(() => startNode(2, 'n2'))).toContain('belongs to node n1, not n2');
    fs.writeFileSync(path.join(dir, ID_FILE), '{"node":"n1"');
    expect(refusal(() => startNode(2))).toContain(`${path.join(dir, ID_FILE)} is damaged`);
  });
});
