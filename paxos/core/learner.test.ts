/** Learning: catch-up of a lagging node, agreement assertion, config validation. */
import { describe, expect, it } from 'vitest';
import { configError, InvariantError } from './index.js';
import { CATCHUP_CHUNK, STALE_TXN_LAG } from './learner.js';
import { dedupGet } from './dedup.js';
import type { BugName, Command } from './types.js';
import { Cluster, config, deliver, node, persists, sends } from './testkit.js';

describe('catch-up', () => {
  it('a node that missed decisions asks when a heartbeat shows it behind and gets them in chunks', () => {
    const c = new Cluster(['n1', 'n2', 'n3'], null, { maxBatch: 1 }); // one command per slot
    c.elect('n1');
    c.cut.add('n1-n3');
    c.cut.add('n2-n3');
    const total = CATCHUP_CHUNK + 10;
    for (let i = 1; i <= total; i++) c.client('n1', i, { op: 'write', key: 'k', value: i });
    c.settle();
    expect(c.get('n3').state.volatile.commitIndex).toBe(0);
    c.cut.clear();
    // First heartbeat: behind (commit index unknown before), second: still no progress -> catchup.
    c.fire('n1', 'heartbeat');
    c.settle();
    c.fire('n1', 'heartbeat');
    c.settle();
    const n3 = c.get('n3').state;
    expect(n3.volatile.commitIndex).toBe(c.get('n1').state.volatile.commitIndex);
    expect(n3.volatile.commitIndex).toBeGreaterThan(CATCHUP_CHUNK); // needed a second chunk
    expect(n3.volatile.kv).toEqual({ 'k:k': total });
  });

  it('learned decisions are persisted with their value (there is no accept to refer to)', () => {
    const n = node('n2');
    const value = [{ id: 'n1:1:1', command: { op: 'write' as const, key: 'a', value: 1 } }];
    const effects = deliver(n, 'n1', { type: 'learn', slot: 1, entries: [[1, value]], commit: 1 });
    expect(sends(effects, 'catchup')).toEqual([]); // caught up with the sender's commit index
    expect(n.state.volatile.unflushed).toEqual([{ t: 'decide', s: 1, v: value }]);
  });

  it('fails loudly if a slot would be decided two ways (agreement is an invariant, not a hope)', () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'learn', slot: 1, entries: [[1, null]], commit: 1 });
    expect(() => deliver(n, 'n1', { type: 'learn', slot: 1, entries: [[1, [{ id: 'x:1:1', command: { op: 'read', key: 'a' } }]]], commit: 1 })).toThrow(InvariantError);
  });
});

describe('the planted stale-txn-read bug', () => {
  /** A follower that learns one command per slot; what the state machine answered each. */
  function learnAll(bug: BugName | null, commands: Command[]) {
    const n = node('n2', undefined, bug);
    commands.forEach((command, i) => deliver(n, 'n1', { type: 'learn', slot: i + 1, entries: [[i + 1, [{ id: `n1:1:${i + 1}`, command }]]], commit: i + 1 }));
    return { kv: n.state.volatile.kv, answer: (slot: number) => dedupGet(n.state.volatile.dedup, `n1:1:${slot}`) };
  }
  const history: Command[] = [
    { op: 'write', key: 'a', value: 1 },
    { op: 'txn', ops: [['append', 'l', 1]] },
    { op: 'write', key: 'a', value: 2 },
    { op: 'txn', ops: [['w', 'a', 3], ['append', 'l', 2]] },
    { op: 'txn', ops: [['r', 'a', null], ['r', 'l', null], ['append', 'l', 3], ['r', 'l', null]] },
    { op: 'read', key: 'a' },
  ];

  it(`serves a txn's reads from the state before the ${STALE_TXN_LAG} slots before its own, its own writes on top`, () => {
    const bad = learnAll('stale-txn-read', history);
    // Slot 5's window is slots 3..5: reads see the state after slot 2 (a = 1, l = [1]).
    expect(bad.answer(5)).toEqual({ type: 'ok', ops: [['r', 'a', 1], ['r', 'l', [1]], ['append', 'l', 3], ['r', 'l', [1, 2, 3]]] });
    const good = learnAll(null, history);
    expect(good.answer(5)).toEqual({ type: 'ok', ops: [['r', 'a', 3], ['r', 'l', [1, 2]], ['append', 'l', 3], ['r', 'l', [1, 2, 3]]] });
  });

  it('leaves plain reads and the stored state alone (single keys stay linearizable)', () => {
    const bad = learnAll('stale-txn-read', history);
    expect(bad.answer(6)).toEqual({ type: 'ok', value: 3 });
    expect(bad.kv).toEqual(learnAll(null, history).kv);
  });
});

describe('config validation', () => {
  it('accepts a sound config and names what is wrong with a bad one', () => {
    expect(configError(config('n1'))).toBeNull();
    expect(configError(config('n9'))).toMatch(/self n9 is not one of the nodes/);
    expect(configError(config('n1', ['n1', 'n1']))).toMatch(/duplicate/);
    expect(configError(config('n1', []))).toMatch(/non-empty/);
    expect(configError(config('n1', undefined, 'typo' as never))).toMatch(/unknown bug typo/);
    expect(configError(config('n1', undefined, null, { heartbeatMs: 0 }))).toMatch(/heartbeatMs/);
    expect(configError(config('n1', undefined, null, { electionTimeoutMs: 50 }))).toMatch(/exceed heartbeatMs/);
    expect(configError(config('n1', undefined, null, { maxBatch: 1.5 }))).toMatch(/maxBatch/);
    expect(configError(config('n1', undefined, null, { maxInflight: 0 }))).toMatch(/maxInflight/);
  });
});
