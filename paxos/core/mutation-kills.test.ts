/**
 * Checks that mutation testing (MUTATION.md) showed missing: catch-up chunking and its
 * nothing-to-send case, the slot-number guard, read rounds that need a real quorum of acks from
 * the current round (5 nodes: one ack is not enough; a late ack of an earlier round does not
 * count), a command decided twice applied once, the in-flight window when a leader learns a
 * slot it did not propose, and a 1-node cluster's reads.
 */
import { describe, expect, it } from 'vitest';
import { InvariantError, step } from './index.js';
import { CATCHUP_CHUNK } from './learner.js';
import { kvGet } from './kv.js';
import type { Entry, Msg } from './messages.js';
import { client, Cluster, deliver, fire, node, replies, sends } from './testkit.js';

describe('learning', () => {
  it('answers a catch-up with one chunk of CATCHUP_CHUNK slots, and nothing if the asker is not behind', () => {
    const n = node('n1');
    const total = CATCHUP_CHUNK + 1;
    const entries: [number, null][] = Array.from({ length: total }, (_, i) => [i + 1, null]);
    deliver(n, 'n2', { type: 'learn', slot: 1, entries, commit: total });
    expect(n.state.volatile.commitIndex).toBe(total);
    const learns = sends(deliver(n, 'n3', { type: 'catchup', slot: 1 }), 'learn');
    expect(learns.length).toBe(1);
    expect((learns[0].msg as Extract<Msg, { type: 'learn' }>).entries.length).toBe(CATCHUP_CHUNK);
    expect(sends(deliver(n, 'n3', { type: 'catchup', slot: total + 1 }))).toEqual([]);
  });

  it('refuses a slot number below 1', () => {
    expect(() => deliver(node('n2'), 'n1', { type: 'learn', slot: 0, entries: [[0, null]], commit: 0 })).toThrow(InvariantError);
  });
});

describe('read rounds in a 5-node cluster', () => {
  it('answer a read only after a quorum of acks of the current round', () => {
    const c = new Cluster(['n1', 'n2', 'n3', 'n4', 'n5']);
    c.elect('n1');
    const leader = c.get('n1');
    const ackFrom = (id: string, effects: ReturnType<typeof client>) => {
      const hb = sends(effects, 'heartbeat').find((s) => s.to === id)!.msg;
      return sends(deliver(c.get(id), 'n1', hb), 'heartbeatAck')[0].msg;
    };
    const first = client(leader, 1, { op: 'read', key: 'a' });
    const [a2, a3, a4, a5] = ['n2', 'n3', 'n4', 'n5'].map((id) => ackFrom(id, first));
    expect(replies(deliver(leader, 'n2', a2))).toEqual([]); // 2 of 5
    expect(replies(deliver(leader, 'n3', a3))).toEqual([{ id: 1, result: { type: 'ok', value: null } }]);
    // A new round: the late acks of the first round from n4 and n5 must not confirm it.
    client(leader, 2, { op: 'read', key: 'a' });
    expect(replies(deliver(leader, 'n4', a4))).toEqual([]);
    expect(replies(deliver(leader, 'n5', a5))).toEqual([]);
  });
});

describe('applying and proposing (open survivors 40 and 55 of MUTATION.md)', () => {
  it('applies a command decided in two slots once (a forward retransmitted and proposed twice)', () => {
    const n = node('n2');
    const entries: [number, Entry[]][] = [
      [1, [{ id: 'w1', command: { op: 'write', key: 'a', value: 1 } }]],
      [2, [{ id: 'c1', command: { op: 'cas', key: 'a', from: 1, to: 2 } }]],
      [3, [{ id: 'w2', command: { op: 'write', key: 'a', value: 1 } }]],
      [4, [{ id: 'c1', command: { op: 'cas', key: 'a', from: 1, to: 2 } }]],
    ];
    deliver(n, 'n1', { type: 'learn', slot: 1, entries, commit: 4 });
    expect(n.state.volatile.commitIndex).toBe(4);
    expect(kvGet(n.state.volatile.kv, 'a')).toBe(1);
  });

  it('a leader that learns a slot it did not propose keeps its in-flight count and proposes past that slot', () => {
    const c = new Cluster(['n1', 'n2', 'n3'], null, { maxInflight: 1 });
    c.elect('n1');
    const leader = c.get('n1');
    const next = leader.state.volatile.nextSlot;
    deliver(leader, 'n2', { type: 'learn', slot: next, entries: [[next, null]], commit: 0 });
    expect(leader.state.volatile.inflight).toBe(0);
    const first = client(leader, 1, { op: 'write', key: 'a', value: 1 });
    const second = client(leader, 2, { op: 'write', key: 'b', value: 2 });
    const slots = [...sends(first, 'accept'), ...sends(second, 'accept')].map((s) => (s.msg as Extract<Msg, { type: 'accept' }>).slot);
    expect(new Set(slots)).toEqual(new Set([next + 1])); // one slot in flight (the window), not the decided one
  });
});

describe('a 1-node cluster', () => {
  it('answers a read at once: its own ack is the quorum', () => {
    const c = new Cluster(['n1']);
    c.elect('n1');
    expect(c.get('n1').state.volatile.role).toBe('leader');
    expect(replies(client(c.get('n1'), 1, { op: 'read', key: 'a' }))).toEqual([{ id: 1, result: { type: 'ok', value: null } }]);
  });

  it('decides a write at once: its own accept is the quorum (mutants 106, 107 of leader.ts)', () => {
    const c = new Cluster(['n1']);
    c.elect('n1');
    expect(replies(client(c.get('n1'), 1, { op: 'write', key: 'a', value: 1 }))).toEqual([{ id: 1, result: { type: 'ok' } }]);
    expect(replies(client(c.get('n1'), 2, { op: 'read', key: 'a' }))).toEqual([{ id: 2, result: { type: 'ok', value: 1 } }]);
  });
});

describe('the step function', () => {
  it('refuses an event or a timer it does not know, naming it (mutants 82, 83, 136, 137 of step.ts)', () => {
    const n = node('n1');
    expect(() => step(n.config, n.state, { type: 'bogus', wallMs: 0 } as never)).toThrow('unknown event {"type":"bogus","wallMs":0}');
    expect(() => fire(n, 'bogus')).toThrow('unknown timer bogus');
  });
});
