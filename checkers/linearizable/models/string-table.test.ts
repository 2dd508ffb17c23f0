/**
 * StringTable: ids are exact (equal strings, however built, share an id; different strings never
 * do), checked against a plain Map on random appends over a tiny alphabet (many equal strings
 * reached by different splits), through several table growths.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../ground/rng.js';
import { StringTable } from './string-table.js';

describe('StringTable', () => {
  it('agrees with a Map<string, id> on 10,000 random puts and appends', () => {
    const rng = new Rng(7);
    const table = new StringTable();
    const reference = new Map<string, number>([['', StringTable.EMPTY]]);
    const usedIds = new Set<number>([StringTable.EMPTY]);
    const wrong: string[] = [];
    const states: Array<[number, string]> = [[StringTable.EMPTY, '']];
    for (let i = 0; i < 10_000; i++) {
      const piece = Array.from({ length: rng.int(0, 3) }, () => rng.pick(['a', 'b', 'ab'])).join('');
      const [id, s] = rng.pick(states);
      const [nextId, next] = rng.chance(0.2) ? [table.idOf(piece), piece] : [table.append(id, piece), s + piece];
      const known = reference.get(next);
      if (known === undefined) {
        if (usedIds.has(nextId)) wrong.push(`${JSON.stringify(next)} got an id already used`);
        usedIds.add(nextId);
        reference.set(next, nextId);
      } else if (nextId !== known) {
        wrong.push(`${JSON.stringify(next)} got a second id`);
      }
      if (table.lengthOf(nextId) !== next.length) wrong.push(`${JSON.stringify(next)}: wrong length`);
      if (next.length < 40) states.push([nextId, next]);
    }
    for (const [s, id] of reference) if (table.str(id) !== s) wrong.push(`id ${id} reads back wrong`);
    expect(wrong).toEqual([]);
    expect(reference.size).toBeGreaterThan(1000);
  });
});
