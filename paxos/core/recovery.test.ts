/** Recovery from persisted records, and the state's plain-data contract (clone, canonical key). */
import { describe, expect, it } from 'vitest';
import { canonicalKey, cloneState, decidedEntries, initState, status } from './index.js';
import { Cluster, config, deliver, node, sends } from './testkit.js';
import type { Rec } from './messages.js';

describe('recovery', () => {
  it('rebuilds promise, accepted, decided and the applied state from records; volatile state starts over', () => {
    const records: Rec[] = [
      { t: 'boot', inc: 1 },
      { t: 'promise', b: [2, 'n1'] },
      { t: 'accept', b: [2, 'n1'], s: 1, v: [{ id: 'n1:1:1', command: { op: 'write', key: 'a', value: 1 } }] },
      { t: 'accept', b: [2, 'n1'], s: 2, v: null },
      { t: 'decide', s: 1, b: [2, 'n1'] },
      { t: 'boot', inc: 2 },
      { t: 'accept', b: [3, 'n3'], s: 3, v: [{ id: 'n3:1:1', command: { op: 'write', key: 'b', value: 2 } }] },
    ];
    const s = initState(config('n2'), records);
    expect(s.durable.incarnation).toBe(3);
    expect(s.durable.promised).toEqual([3, 'n3']);
    expect(Object.keys(s.durable.accepted)).toEqual(['2', '3']);
    expect(s.volatile.kv).toEqual({ 'k:a': 1 });
    expect(s.volatile.dedup).toEqual({ n1: { inc: 1, floor: 0, results: { '1': { type: 'ok' } }, order: [1] } });
    expect(status(s)).toEqual({ id: 'n2', role: 'follower', ballot: [3, 'n3'], leader: null, commitIndex: 1, appliedIndex: 1 });
    expect(decidedEntries(s, 1, 10)).toEqual([{ slot: 1, digest: expect.stringMatching(/^[0-9a-f]{16}$/), command: [{ id: 'n1:1:1', command: { op: 'write', key: 'a', value: 1 } }] }]);
  });

  it('refuses records it cannot trust with a clear error', () => {
    expect(() => initState(config('n1'), [{ t: 'decide', s: 1, b: [1, 'n1'] }])).toThrow(/names an accept that is not there/);
    expect(() => initState(config('n1'), [{ t: 'bogus' }])).toThrow(/unknown record/);
    // A decide by reference with no ballot, and one whose ballot is not the accepted one.
    const accepted = { t: 'accept', b: [1, 'n1'], s: 1, v: null } as const;
    expect(() => initState(config('n1'), [accepted, { t: 'decide', s: 1 }] as never)).toThrow(/names an accept that is not there/);
    expect(() => initState(config('n1'), [accepted, { t: 'decide', s: 1, b: [2, 'n1'] }])).toThrow(/names an accept that is not there/);
  });

  it('replays a command decided in two slots once, as the live path applies it', () => {
    const cas = { id: 'c1', command: { op: 'cas' as const, key: 'a', from: 1, to: 2 } };
    const state = initState(config('n1'), [
      { t: 'decide', s: 1, v: [{ id: 'w1', command: { op: 'write', key: 'a', value: 1 } }] },
      { t: 'decide', s: 2, v: [cas] },
      { t: 'decide', s: 3, v: [{ id: 'w2', command: { op: 'write', key: 'a', value: 1 } }] },
      { t: 'decide', s: 4, v: [cas] },
    ]);
    expect(state.volatile.commitIndex).toBe(4);
    expect(state.volatile.kv).toEqual({ 'k:a': 1 });
  });

  it('a restarted acceptor keeps its promise and its accepted value (the durable part)', () => {
    const c = new Cluster();
    c.elect('n1');
    c.client('n1', 1, { op: 'write', key: 'a', value: 1 });
    c.settle();
    const promised = c.get('n2').state.durable.promised;
    c.restart('n2');
    expect(c.get('n2').state.durable.promised).toEqual(promised);
    // Its decide record may not have been written yet (a cache), but the accept was.
    expect(Object.values(c.get('n2').state.durable.accepted).map((a) => a.value)).toEqual([[{ id: 'n1:1:1', command: { op: 'write', key: 'a', value: 1 } }]]);
    c.fire('n1', 'heartbeat');
    c.settle();
    c.fire('n1', 'heartbeat'); // no progress since the last heartbeat: n2 catches up
    c.settle();
    expect(c.get('n2').state.volatile.kv).toEqual({ 'k:a': 1 });
    const nack = sends(deliver(c.get('n2'), 'n3', { type: 'prepare', ballot: [0, 'n3'], slot: 1 }), 'nack');
    expect(nack).toHaveLength(1);
  });

  it('volatile-acceptor (planted bug): a restarted acceptor forgets promises and accepts', () => {
    for (const bug of [null, 'volatile-acceptor'] as const) {
      const n = node('n2', undefined, bug);
      deliver(n, 'n1', { type: 'prepare', ballot: [4, 'n1'], slot: 1 });
      deliver(n, 'n1', { type: 'accept', ballot: [4, 'n1'], slot: 1, value: null });
      const restarted = initState(n.config, n.records);
      expect(restarted.durable.promised).toEqual(bug ? [0, ''] : [4, 'n1']);
      expect(restarted.durable.accepted).toEqual(bug ? {} : { 1: { ballot: [4, 'n1'], value: null } });
    }
  });

  it('forget-promise-on-recovery (planted bug): a promise raised by an accept is lost on restart', () => {
    for (const bug of [null, 'forget-promise-on-recovery'] as const) {
      const n = node('n2', undefined, bug);
      deliver(n, 'n1', { type: 'prepare', ballot: [4, 'n1'], slot: 1 });
      deliver(n, 'n3', { type: 'accept', ballot: [5, 'n3'], slot: 1, value: null });
      const restarted = initState(n.config, n.records);
      expect(restarted.durable.promised).toEqual(bug ? [4, 'n1'] : [5, 'n3']);
      expect(restarted.durable.accepted).toEqual({ 1: { ballot: [5, 'n3'], value: null } });
    }
  });

  it('a whole cluster restarted from records agrees and keeps every acknowledged write', () => {
    const c = new Cluster();
    c.elect('n1');
    for (let i = 1; i <= 5; i++) c.client('n1', i, { op: 'write', key: `k${i}`, value: i });
    c.settle();
    for (const id of ['n1', 'n2', 'n3']) c.restart(id);
    c.elect('n3');
    c.client('n3', 1, { op: 'read', key: 'k5' });
    c.settle();
    c.fire('n3', 'heartbeat');
    c.settle();
    expect(c.replies.at(-1)).toEqual({ node: 'n3', id: 1, result: { type: 'ok', value: 5 } });
  });
});

describe('state as plain data', () => {
  it('clones independently and has a canonical key independent of insertion order', () => {
    const c = new Cluster();
    c.elect('n1');
    const s = c.get('n1').state;
    const copy = cloneState(s);
    expect(canonicalKey(copy)).toBe(canonicalKey(s));
    copy.volatile.kv['k:z'] = 1;
    expect(canonicalKey(copy)).not.toBe(canonicalKey(s));
    const kv1 = { ...s, volatile: { ...s.volatile, kv: { 'k:a': 1, 'k:b': 2 } } };
    const kv2 = { ...s, volatile: { ...s.volatile, kv: { 'k:b': 2, 'k:a': 1 } } };
    expect(canonicalKey(kv1)).toBe(canonicalKey(kv2));
    const a = initState(config('n1'), [{ t: 'accept', b: [1, 'n1'], s: 2, v: null }, { t: 'accept', b: [1, 'n1'], s: 1, v: null }]);
    const b = initState(config('n1'), [{ t: 'accept', b: [1, 'n1'], s: 1, v: null }, { t: 'accept', b: [1, 'n1'], s: 2, v: null }]);
    expect(canonicalKey(a)).toBe(canonicalKey(b));
  });
});
