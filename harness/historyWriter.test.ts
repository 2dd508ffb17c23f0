import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryWriter, readHistory } from './historyWriter.js';

const dir = mkdtempSync(join(tmpdir(), 'jt-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HistoryWriter', () => {
  it('streams dense, time-stamped ops to disk in small batches while the test runs', async () => {
    const path = join(dir, 'h1.jsonl');
    const seen: number[] = [];
    const w = await HistoryWriter.create(path, { flushMs: 20, onOp: (op) => seen.push(op.index) });
    w.append({ process: 0, type: 'invoke', f: 'write', key: 'r', value: 3 });
    w.append({ process: 'nemesis', type: 'info', f: 'start-partition', value: { n1: ['n2'] } });
    expect(readFileSync(path, 'utf8')).toBe(''); // batched, not yet written
    await new Promise((r) => setTimeout(r, 200));
    // Flushed by the timer alone, before close: a crash now would lose nothing.
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
    w.append({ process: 0, type: 'ok', f: 'write', key: 'r', value: 3, node: 'n1' });
    await w.close();
    const back = readHistory(path);
    expect(back).toEqual(w.ops);
    expect(back.map((o) => o.index)).toEqual([0, 1, 2]);
    expect(seen).toEqual([0, 1, 2]);
    for (let i = 1; i < back.length; i++) expect(back[i].time).toBeGreaterThanOrEqual(back[i - 1].time);
    expect(back[2]).toMatchObject({ process: 0, type: 'ok', node: 'n1' });
    expect(() => w.append({ process: 0, type: 'invoke', f: 'read' })).toThrow(/after close/);
  });

  it('flushes a full batch without waiting for the timer', async () => {
    const path = join(dir, 'h2.jsonl');
    const w = await HistoryWriter.create(path, { flushMs: 60_000, batchOps: 10 });
    for (let i = 0; i < 10; i++) w.append({ process: i, type: 'invoke', f: 'read' });
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(10);
    await w.close();
  });

  it('never overwrites an existing history', async () => {
    await expect(HistoryWriter.create(join(dir, 'h1.jsonl'))).rejects.toThrow(/EEXIST/);
  });

  it('reads back a history whose last line was torn by a crash, and rejects a gap', () => {
    const path = join(dir, 'h1.jsonl');
    appendFileSync(path, '{"index":3,"time":5,"proc');
    expect(readHistory(path)).toHaveLength(3);
    const gap = join(dir, 'gap.jsonl');
    appendFileSync(gap, '{"index":0,"time":1,"process":0,"type":"invoke","f":"read"}\n{"index":2,"time":2,"process":0,"type":"ok","f":"read"}\n');
    expect(() => readHistory(gap)).toThrow(/index 2, expected 1/);
  });
});
