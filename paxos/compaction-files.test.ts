/**
 * The files compaction writes: the WAL's atomic rewrite, snapshot.dat replayed before the WAL
 * by recover() (a damaged one refused), and the decided.jsonl archive (paging by slot, a torn
 * last line cut on reopen).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wal, WalCorruptError, readLogFileSync, writeLogFileSync } from './wal.js';
import { recover } from './datadir.js';
import { DecidedArchive } from './archive.js';
import { ARCHIVE_FILE, SNAPSHOT_FILE, WAL_FILE } from './files.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compaction-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('WAL rewrite and snapshot file', () => {
  it('rewriteSync replaces the log whole; later appends follow the new contents; no temporary file is left', async () => {
    const file = path.join(dir, WAL_FILE);
    const { wal } = Wal.open(file);
    await wal.append([{ t: 'boot', inc: 1 }, { t: 'promise', b: [1, 'n1'] }]);
    await wal.append([{ t: 'accept', s: 1 }]);
    wal.rewriteSync([{ t: 'boot', inc: 1 }, { t: 'base', i: 8 }]);
    expect(wal.size).toBe(fs.statSync(file).size);
    await wal.append([{ t: 'accept', s: 9 }]);
    wal.appendSync([{ t: 'accept', s: 10 }]);
    wal.close();
    expect(Wal.open(file).records).toEqual([{ t: 'boot', inc: 1 }, { t: 'base', i: 8 }, { t: 'accept', s: 9 }, { t: 'accept', s: 10 }]);
    expect(fs.readdirSync(dir).sort()).toEqual([WAL_FILE]);
  });

  it('recover() replays snapshot.dat before the WAL, and refuses a damaged one naming it', () => {
    const snap = { t: 'snap', i: 8, from: 5, kv: { 'k:a': 1 }, dedup: {} };
    writeLogFileSync(path.join(dir, SNAPSHOT_FILE), [snap]);
    writeLogFileSync(path.join(dir, WAL_FILE), [{ t: 'boot', inc: 1 }, { t: 'base', i: 8 }]);
    const r = recover(dir, 'n1', 'dsync');
    r.wal.close();
    expect(r.records).toEqual([snap, { t: 'boot', inc: 1 }, { t: 'base', i: 8 }]);
    expect(r.walRecords).toBe(2);
    const bytes = fs.readFileSync(path.join(dir, SNAPSHOT_FILE));
    bytes[bytes.length - 3] ^= 0xff;
    fs.writeFileSync(path.join(dir, SNAPSHOT_FILE), bytes);
    expect(() => recover(dir, 'n1', 'dsync')).toThrow(WalCorruptError);
    expect(() => recover(dir, 'n1', 'dsync')).toThrow(/snapshot\.dat is corrupt at byte offset/);
    // Cut short: a file written whole and renamed into place never is, so that is damage too.
    fs.writeFileSync(path.join(dir, SNAPSHOT_FILE), bytes.subarray(0, bytes.length - 5));
    expect(() => readLogFileSync(path.join(dir, SNAPSHOT_FILE))).toThrow(WalCorruptError);
  });
});

describe('decided archive', () => {
  const entry = (slot: number) => ({ slot, digest: slot.toString(16).padStart(16, '0'), command: slot % 5 === 0 ? null : [{ id: `n1:1:${slot}`, command: { op: 'write', key: 'k', value: slot } }] });

  it('pages by slot (through its index), skips slots it has, and keeps below a bound', () => {
    const file = path.join(dir, ARCHIVE_FILE);
    const a = new DecidedArchive(file);
    for (let s = 1; s <= 1000; s += 10) a.append(Array.from({ length: 10 }, (_, i) => entry(s + i)));
    a.append([entry(3), entry(1000)]); // already there: skipped
    expect(a.read(1, 2000, 5).map((e) => e.slot)).toEqual([1, 2, 3, 4, 5]);
    expect(a.read(700, 2000, 3)).toEqual([entry(700), entry(701), entry(702)]);
    expect(a.read(995, 998, 100).map((e) => e.slot)).toEqual([995, 996, 997]);
    a.sync();
    a.close();
    const b = new DecidedArchive(file);
    expect(b.lastSlot).toBe(1000);
    expect(b.read(513, 2000, 2).map((e) => e.slot)).toEqual([513, 514]);
    b.close();
  });

  it('cuts a torn last line on reopen (it was never fsynced)', () => {
    const file = path.join(dir, ARCHIVE_FILE);
    const a = new DecidedArchive(file);
    a.append([entry(1), entry(2)]);
    a.close();
    fs.appendFileSync(file, '{"slot":3,"dig');
    const b = new DecidedArchive(file);
    expect(b.lastSlot).toBe(2);
    b.append([entry(3)]);
    expect(b.read(1, 10, 10).map((e) => e.slot)).toEqual([1, 2, 3]);
    b.close();
  });
});
