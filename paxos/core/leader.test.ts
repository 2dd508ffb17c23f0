/** Leader transitions: campaign, adopt-highest and no-op fill, batching, pipelining. */
import { describe, expect, it } from 'vitest';
import { Cluster, client, deliver, fire, node, persists, replies, sends } from './testkit.js';
import type { SlotValue } from './messages.js';

const w = (id: string, key: string, value: number): SlotValue => [{ id, command: { op: 'write', key, value } }];

describe('campaign and phase 1', () => {
  it('backs off randomly, then prepares with a ballot above every round seen, from its first unchosen slot', () => {
    const n = node('n1');
    deliver(n, 'n2', { type: 'nack', ballot: [1, 'n1'], promised: [6, 'n3'] }); // has seen round 6
    const backoff = fire(n, 'election', 0.25);
    expect(backoff).toContainEqual({ type: 'setTimer', name: 'campaign', ms: 51 });
    const effects = fire(n, 'campaign');
    expect(persists(effects)).toEqual([{ t: 'promise', b: [7, 'n1'] }]);
    expect(sends(effects, 'prepare').map((s) => s.to)).toEqual(['n2', 'n3']);
    expect(sends(effects, 'prepare')[0].msg).toEqual({ type: 'prepare', ballot: [7, 'n1'], slot: 1 });
    expect(n.state.volatile.role).toBe('candidate');
  });

  it('adopts per slot the highest-ballot value among the quorum, fills holes with no-ops', () => {
    const n = node('n1', ['n1', 'n2', 'n3', 'n4', 'n5']);
    fire(n, 'election');
    fire(n, 'campaign'); // ballot [1, n1]... but the promises report older ballots of other leaders
    const b = n.state.volatile.ballot;
    deliver(n, 'n2', { type: 'promise', ballot: b, slot: 1, decided: [], accepted: [[1, [0, 'n4'], w('x:1:1', 'a', 1)], [3, [0, 'n2'], w('x:1:3', 'a', 3)]] });
    // Slot 1: the higher ballot arrives last; slot 3: it arrived first (the last report loses).
    const effects = deliver(n, 'n3', { type: 'promise', ballot: b, slot: 1, decided: [], accepted: [[1, [0, 'n5'], w('x:1:2', 'a', 2)], [3, [0, 'n1'], w('x:1:4', 'a', 4)]] });
    expect(n.state.volatile.role).toBe('leader');
    const accepts = sends(effects, 'accept').filter((s) => s.to === 'n2').map((s) => s.msg);
    expect(accepts).toEqual([
      { type: 'accept', ballot: b, slot: 1, value: w('x:1:2', 'a', 2) }, // [0,n5] > [0,n4]
      { type: 'accept', ballot: b, slot: 2, value: null }, // a hole: no-op
      { type: 'accept', ballot: b, slot: 3, value: w('x:1:3', 'a', 3) },
    ]);
    expect(n.state.volatile.nextSlot).toBe(4);
    // Its own accepts are persisted before any of those sends.
    expect(persists(effects).map((r) => r.t)).toEqual(['accept', 'accept', 'accept']);
    expect(effects.findIndex((e) => e.type === 'send')).toBeGreaterThan(effects.map((e) => e.type).lastIndexOf('persist'));
  });

  it('learns slots a promise reports as decided instead of re-proposing them', () => {
    const n = node('n1');
    fire(n, 'campaign');
    const b = n.state.volatile.ballot;
    const effects = deliver(n, 'n2', { type: 'promise', ballot: b, slot: 1, decided: [[1, w('n2:1:1', 'k', 5)]], accepted: [] });
    expect(persists(effects)).toEqual([]); // the decide record waits for the next step (a cache)
    expect(persists(fire(n, 'heartbeat'))).toContainEqual({ t: 'decide', s: 1, v: w('n2:1:1', 'k', 5) });
    expect(sends(effects, 'accept')).toEqual([]);
    expect(n.state.volatile.commitIndex).toBe(1);
    expect(n.state.volatile.kv).toEqual({ 'k:k': 5 });
  });

  it('no-adopt (planted bug) ignores what the quorum accepted', () => {
    const n = node('n1', undefined, 'no-adopt');
    fire(n, 'campaign');
    const b = n.state.volatile.ballot;
    const effects = deliver(n, 'n2', { type: 'promise', ballot: b, slot: 1, decided: [], accepted: [[1, [0, 'n3'], w('x:1:1', 'a', 1)]] });
    expect(sends(effects, 'accept')).toEqual([]);
    expect(n.state.volatile.nextSlot).toBe(1);
  });

  it('a leader that hears of a higher ballot steps down', () => {
    const c = new Cluster();
    c.elect('n1');
    expect(c.get('n1').state.volatile.role).toBe('leader');
    deliver(c.get('n1'), 'n2', { type: 'nack', ballot: c.get('n1').state.volatile.ballot, promised: [99, 'n2'] });
    expect(c.get('n1').state.volatile.role).toBe('follower');
  });
});

describe('phase 2', () => {
  it('decides once a quorum accepted, tells every node, applies in order, answers the client', () => {
    const c = new Cluster();
    c.elect('n1');
    c.client('n1', 1, { op: 'write', key: 'a', value: 1 });
    c.client('n1', 2, { op: 'cas', key: 'a', from: 1, to: 2 });
    c.client('n1', 3, { op: 'cas', key: 'a', from: 1, to: 3 });
    c.settle();
    expect(c.replies).toEqual([
      { node: 'n1', id: 1, result: { type: 'ok' } },
      { node: 'n1', id: 2, result: { type: 'ok' } },
      { node: 'n1', id: 3, result: { type: 'fail', error: 'cas-mismatch', value: 2 } },
    ]);
    for (const id of ['n1', 'n2', 'n3']) expect(c.get(id).state.volatile.kv).toEqual({ 'k:a': 2 });
  });

  it('batches queued commands into one slot when the pipeline is full', () => {
    const n = node('n1', ['n1', 'n2', 'n3'], null, { maxInflight: 1, maxBatch: 2 });
    fire(n, 'campaign');
    deliver(n, 'n2', { type: 'promise', ballot: n.state.volatile.ballot, slot: 1, decided: [], accepted: [] });
    const b = n.state.volatile.ballot;
    expect(sends(client(n, 1, { op: 'write', key: 'a', value: 1 }), 'accept')).toHaveLength(2); // slot 1, to n2 and n3
    for (let i = 2; i <= 4; i++) expect(sends(client(n, i, { op: 'write', key: 'a', value: i }), 'accept')).toHaveLength(0);
    const effects = deliver(n, 'n2', { type: 'accepted', ballot: b, slot: 1 });
    const accepts = sends(effects, 'accept').filter((s) => s.to === 'n2');
    expect(accepts).toHaveLength(1);
    expect(accepts[0].msg).toMatchObject({ slot: 2, value: [{ id: 'n1:1:2' }, { id: 'n1:1:3' }] }); // maxBatch 2
    expect(n.state.volatile.queue.map((e) => e.id)).toEqual(['n1:1:4']);
  });

  it('keeps several slots in flight (pipelining) up to maxInflight', () => {
    // maxBatch 1: every command is a full batch, so each proposes at once while there is room.
    const n = node('n1', ['n1', 'n2', 'n3'], null, { maxInflight: 3, maxBatch: 1 });
    fire(n, 'campaign');
    deliver(n, 'n2', { type: 'promise', ballot: n.state.volatile.ballot, slot: 1, decided: [], accepted: [] });
    for (let i = 1; i <= 5; i++) client(n, i, { op: 'write', key: 'a', value: i });
    expect(Object.keys(n.state.volatile.proposals)).toEqual(['1', '2', '3']);
    expect(n.state.volatile.queue).toHaveLength(2);
  });

  it('gathers commands that arrive while a slot is in flight into one slot (unless a batch is full)', () => {
    const n = node('n1', ['n1', 'n2', 'n3'], null, { maxInflight: 8 }); // maxBatch 4
    fire(n, 'campaign');
    deliver(n, 'n2', { type: 'promise', ballot: n.state.volatile.ballot, slot: 1, decided: [], accepted: [] });
    const b = n.state.volatile.ballot;
    // Idle leader: a lone command is proposed at once.
    expect(sends(client(n, 1, { op: 'write', key: 'a', value: 1 }), 'accept')).toHaveLength(2);
    // Slot 1 in flight: the next commands wait, although the window has room.
    for (let i = 2; i <= 4; i++) expect(sends(client(n, i, { op: 'write', key: 'a', value: i }), 'accept')).toHaveLength(0);
    expect(Object.keys(n.state.volatile.proposals)).toEqual(['1']);
    // Slot 1 chosen: everything queued goes out in one slot.
    const accepts = sends(deliver(n, 'n2', { type: 'accepted', ballot: b, slot: 1 }), 'accept').filter((s) => s.to === 'n2');
    expect(accepts.map((a) => a.msg)).toMatchObject([{ slot: 2, value: [{ id: 'n1:1:2' }, { id: 'n1:1:3' }, { id: 'n1:1:4' }] }]);
    // A full batch does not wait for the slot in flight.
    for (let i = 5; i <= 7; i++) expect(sends(client(n, i, { op: 'write', key: 'a', value: i }), 'accept')).toHaveLength(0);
    expect(sends(client(n, 8, { op: 'write', key: 'a', value: 8 }), 'accept').filter((s) => s.to === 'n2').map((a) => a.msg)).toMatchObject([{ slot: 3, value: [{ id: 'n1:1:5' }, { id: 'n1:1:6' }, { id: 'n1:1:7' }, { id: 'n1:1:8' }] }]);
    expect(n.state.volatile.queue).toEqual([]);
  });

  it('gathers forwarded commands the same way, and only a decision (not every ack) proposes the next slot', () => {
    const n = node('n1', ['n1', 'n2', 'n3', 'n4', 'n5'], null, { maxInflight: 8 });
    fire(n, 'campaign');
    const b = n.state.volatile.ballot;
    deliver(n, 'n2', { type: 'promise', ballot: b, slot: 1, decided: [], accepted: [] });
    deliver(n, 'n3', { type: 'promise', ballot: b, slot: 1, decided: [], accepted: [] });
    expect(n.state.volatile.role).toBe('leader');
    const forward = (from: string, i: number) => deliver(n, from, { type: 'forward', ballot: b, id: `${from}:1:${i}`, command: { op: 'write', key: 'a', value: i } });
    expect(sends(forward('n2', 1), 'accept')).toHaveLength(4); // idle: at once
    // Slot 1 in flight: forwarded commands wait, as the leader's own clients' do.
    expect(sends(forward('n3', 2), 'accept')).toHaveLength(0);
    expect(sends(forward('n4', 3), 'accept')).toHaveLength(0);
    // The first ack of five nodes decides nothing, so it proposes nothing.
    expect(sends(deliver(n, 'n2', { type: 'accepted', ballot: b, slot: 1 }), 'accept')).toHaveLength(0);
    // The quorum's ack decides slot 1: everything queued goes out in one slot.
    const accepts = sends(deliver(n, 'n3', { type: 'accepted', ballot: b, slot: 1 }), 'accept').filter((s) => s.to === 'n2');
    expect(accepts.map((a) => a.msg)).toMatchObject([{ slot: 2, value: [{ id: 'n3:1:2' }, { id: 'n4:1:3' }] }]);
  });

  it('a command left queued is proposed by the next heartbeat tick even if no ack ever comes', () => {
    const n = node('n1', ['n1', 'n2', 'n3'], null, { maxInflight: 8 });
    fire(n, 'campaign');
    deliver(n, 'n2', { type: 'promise', ballot: n.state.volatile.ballot, slot: 1, decided: [], accepted: [] });
    client(n, 1, { op: 'write', key: 'a', value: 1 });
    client(n, 2, { op: 'write', key: 'a', value: 2 });
    expect(n.state.volatile.queue).toHaveLength(1);
    const accepts = sends(fire(n, 'heartbeat'), 'accept').filter((s) => s.to === 'n2' && (s.msg as { slot: number }).slot === 2);
    expect(accepts).toHaveLength(1);
    expect(n.state.volatile.queue).toEqual([]);
  });

  it('early-ack (planted bug) acknowledges a write before any quorum accepted it', () => {
    const n = node('n1', undefined, 'early-ack');
    fire(n, 'campaign');
    deliver(n, 'n2', { type: 'promise', ballot: n.state.volatile.ballot, slot: 1, decided: [], accepted: [] });
    expect(replies(client(n, 1, { op: 'write', key: 'a', value: 1 }))).toEqual([{ id: 1, result: { type: 'ok' } }]);
    const correct = node('n1');
    fire(correct, 'campaign');
    deliver(correct, 'n2', { type: 'promise', ballot: correct.state.volatile.ballot, slot: 1, decided: [], accepted: [] });
    expect(replies(client(correct, 1, { op: 'write', key: 'a', value: 1 }))).toEqual([]);
  });

  it('retransmits unacknowledged accepts on the heartbeat timer, with back-off', () => {
    const c = new Cluster();
    c.elect('n1');
    c.cut.add('n1-n2');
    c.cut.add('n1-n3');
    c.client('n1', 1, { op: 'write', key: 'a', value: 1 });
    c.settle();
    expect(c.replies).toEqual([]);
    c.cut.clear();
    c.fire('n1', 'heartbeat'); // one heartbeat without a quorum: not yet (it may just be slow)
    c.settle();
    expect(c.replies).toEqual([]);
    c.fire('n1', 'heartbeat'); // the second: resend
    c.settle();
    expect(c.replies).toEqual([{ node: 'n1', id: 1, result: { type: 'ok' } }]);
  });

  it('gives the slots it re-proposes at election the same two heartbeats before it resends them', () => {
    const n = node('n1');
    fire(n, 'election');
    fire(n, 'campaign');
    const b = n.state.volatile.ballot;
    deliver(n, 'n2', { type: 'promise', ballot: b, slot: 1, decided: [], accepted: [[1, [0, 'n3'], w('x:1:1', 'a', 1)]] });
    expect(n.state.volatile.role).toBe('leader');
    expect(sends(fire(n, 'heartbeat'), 'accept')).toEqual([]); // one heartbeat: it may just be slow
    expect(sends(fire(n, 'heartbeat'), 'accept').map((s) => s.to).sort()).toEqual(['n2', 'n3']);
  });

  it("writes a decision's record in the same step as the accept it proposes next (one fsync, not two)", () => {
    const c = new Cluster(['n1', 'n2', 'n3'], null, { maxInflight: 1 });
    c.elect('n1');
    const leader = c.get('n1');
    const first = client(leader, 1, { op: 'write', key: 'a', value: 1 });
    client(leader, 2, { op: 'write', key: 'b', value: 2 }); // queued: the window is full
    const accept = sends(first, 'accept').find((s) => s.to === 'n2')!.msg;
    const ack = sends(deliver(c.get('n2'), 'n1', accept), 'accepted')[0].msg;
    const effects = deliver(leader, 'n2', ack);
    const slot = (accept as { slot: number }).slot;
    expect(persists(effects).map((r) => [r.t, 's' in r ? r.s : null]).sort()).toEqual([['accept', slot + 1], ['decide', slot]]);
  });

  it('a decision that frees a pipeline slot proposes a part-full batch though other slots are still in flight', () => {
    const c = new Cluster(['n1', 'n2', 'n3'], null, { maxInflight: 3 });
    c.elect('n1');
    const leader = c.get('n1');
    const slotsOf = (effects: ReturnType<typeof client>) => sends(effects, 'accept').filter((s) => s.to === 'n2').map((s) => (s.msg as { slot: number }).slot);
    const first = client(leader, 1, { op: 'write', key: 'a', value: 1 }); // idle: proposed at once
    const [a] = slotsOf(first);
    expect(slotsOf(client(leader, 2, { op: 'write', key: 'b', value: 2 }))).toEqual([]); // gathers
    expect(slotsOf(fire(leader, 'heartbeat'))).toEqual([a + 1]); // a tick proposes it
    expect(slotsOf(client(leader, 3, { op: 'write', key: 'c', value: 3 }))).toEqual([]); // gathers
    const accept = sends(first, 'accept').find((s) => s.to === 'n2')!.msg;
    const ack = sends(deliver(c.get('n2'), 'n1', accept), 'accepted')[0].msg;
    expect(slotsOf(deliver(leader, 'n2', ack))).toEqual([a + 2]); // slot a decided, a+1 still in flight
  });
});
