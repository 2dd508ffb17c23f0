/** Client paths: forwarding, dedup, read index, honest answers on leadership loss, read bugs. */
import { describe, expect, it } from 'vitest';
import { Cluster, client, deliver, fire, node, replies, sends } from './testkit.js';

describe('clients at any node', () => {
  it('a node that knows no leader fails the command (nothing was proposed)', () => {
    const n = node('n2');
    expect(replies(client(n, 1, { op: 'write', key: 'a', value: 1 }))).toEqual([
      { id: 1, result: { type: 'fail', error: 'not-leader', leader: null } },
    ]);
  });

  it('a follower forwards to the leader and relays the answer', () => {
    const c = new Cluster();
    c.elect('n1');
    c.fire('n1', 'heartbeat');
    c.settle(); // followers now know n1
    c.client('n2', 7, { op: 'write', key: 'a', value: 1 });
    c.client('n3', 8, { op: 'read', key: 'a' });
    c.settle();
    c.fire('n1', 'heartbeat'); // confirms the read round
    c.settle();
    expect(c.replies).toEqual([
      { node: 'n2', id: 7, result: { type: 'ok' } },
      { node: 'n3', id: 8, result: { type: 'ok', value: 1 } },
    ]);
  });

  it('applies a command once even if its forward is duplicated, and answers the duplicate from the dedup table', () => {
    const c = new Cluster();
    c.elect('n1');
    const n1 = c.get('n1');
    const ballot = n1.state.volatile.ballot;
    const fwd = { type: 'forward' as const, ballot, id: 'n2:1:5', command: { op: 'cas' as const, key: 'a', from: null, to: 1 } };
    c.absorb('n1', deliver(n1, 'n2', fwd));
    c.absorb('n1', deliver(n1, 'n2', fwd)); // duplicated by the network while in flight
    expect(Object.keys(n1.state.volatile.proposals)).toHaveLength(1);
    c.settle();
    const late = deliver(n1, 'n2', fwd); // a very late copy, after it was applied
    expect(sends(late, 'forwardReply')[0].msg).toMatchObject({ result: { type: 'ok' } });
    expect(Object.keys(n1.state.volatile.proposals)).toHaveLength(0);
    expect(n1.state.volatile.kv).toEqual({ 'k:a': 1 });
    // The decided log holds it once.
    const decided = Object.values(n1.state.durable.decided).flatMap((v) => v ?? []);
    expect(decided.filter((e) => e.id === 'n2:1:5')).toHaveLength(1);
  });

  it('a forward for a ballot the node no longer leads is unknown (a copy may have been proposed); a read fails', () => {
    const n = node('n1');
    const write = deliver(n, 'n2', { type: 'forward', ballot: [3, 'n1'], id: 'n2:1:1', command: { op: 'write', key: 'a', value: 1 } });
    expect(sends(write)[0].msg).toMatchObject({ type: 'forwardReply', result: { type: 'unknown' } });
    const read = deliver(n, 'n2', { type: 'forward', ballot: [3, 'n1'], id: 'n2:1:2', command: { op: 'read', key: 'a' } });
    expect(sends(read)[0].msg).toMatchObject({ type: 'forwardReply', result: { type: 'fail', error: 'not-leader' } });
  });

  it('a deposed leader answers proposed commands unknown and never-proposed ones fail', () => {
    const n = node('n1', ['n1', 'n2', 'n3'], null, { maxInflight: 1 });
    fire(n, 'campaign');
    deliver(n, 'n2', { type: 'promise', ballot: n.state.volatile.ballot, slot: 1, decided: [], accepted: [] });
    client(n, 1, { op: 'write', key: 'a', value: 1 }); // proposed in slot 1
    client(n, 2, { op: 'write', key: 'a', value: 2 }); // queued behind the full pipeline
    client(n, 3, { op: 'read', key: 'a' }); // waiting for a read round
    const effects = deliver(n, 'n3', { type: 'prepare', ballot: [9, 'n3'], slot: 1 });
    expect(n.state.volatile.role).toBe('follower');
    expect(replies(effects).sort((a, b) => a.id - b.id)).toEqual([
      { id: 1, result: { type: 'unknown', error: 'leadership-lost' } },
      { id: 2, result: { type: 'fail', error: 'not-leader', leader: null } },
      { id: 3, result: { type: 'fail', error: 'not-leader', leader: null } },
    ]);
  });

  it('gives every command a unique id across restarts (the incarnation is persisted)', () => {
    const c = new Cluster();
    c.elect('n1');
    c.client('n1', 1, { op: 'write', key: 'a', value: 1 });
    c.settle();
    c.restart('n1');
    expect(c.get('n1').state.durable.incarnation).toBe(2);
    c.elect('n1');
    c.client('n1', 1, { op: 'write', key: 'a', value: 2 }); // request id 1 again, new incarnation
    c.settle();
    expect(c.get('n2').state.volatile.kv).toEqual({ 'k:a': 2 });
  });
});

describe('linearizable reads (read index)', () => {
  it('answers only after a quorum confirmed the round and the index is applied', () => {
    const n = node('n1');
    fire(n, 'campaign');
    deliver(n, 'n2', { type: 'promise', ballot: n.state.volatile.ballot, slot: 1, decided: [], accepted: [] });
    const b = n.state.volatile.ballot;
    deliver(n, 'n2', { type: 'heartbeatAck', ballot: b, seq: 1 }); // ends the first round (no reads)
    client(n, 1, { op: 'write', key: 'a', value: 1 }); // slot 1, not yet chosen
    const started = client(n, 2, { op: 'read', key: 'a' });
    const hb = sends(started, 'heartbeat');
    expect(hb).toHaveLength(2);
    const seq = (hb[0].msg as { seq: number }).seq;
    expect(replies(client(n, 3, { op: 'read', key: 'a' }))).toEqual([]); // joins the next round
    expect(replies(deliver(n, 'n3', { type: 'heartbeatAck', ballot: b, seq }))).toEqual([]); // confirmed, slot 1 not applied
    const effects = deliver(n, 'n3', { type: 'accepted', ballot: b, slot: 1 });
    expect(replies(effects)).toEqual([
      { id: 1, result: { type: 'ok' } },
      { id: 2, result: { type: 'ok', value: 1 } },
    ]);
    // The second read's round started when the first ended; an ack from an older ballot does not count.
    expect(replies(deliver(n, 'n2', { type: 'heartbeatAck', ballot: [0, 'n1'], seq: seq + 1 }))).toEqual([]);
    expect(replies(deliver(n, 'n2', { type: 'heartbeatAck', ballot: b, seq: seq + 1 }))).toEqual([{ id: 3, result: { type: 'ok', value: 1 } }]);
  });

  it('stale-read (planted bug): a follower answers from its local state', () => {
    const bug = node('n2', undefined, 'stale-read');
    expect(replies(client(bug, 1, { op: 'read', key: 'a' }))).toEqual([{ id: 1, result: { type: 'ok', value: null } }]);
    const correct = node('n2');
    expect(replies(client(correct, 1, { op: 'read', key: 'a' }))[0].result.type).toBe('fail');
  });

  it('lease-skew (planted bug): a follower times the leader out by its wall clock', () => {
    const n = node('n2', undefined, 'lease-skew');
    deliver(n, 'n1', { type: 'heartbeat', ballot: [1, 'n1'], commit: 0, seq: 1 }, 1000);
    // Monotonic time says the timer fired, but the wall clock says the lease holds: wait.
    expect(fire(n, 'election', 0.5, 1100)).toEqual([{ type: 'setTimer', name: 'election', ms: 50 }]);
    // A wall clock jumped forward: the follower believes the lease expired and backs off to campaign.
    expect(fire(n, 'election', 0.5, 5000)).toContainEqual({ type: 'setTimer', name: 'campaign', ms: 101 });
  });

  it('lease-skew (planted bug): the leader answers locally while its wall clock says the lease holds', () => {
    const n = node('n1', undefined, 'lease-skew');
    fire(n, 'campaign', 0.5, 1000);
    deliver(n, 'n2', { type: 'promise', ballot: n.state.volatile.ballot, slot: 1, decided: [], accepted: [] }, 1000);
    deliver(n, 'n2', { type: 'heartbeatAck', ballot: n.state.volatile.ballot, seq: 1 }, 1000); // lease until 1200
    expect(replies(client(n, 1, { op: 'read', key: 'a' }, 1100))).toEqual([{ id: 1, result: { type: 'ok', value: null } }]);
    expect(replies(client(n, 2, { op: 'read', key: 'a' }, 1300))).toEqual([]); // expired: a quorum round
    // Correct mode never reads the wall clock.
    const c = node('n1');
    fire(c, 'campaign', 0.5, 1000);
    deliver(c, 'n2', { type: 'promise', ballot: c.state.volatile.ballot, slot: 1, decided: [], accepted: [] }, 1000);
    deliver(c, 'n2', { type: 'heartbeatAck', ballot: c.state.volatile.ballot, seq: 1 }, 1000);
    expect(replies(client(c, 1, { op: 'read', key: 'a' }, 1100))).toEqual([]);
  });
});
