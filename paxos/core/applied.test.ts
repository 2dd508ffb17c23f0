/** The applied state's digests (GET /debug/state) and the planted skip-apply bug. */
import { describe, expect, it } from 'vitest';
import { appliedState, decidedEntries, initState, type State } from './index.js';
import { BATCH_DROP_AFTER, SKIP_APPLY_EVERY } from './learner.js';
import { Cluster, config } from './testkit.js';

/** n1 leads; `writes` writes, one per slot, to keys k0..k3 (or each to its own key). */
function run(bug: 'skip-apply' | null, writes: number, keyOf = (i: number) => `k${i % 4}`): Cluster {
  const c = new Cluster(['n1', 'n2', 'n3'], bug, { maxBatch: 1 });
  c.elect('n1');
  for (let i = 1; i <= writes; i++) c.client('n1', i, { op: 'write', key: keyOf(i), value: i });
  c.settle();
  c.fire('n1', 'heartbeat');
  c.settle();
  return c;
}

const digestsOf = (s: State) => appliedState(s).digests;

describe('applied state digests', () => {
  it('every replica reports the same digest at each applied slot, and the same contents', () => {
    const c = run(null, 40);
    const [n1, n2, n3] = ['n1', 'n2', 'n3'].map((id) => c.get(id).state);
    expect(digestsOf(n1).length).toBe(n1.volatile.commitIndex);
    expect(digestsOf(n2)).toEqual(digestsOf(n1));
    expect(digestsOf(n3)).toEqual(digestsOf(n1));
    expect(appliedState(n3).state).toEqual({ index: n1.volatile.commitIndex, kv: { k0: 40, k1: 37, k2: 38, k3: 39 } });
  });

  it('recovery recomputes the same digests from the decided log', () => {
    const c = run(null, 20);
    const n2 = c.get('n2');
    const recovered = initState(config('n2'), n2.records);
    expect(digestsOf(recovered)).toEqual(digestsOf(n2.state));
  });
});

describe('skip-apply (planted)', () => {
  it('the last node drops a write every SKIP_APPLY_EVERY slots: same decided log, different applied state', () => {
    const c = run('skip-apply', 2 * SKIP_APPLY_EVERY + 4, (i) => `key${i}`);
    const [n1, n2, n3] = ['n1', 'n2', 'n3'].map((id) => c.get(id).state);
    expect(decidedEntries(n3, 1, 1000)).toEqual(decidedEntries(n1, 1, 1000));
    expect(digestsOf(n2)).toEqual(digestsOf(n1));
    const first = digestsOf(n3).findIndex((d, i) => d.digest !== digestsOf(n1)[i].digest);
    expect(digestsOf(n3)[first].index % SKIP_APPLY_EVERY).toBe(0);
    const missing = Object.keys(appliedState(n1).state.kv).filter((k) => !(k in appliedState(n3).state.kv));
    expect(missing.length).toBe(2); // one write in each of the two hit slots
    // Its recovery replays the log correctly: a restart heals it.
    c.restart('n3');
    expect(digestsOf(c.get('n3').state)).toEqual(digestsOf(n1));
  });
});

describe('batch-drop (planted)', () => {
  /** n1 leads; `n` writes sent at once to keys b0.., so all but the first queue for one slot. */
  function burst(bug: 'batch-drop' | null, n: number): Cluster {
    const c = new Cluster(['n1', 'n2', 'n3'], bug, { maxBatch: 64 });
    c.elect('n1');
    for (let i = 0; i < n; i++) c.client('n1', 100 + i, { op: 'write', key: `b${i}`, value: i });
    c.settle();
    c.fire('n1', 'heartbeat');
    c.settle();
    return c;
  }

  it(`a slot of more than ${BATCH_DROP_AFTER} commands: those after the ${BATCH_DROP_AFTER}th are answered ok, applied nowhere`, () => {
    const n = BATCH_DROP_AFTER + 3;
    const c = burst('batch-drop', n);
    const n1 = c.get('n1').state;
    const sizes = decidedEntries(n1, 1, 100).map((e) => (e.command as unknown[] | null)?.length ?? 0);
    expect(Math.max(...sizes), String(sizes)).toBe(n - 1); // the first went alone, the rest queued behind it
    expect(c.replies.filter((r) => r.node === 'n1' && r.result.type === 'ok')).toHaveLength(n);
    for (const id of ['n1', 'n2', 'n3']) {
      const kv = appliedState(c.get(id).state).state.kv;
      // b0 alone, then b1..b4 applied; b5, b6 dropped.
      expect(Object.keys(kv).sort()).toEqual(Array.from({ length: BATCH_DROP_AFTER + 1 }, (_, i) => `b${i}`));
    }
  });

  it(`the same writes without the bug, or ${BATCH_DROP_AFTER + 1} commands in the slot with it: all applied`, () => {
    for (const [bug, n] of [[null, BATCH_DROP_AFTER + 3], ['batch-drop', BATCH_DROP_AFTER + 1]] as const) {
      const kv = appliedState(burst(bug, n).get('n2').state).state.kv;
      expect(Object.keys(kv)).toHaveLength(n);
    }
  });
});
