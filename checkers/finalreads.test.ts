/** The final-reads checker on hand-made histories: nodes agree, disagree, no final reads. */
import { describe, expect, it } from 'vitest';
import { FINAL_READS_MARK, type History, type Op } from '../ground/history.js';
import { checkFinalReads } from './finalreads.js';

let i = 0;
const op = (fields: Omit<Op, 'index' | 'time'>): Op => ({ index: i, time: i++, ...fields });
const mark = (): Op => op({ process: 'nemesis', type: 'info', f: FINAL_READS_MARK, value: null });
/** An ok read of `key` on `node` reading `value` (invoke + completion). */
const read = (node: string, key: string, value: unknown): Op[] => [
  op({ process: 0, type: 'invoke', f: 'read', key, value: null }),
  op({ process: 0, type: 'ok', f: 'read', key, value, node }),
];
const before = [...read('n1', 'k1', 9)]; // a read before the mark: not a final read

describe('final-reads checker', () => {
  it('nodes that read the same value of every key: valid', () => {
    const h: History = [...before, mark(), ...read('n1', 'k1', 3), ...read('n2', 'k1', 3), ...read('n1', 'k2', [1, 2]), ...read('n2', 'k2', [1, 2])];
    expect(checkFinalReads(h)).toMatchObject({ valid: true, reads: 4, keys: 2, nodes: ['n1', 'n2'], disagreementCount: 0 });
  });

  it('nodes that disagree: invalid, naming the key and node -> value', () => {
    const h: History = [...before, mark(), ...read('n1', 'k1', 3), ...read('n2', 'k1', 4), ...read('n3', 'k1', 3), ...read('n1', 'k2', 1), ...read('n2', 'k2', 1)];
    const r = checkFinalReads(h);
    expect(r).toMatchObject({ valid: false, disagreementCount: 1, disagreements: [{ key: 'read k1', values: { n1: 3, n2: 4, n3: 3 } }] });
    expect(r.error).toBe('nodes disagree on the final read of read k1: n2 -> 4 (n1, n3 -> 3)');
    expect(r.incomplete).toEqual([{ key: 'read k2', missing: ['n3'] }]);
  });

  it('set reads that disagree: the line names the elements that differ, not the sets', () => {
    const big = Array.from({ length: 1000 }, (_, x) => x);
    const h: History = [mark(), ...read('n1', 's', big), ...read('n2', 's', big), ...read('n3', 's', [...big.filter((x) => x !== 707), 1001])];
    const r = checkFinalReads(h);
    expect(r.valid).toBe(false);
    expect(r.error).toBe('nodes disagree on the final read of read s: n3 has 1001; lacks 707 (n1, n2 -> [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,...)');
  });

  it('a history without final reads is skipped, saying so', () => {
    expect(checkFinalReads(before)).toEqual({ valid: true, skipped: 'final reads: none in this history' });
  });
});
