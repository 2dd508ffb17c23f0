/**
 * The simulated disk keeps what a real one keeps: a kill (the process dies, the OS lives) keeps
 * every written record; a power loss keeps only the synced ones, or torn, the synced ones and a
 * prefix of the rest; a sync makes durable exactly the records written before it began.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../ground/rng.js';
import type { Rec } from '../../paxos/core/messages.js';
import { SimDisk } from './disk.js';

const rec = (inc: number): Rec => ({ t: 'boot', inc });

function diskWith(synced: number, unsynced: number): SimDisk {
  const d = new SimDisk();
  for (let i = 0; i < synced; i++) d.write(rec(i));
  d.sync(synced);
  for (let i = synced; i < synced + unsynced; i++) d.write(rec(i));
  return d;
}

describe('SimDisk', () => {
  it('a sync makes the first n written records durable, in order', () => {
    const d = diskWith(2, 3);
    expect(d.dirty).toBe(3);
    d.sync(1);
    expect(d.dirty).toBe(2);
    expect(d.records()).toEqual([rec(0), rec(1), rec(2)]);
  });

  it('a kill keeps every written record (the OS has them)', () => {
    const d = diskWith(2, 3);
    d.kill();
    expect(d.records()).toEqual([0, 1, 2, 3, 4].map(rec));
    expect(d.dirty).toBe(0);
  });

  it('a power loss keeps only the synced records, and says what it lost', () => {
    const d = diskWith(2, 3);
    expect(d.powerLoss(false, new Rng(1))).toBe('3 unsynced records lost');
    expect(d.records()).toEqual([rec(0), rec(1)]);
    expect(d.dirty).toBe(0);
  });

  it('a torn power loss keeps a prefix of the unsynced records, never a later one without an earlier', () => {
    const kept = new Set<number>();
    for (let seed = 1; seed <= 50; seed++) {
      const d = diskWith(2, 3);
      d.powerLoss(true, new Rng(seed));
      const got = d.records();
      expect(got).toEqual([0, 1, 2, 3, 4].slice(0, got.length).map(rec));
      kept.add(got.length);
    }
    expect([...kept].sort()).toEqual([2, 3, 4, 5]);
  });
});
