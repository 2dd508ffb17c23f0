/** Acceptor transitions: promise rules, accept rules, persistence before the reply. */
import { describe, expect, it } from 'vitest';
import { deliver, node, persists, sends } from './testkit.js';
import type { CoreEffect } from './context.js';

/** Index of the first effect matching, to check that persists come before sends. */
const firstIndex = (effects: CoreEffect[], type: CoreEffect['type']) => effects.findIndex((e) => e.type === type);

describe('acceptor', () => {
  it('promises a higher ballot, persisting it before the promise leaves', () => {
    const n = node('n2');
    const effects = deliver(n, 'n1', { type: 'prepare', ballot: [3, 'n1'], slot: 1 });
    expect(persists(effects)).toEqual([{ t: 'promise', b: [3, 'n1'] }]);
    expect(sends(effects, 'promise')).toEqual([{ to: 'n1', msg: { type: 'promise', ballot: [3, 'n1'], slot: 1, accepted: [], decided: [] } }]);
    expect(firstIndex(effects, 'persist')).toBeLessThan(firstIndex(effects, 'send'));
    expect(n.state.durable.promised).toEqual([3, 'n1']);
  });

  it('refuses a lower ballot with a nack naming its promise, and changes nothing', () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'prepare', ballot: [3, 'n1'], slot: 1 });
    const before = JSON.stringify(n.state.durable);
    for (const msg of [
      { type: 'prepare', ballot: [2, 'n3'], slot: 1 },
      { type: 'prepare', ballot: [3, 'n0'], slot: 1 }, // same round, lower node id
      { type: 'accept', ballot: [2, 'n3'], slot: 1, value: null },
    ] as const) {
      const effects = deliver(n, 'n3', msg as never);
      expect(persists(effects)).toEqual([]);
      expect(sends(effects)).toEqual([{ to: 'n3', msg: { type: 'nack', ballot: msg.ballot, promised: [3, 'n1'] } }]);
    }
    expect(JSON.stringify(n.state.durable)).toBe(before);
  });

  it('accepts at or above its promise, persists before acking, and reports it to later candidates', () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'prepare', ballot: [3, 'n1'], slot: 1 });
    const value = [{ id: 'n1:1:1', command: { op: 'write' as const, key: 'a', value: 1 } }];
    const effects = deliver(n, 'n1', { type: 'accept', ballot: [3, 'n1'], slot: 2, value });
    expect(persists(effects)).toEqual([{ t: 'accept', b: [3, 'n1'], s: 2, v: value }]);
    expect(sends(effects, 'accepted')).toEqual([{ to: 'n1', msg: { type: 'accepted', ballot: [3, 'n1'], slot: 2 } }]);
    expect(firstIndex(effects, 'persist')).toBeLessThan(firstIndex(effects, 'send'));
    expect(n.state.volatile.leader).toBe('n1');
    // A later candidate asking from slot 1 hears about slot 2; one asking from slot 3 does not.
    expect(sends(deliver(n, 'n3', { type: 'prepare', ballot: [4, 'n3'], slot: 1 }), 'promise')[0].msg).toMatchObject({ accepted: [[2, [3, 'n1'], value]] });
    expect(sends(deliver(n, 'n1', { type: 'prepare', ballot: [5, 'n1'], slot: 3 }), 'promise')[0].msg).toMatchObject({ accepted: [] });
  });

  it('acks a retransmitted accept again without writing a second record', () => {
    const n = node('n2');
    const accept = { type: 'accept' as const, ballot: [1, 'n1'] as [number, string], slot: 1, value: null };
    expect(persists(deliver(n, 'n1', accept))).toHaveLength(1);
    const again = deliver(n, 'n1', accept);
    expect(persists(again)).toEqual([]);
    expect(sends(again, 'accepted')).toHaveLength(1);
  });

  it('an accept for a higher ballot raises the promise (recovered from the accept record)', () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'accept', ballot: [7, 'n1'], slot: 1, value: null });
    expect(n.state.durable.promised).toEqual([7, 'n1']);
    expect(sends(deliver(n, 'n3', { type: 'prepare', ballot: [6, 'n3'], slot: 1 }), 'nack')).toHaveLength(1);
  });

  it('a decide for the ballot it accepted makes the slot decided, recorded by reference', () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'accept', ballot: [1, 'n1'], slot: 1, value: null });
    const effects = deliver(n, 'n1', { type: 'decide', ballot: [1, 'n1'], slot: 1 });
    expect(persists(effects)).toEqual([]); // deferred: nothing depends on it being durable
    expect(n.state.volatile.commitIndex).toBe(1);
    // A decide for a ballot it did not accept is left to catch-up; the deferred record goes now.
    expect(persists(deliver(n, 'n1', { type: 'decide', ballot: [1, 'n1'], slot: 2 }))).toEqual([{ t: 'decide', s: 1, b: [1, 'n1'] }]);
    expect(n.state.durable.decided[2]).toBeUndefined();
  });

  it('volatile-acceptor (planted bug) persists neither promises nor accepts', () => {
    const n = node('n2', undefined, 'volatile-acceptor');
    expect(persists(deliver(n, 'n1', { type: 'prepare', ballot: [3, 'n1'], slot: 1 }))).toEqual([]);
    expect(persists(deliver(n, 'n1', { type: 'accept', ballot: [3, 'n1'], slot: 1, value: null }))).toEqual([]);
    // Decisions are still persisted, with their value since no accept record backs them.
    deliver(n, 'n1', { type: 'decide', ballot: [3, 'n1'], slot: 1 });
    expect(persists(deliver(n, 'n1', { type: 'heartbeat', ballot: [3, 'n1'], commit: 1, seq: 1 }))).toEqual([{ t: 'decide', s: 1, v: null }]);
  });

  it('writes a deferred decide record with the next step that persists anyway', () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'accept', ballot: [1, 'n1'], slot: 1, value: null });
    deliver(n, 'n1', { type: 'decide', ballot: [1, 'n1'], slot: 1 });
    const effects = deliver(n, 'n1', { type: 'accept', ballot: [1, 'n1'], slot: 2, value: null });
    expect(persists(effects)).toEqual([
      { t: 'decide', s: 1, b: [1, 'n1'] },
      { t: 'accept', b: [1, 'n1'], s: 2, v: null },
    ]);
  });

  it('ignores messages from outside the cluster', () => {
    const n = node('n2');
    expect(deliver(n, 'mallory', { type: 'prepare', ballot: [9, 'mallory'], slot: 1 })).toEqual([]);
    expect(n.state.durable.promised).toEqual([0, '']);
  });

  it('answers a heartbeat with an ack for its seq and asks to catch up when stuck behind', () => {
    const n = node('n2');
    const first = deliver(n, 'n1', { type: 'heartbeat', ballot: [1, 'n1'], commit: 5, seq: 9 });
    expect(sends(first, 'heartbeatAck')).toEqual([{ to: 'n1', msg: { type: 'heartbeatAck', ballot: [1, 'n1'], seq: 9 } }]);
    expect(sends(first, 'catchup')).toEqual([{ to: 'n1', msg: { type: 'catchup', slot: 1 } }]);
    expect(first.some((e) => e.type === 'setTimer' && e.name === 'election')).toBe(true);
  });

  it('a retransmitted prepare changes nothing: no second record, and the leader it follows stays', () => {
    const n = node('n2');
    const prepare = { type: 'prepare' as const, ballot: [3, 'n1'] as [number, string], slot: 1 };
    deliver(n, 'n1', prepare);
    deliver(n, 'n1', { type: 'accept', ballot: [3, 'n1'], slot: 1, value: null });
    expect(n.state.volatile.leader).toBe('n1');
    const again = deliver(n, 'n1', prepare);
    expect(persists(again)).toEqual([]);
    expect(sends(again, 'promise')).toHaveLength(1);
    expect(n.state.volatile.leader).toBe('n1');
  });

  it('an accept of a higher ballot for a slot it already knows decided persists the raised promise before the ack', () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'learn', slot: 1, entries: [[1, null]], commit: 1 });
    expect(n.state.volatile.commitIndex).toBe(1);
    const effects = deliver(n, 'n3', { type: 'accept', ballot: [5, 'n3'], slot: 1, value: null });
    expect(persists(effects)).toEqual([{ t: 'decide', s: 1, v: null }, { t: 'promise', b: [5, 'n3'] }]);
    expect(firstIndex(effects, 'persist')).toBeLessThan(firstIndex(effects, 'send'));
    expect(sends(effects, 'accepted')).toHaveLength(1);
    expect(n.state.durable.accepted[1]).toBeUndefined();
  });

  it('asks to catch up only when behind AND no slot was learned since the last heartbeat', () => {
    const n = node('n2');
    const hb = (commit: number, seq: number) => sends(deliver(n, 'n1', { type: 'heartbeat', ballot: [1, 'n1'], commit, seq }), 'catchup');
    expect(hb(0, 1)).toEqual([]); // not behind
    expect(hb(0, 2)).toEqual([]); // still not behind, though nothing was learned in between
    expect(hb(2, 3)).toHaveLength(1); // behind, stuck
    deliver(n, 'n1', { type: 'learn', slot: 1, entries: [[1, null]], commit: 1 });
    expect(n.state.volatile.commitIndex).toBe(1);
    expect(hb(2, 4)).toEqual([]); // behind, but it learned a slot since the last heartbeat
    expect(hb(2, 5)).toHaveLength(1); // behind and stuck again
    deliver(n, 'n1', { type: 'learn', slot: 2, entries: [[2, null]], commit: 2 });
    expect(hb(2, 6)).toEqual([]); // caught up
  });
});
