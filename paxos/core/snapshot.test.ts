/** Snapshots and log compaction: what is kept, restart from a snapshot, catch-up by snapshot. */
import { describe, expect, it } from 'vitest';
import { initState, walCarry } from './index.js';
import type { Rec } from './messages.js';
import { Cluster, deliver, fire, node, persists, sends } from './testkit.js';

const EVERY = 4;
const write = (i: number) => ({ op: 'write' as const, key: `k${i % 3}`, value: i });

/**
 * A 3-node cluster (one command per slot) with n1 leading and `slots` writes decided; a
 * heartbeat round at the end writes every node's deferred decide records.
 */
function cluster(slots: number, snapshotEvery = EVERY): Cluster {
  const c = new Cluster(['n1', 'n2', 'n3'], null, { maxBatch: 1, snapshotEvery });
  c.elect('n1');
  for (let i = 1; i <= slots; i++) {
    c.client('n1', i, write(i));
    c.settle();
  }
  c.fire('n1', 'heartbeat');
  c.settle();
  return c;
}

describe('snapshots', () => {
  it('every snapshotEvery applied slots: a snap record, the log kept from the previous snapshot on', () => {
    const c = cluster(10);
    const n1 = c.get('n1');
    const d = n1.state.durable;
    expect(n1.state.volatile.commitIndex).toBe(10);
    expect(d.snapIndex).toBe(8);
    expect(d.logFrom).toBe(5);
    expect(Object.keys(d.decided).map(Number)).toEqual([5, 6, 7, 8, 9, 10]);
    const snap = n1.records[0] as Extract<Rec, { t: 'snap' }>;
    expect(snap).toMatchObject({ t: 'snap', i: 8, from: 5 });
    // The records behind it are exactly the carry: boot, base, promise, kept decided slots.
    expect(n1.records.slice(1, 3)).toEqual([{ t: 'boot', inc: 1 }, { t: 'base', i: 8 }]);
  });

  it('a restart from the snapshot and the compacted WAL rebuilds the same state', () => {
    const c = cluster(13);
    for (const id of ['n1', 'n2', 'n3']) {
      const before = c.get(id).state;
      c.restart(id);
      const after = c.get(id).state;
      expect(after.volatile.commitIndex).toBe(before.volatile.commitIndex);
      expect(after.volatile.kv).toEqual(before.volatile.kv);
      expect(after.volatile.dedup).toEqual(before.volatile.dedup);
      expect(after.durable.promised).toEqual(before.durable.promised);
      expect(after.durable.decided).toEqual(before.durable.decided);
      expect(after.durable.logFrom).toBe(before.durable.logFrom);
    }
    // And the cluster goes on: a new leader, more writes, all replicas agree.
    c.elect('n2');
    c.client('n2', 100, write(100));
    c.settle();
    const kv = c.get('n2').state.volatile.kv;
    expect(kv['k:k1']).toBe(100);
    c.fire('n2', 'heartbeat');
    c.settle();
    for (const id of ['n1', 'n3']) expect(c.get(id).state.volatile.kv).toEqual(kv);
  });

  it('a crash between the snapshot file and the WAL rewrite: the snapshot and the old, whole WAL', () => {
    const plain = cluster(0).get('n2'); // records with no snapshot yet
    const c = cluster(9);
    const n2 = c.get('n2');
    const snap = n2.records[0];
    // All of n2's records as if never compacted: the same run without snapshots.
    const full = cluster(9, 0);
    const s = initState(n2.config, [snap, ...full.get('n2').records]);
    expect(s.volatile.commitIndex).toBe(n2.state.volatile.commitIndex);
    expect(s.volatile.kv).toEqual(n2.state.volatile.kv);
    expect(s.durable.snapIndex).toBe(8);
    expect(plain.state.durable.snapIndex).toBe(0);
  });

  it('refuses a compacted WAL whose snapshot is missing', () => {
    const n1 = cluster(9).get('n1');
    expect(() => initState(n1.config, n1.records.slice(1))).toThrow(/continues the snapshot of slot 8, but the snapshot is missing/);
  });

  it('the carry keeps an accepted, undecided slot above the snapshot (an acceptor never forgets it)', () => {
    const c = cluster(8);
    const n3 = c.get('n3');
    deliver(n3, 'n1', { type: 'accept', ballot: n3.state.durable.promised, slot: 12, value: null });
    const carry = walCarry(n3.config, n3.state);
    expect(carry).toContainEqual({ t: 'accept', b: n3.state.durable.promised, s: 12, v: null });
    expect(initState(n3.config, [n3.records[0], ...carry]).durable.accepted['12']).toEqual({ ballot: n3.state.durable.promised, value: null });
  });

  it('an accept for a compacted slot is acknowledged without an accept record', () => {
    const c = cluster(12);
    const n3 = c.get('n3');
    const effects = deliver(n3, 'n1', { type: 'accept', ballot: n3.state.durable.promised, slot: 2, value: null });
    expect(sends(effects, 'accepted')).toHaveLength(1);
    expect(persists(effects)).toEqual([]);
    expect(n3.state.durable.accepted['2']).toBeUndefined();
  });
});

describe('catch-up by snapshot', () => {
  it('a follower behind the leader\'s log installs its snapshot, then learns the rest', () => {
    const c = cluster(2);
    c.cut.add('n1-n3');
    c.cut.add('n2-n3');
    for (let i = 3; i <= 14; i++) {
      c.client('n1', i, write(i));
      c.settle();
    }
    expect(c.get('n3').state.volatile.commitIndex).toBe(2);
    c.cut.clear();
    c.fire('n1', 'heartbeat');
    c.settle();
    c.fire('n1', 'heartbeat');
    c.settle();
    const [n1, n3] = [c.get('n1'), c.get('n3')];
    expect(n3.state.volatile.commitIndex).toBe(n1.state.volatile.commitIndex);
    expect(n3.state.volatile.kv).toEqual(n1.state.volatile.kv);
    expect(n3.state.volatile.dedup).toEqual(n1.state.volatile.dedup);
    // It persisted the installed state as its own snapshot: a restart keeps it.
    expect(n3.records[0]).toMatchObject({ t: 'snap' });
    c.restart('n3');
    expect(c.get('n3').state.volatile.kv).toEqual(n1.state.volatile.kv);
  });

  it('a candidate behind a peer\'s log gets its snapshot instead of a promise, and campaigns again from above it', () => {
    const c = cluster(2);
    c.cut.add('n1-n3');
    c.cut.add('n2-n3');
    for (let i = 3; i <= 14; i++) {
      c.client('n1', i, write(i));
      c.settle();
    }
    c.cut.clear();
    c.cut.add('n1-n3'); // n3 hears only n2
    const n3 = c.get('n3');
    const campaign = [...c.get('n3').records];
    c.fire('n3', 'election');
    c.fire('n3', 'campaign');
    expect(campaign.length).toBeGreaterThan(0);
    // Deliver n3's prepare to n2 by hand: n2 answers with a snapshot, not a promise.
    const prepare = { type: 'prepare' as const, ballot: n3.state.volatile.ballot, slot: 3 };
    const answer = deliver(c.get('n2'), 'n3', prepare);
    expect(sends(answer, 'promise')).toEqual([]);
    const snapshot = sends(answer, 'snapshot')[0].msg;
    const effects = deliver(n3, 'n2', JSON.parse(JSON.stringify(snapshot)));
    expect(n3.state.volatile.commitIndex).toBe(c.get('n2').state.volatile.commitIndex);
    const again = sends(effects, 'prepare');
    expect(again.length).toBe(2);
    expect(again[0].msg).toMatchObject({ slot: n3.state.volatile.commitIndex + 1 });
  });
});

describe('node()', () => {
  it('a fresh node has no snapshot', () => {
    expect(node('n1').state.durable).toMatchObject({ snapIndex: 0, logFrom: 1 });
  });
});

describe('a campaign during which the candidate caught up past two snapshots', () => {
  it('its new leadership proposes nothing at or below its commit index (those slots may be compacted)', () => {
    const n3 = node('n3', ['n1', 'n2', 'n3'], null, { maxBatch: 1, snapshotEvery: 4 });
    fire(n3, 'election');
    const prepares = sends(fire(n3, 'campaign'), 'prepare');
    expect(prepares[0].msg).toMatchObject({ slot: 1 });
    const noops = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => [a + i, null] as [number, null]);
    deliver(n3, 'n1', { type: 'learn', slot: 1, entries: noops(1, 8), commit: 16 });
    deliver(n3, 'n1', { type: 'learn', slot: 9, entries: noops(9, 16), commit: 16 });
    expect(n3.state.durable.logFrom).toBe(9); // slots 1..8 compacted during the campaign
    const ballot = n3.state.volatile.ballot;
    deliver(n3, 'n2', { type: 'promise', ballot, slot: 1, accepted: [[1, [1, 'n1'], null]], decided: [] });
    const v = n3.state.volatile;
    expect(v.role).toBe('leader');
    expect(Object.keys(v.proposals).map(Number).filter((s) => s <= 16)).toEqual([]);
    expect(v.nextSlot).toBe(17);
    expect(v.inflight).toBe(0);
  });
});
