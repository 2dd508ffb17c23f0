/** The set checker on small hand-written histories: accepts good ones, rejects lost and unexpected elements. */
import { describe, expect, it } from 'vitest';
import type { History, OpType, Process } from '../ground/history.js';
import { checkSet, setChecker } from './set.js';

/** Events in order; index dense, 1 ms apart. */
const build = (events: Array<[Process, OpType, string, unknown?]>): History =>
  events.map(([process, type, f, value], index) => ({ index, time: index * 1e6, process, type, f, ...(value !== undefined ? { value } : {}) }));

const add = (p: number, x: unknown, outcome: OpType): Array<[Process, OpType, string, unknown]> => [
  [p, 'invoke', 'add', x],
  [p, outcome, 'add', x],
];
const read = (p: number, xs: unknown[]): Array<[Process, OpType, string, unknown?]> => [
  [p, 'invoke', 'read', null],
  [p, 'ok', 'read', xs],
];

describe('set checker', () => {
  it('accepts a history where every acknowledged add is read, and counts recovered adds', async () => {
    const h = build([...add(0, 1, 'ok'), ...add(1, 2, 'info'), ...add(2, 3, 'fail'), ...add(3, 4, 'info'), ...read(4, [1, 2])]);
    const r = await setChecker().check(h, {});
    expect(r.valid).toBe(true);
    expect(r.counts).toEqual({ attempted: 4, acknowledged: 1, failed: 1, indeterminate: 2, read: 2, lost: 0, unexpected: 0, recovered: 1, duplicated: 0 });
    expect(r.recovered).toEqual([2]);
  });

  it('rejects a lost acknowledged add', () => {
    const r = checkSet(build([...add(0, 1, 'ok'), ...add(0, 2, 'ok'), ...read(1, [2])]));
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([1]);
  });

  it('rejects an element whose add definitely failed, and one never attempted', () => {
    const r = checkSet(build([...add(0, 1, 'fail'), ...read(1, [1, 9])]));
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual([1, 9]);
  });

  it('judges against the last ok read, and does not call an add concurrent with it lost', () => {
    const h = build([
      ...read(0, []),
      [1, 'invoke', 'add', 5],
      [0, 'invoke', 'read', null],
      [1, 'ok', 'add', 5],
      [0, 'ok', 'read', []],
    ]);
    const r = checkSet(h);
    expect(r.valid).toBe(true);
    expect(r.finalReadIndex).toBe(5);
  });

  it('compares elements by value: 3 and "3" differ; duplicates are reported', () => {
    const r = checkSet(build([...add(0, 3, 'ok'), ...read(1, ['3', 3, 3])]));
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual(['3']);
    expect(r.duplicated).toEqual([3]);
  });

  it('is unknown without an ok read, or with a read that is not a list', () => {
    expect(checkSet(build([...add(0, 1, 'ok'), [1, 'invoke', 'read', null], [1, 'info', 'read']])).valid).toBe('unknown');
    expect(checkSet(build([...add(0, 1, 'ok'), ...read(1, { 1: true } as never)])).valid).toBe('unknown');
  });
});
