/**
 * The append / wr generators: txn ops of 1..MAX_MOPS micro-ops on the active keys, values
 * unique per key and counting up from 1, keys retired after WRITES_PER_KEY writes, one final
 * read per key ever written, and histories of them accepted by the Elle checker when executed
 * serially (so the op shapes are what the checker reads).
 */
import { describe, expect, it } from 'vitest';
import { checkElle } from '../checkers/elle/index.js';
import type { History } from '../ground/history.js';
import { Rng } from '../ground/rng.js';
import { ACTIVE_KEYS, appendWorkload, MAX_MOPS, type MicroOp, WRITES_PER_KEY, wrWorkload } from './txn.js';

const parts = { client: () => { throw new Error('no client here'); }, checkers: () => [] };
const opts = { opTimeoutMs: 1000, concurrency: 5 };

describe.each([
  ['append', appendWorkload, 'append', 'list-append'],
  ['wr', wrWorkload, 'w', 'rw-register'],
] as const)('%s generator', (name, make, write, elle) => {
  it('unique values per key, few active keys, keys retired after WRITES_PER_KEY writes, final reads of every written key', () => {
    const w = make(opts, parts);
    expect(w.name).toBe(name);
    const rng = new Rng(7);
    const values = new Map<number, number[]>();
    for (let i = 0; i < 2000; i++) {
      const op = w.nextOp(rng, 0);
      const mops = op.value as MicroOp[];
      expect(op.f).toBe('txn');
      expect(mops.length).toBeGreaterThanOrEqual(1);
      expect(mops.length).toBeLessThanOrEqual(MAX_MOPS);
      for (const [f, k, v] of mops) {
        expect([write, 'r']).toContain(f);
        if (f === 'r') expect(v).toBeNull();
        else (values.get(k) ?? values.set(k, []).get(k)!).push(v as number);
      }
    }
    for (const vs of values.values()) {
      expect(vs).toEqual(vs.map((_, i) => i + 1));
      expect(vs.length).toBeLessThanOrEqual(WRITES_PER_KEY);
    }
    // ~2000 txns * 1.25 writes / 32 per key: dozens of keys, most used up.
    expect(values.size).toBeGreaterThan(ACTIVE_KEYS * 5);
    expect(w.finalOps()).toEqual([...values.keys()].sort((a, b) => a - b).map((k) => ({ f: 'txn', key: String(k), value: [['r', k, null]] })));
    expect((w.recoveryOp(rng, 0).value as MicroOp[]).every((m) => m[0] === 'r')).toBe(true);
  });

  it('its ops executed one at a time on a map make a history the Elle checker accepts', () => {
    const w = make(opts, parts);
    const rng = new Rng(3);
    const state = new Map<number, unknown>();
    const history: History = [];
    for (let i = 0; i < 500; i++) {
      const mops = w.nextOp(rng, 0).value as MicroOp[];
      const done = mops.map(([f, k, v]): MicroOp => {
        if (f === 'r') return [f, k, write === 'append' ? [...((state.get(k) as number[] | undefined) ?? [])] : (state.get(k) ?? null)];
        state.set(k, write === 'append' ? [...((state.get(k) as number[] | undefined) ?? []), v] : v);
        return [f, k, v];
      });
      history.push({ index: history.length, time: history.length, process: 0, type: 'invoke', f: 'txn', value: mops });
      history.push({ index: history.length, time: history.length, process: 0, type: 'ok', f: 'txn', value: done });
    }
    const r = checkElle(history, elle);
    expect(r).toMatchObject({ valid: true, anomalyTypes: [], counts: { ok: 500 } });
    expect(r.counts.edges).toBeGreaterThan(100);
  });
});
