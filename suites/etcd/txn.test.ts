/**
 * The etcd txn construction (txn.ts): planTxn on snapshots given by hand (reads see the txn's
 * own writes, every touched key is compared, lists are JSON arrays), then against one real etcd
 * member: the client's txns, and a commit from a stale snapshot refused by etcd (nothing written)
 * whether the stale key was written, only read, or absent when read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MicroOp, Op } from '../../index.js';
import { EtcdTxnClient } from './client.js';
import { connectEtcd } from './connect.js';
import { etcdTestsRun, TestCluster } from './test-cluster.js';
import { planTxn, type Seen } from './txn.js';

const seen = (entries: Array<[number, string | null, string]>) => new Map<number, Seen>(entries.map(([k, value, modRevision]) => [k, { value, modRevision }]));
const text = (b: Buffer | undefined) => b?.toString();

describe('planTxn', () => {
  it('append: reads see the stored list and the txn\'s own appends; puts the JSON list; compares every touched key', () => {
    const mops: MicroOp[] = [['r', 1, null], ['append', 1, 3], ['r', 1, null], ['r', 2, null], ['append', 3, 1]];
    const plan = planTxn('append', mops, seen([[1, '[1,2]', '7'], [2, '[5]', '4'], [3, null, '0']]));
    expect(plan.completed).toEqual([['r', 1, [1, 2]], ['append', 1, 3], ['r', 1, [1, 2, 3]], ['r', 2, [5]], ['append', 3, 1]]);
    expect(plan.writes).toBe(true);
    expect(plan.commit.compare!.map((c) => [text(c.key), c.target, c.result, c.mod_revision])).toEqual([
      ['elle-1', 'Mod', 'Equal', '7'],
      ['elle-2', 'Mod', 'Equal', '4'],
      ['elle-3', 'Mod', 'Equal', '0'],
    ]);
    expect(plan.commit.success!.map((r) => [text(r.request_put?.key), text(r.request_put?.value)])).toEqual([
      ['elle-1', '[1,2,3]'],
      ['elle-3', '[1]'],
    ]);
  });

  it('wr: a read of an absent register is null, a read after a write sees it; the last write is put', () => {
    const mops: MicroOp[] = [['r', 1, null], ['w', 1, 4], ['w', 1, 5], ['r', 1, null]];
    const plan = planTxn('wr', mops, seen([[1, null, '0']]));
    expect(plan.completed).toEqual([['r', 1, null], ['w', 1, 4], ['w', 1, 5], ['r', 1, 5]]);
    expect(plan.commit.success!.map((r) => text(r.request_put?.value))).toEqual(['5']);
  });

  it('reads only: nothing to commit', () => {
    expect(planTxn('wr', [['r', 1, null]], seen([[1, '3', '9']]))).toMatchObject({ completed: [['r', 1, 3]], writes: false });
  });
});

let n = 0;
const txn = (mops: MicroOp[]): Op => ({ index: n++, time: 0, process: 0, type: 'invoke', f: 'txn', value: mops });

describe.skipIf(!etcdTestsRun)('etcd txns on a real member', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await TestCluster.start(['n1']);
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('append: txns apply atomically and read back as lists', async () => {
    const client = new EtcdTxnClient(3000, 'append');
    await client.open(c.endpoint('n1'));
    expect(await client.invoke(txn([['append', 1, 1], ['append', 2, 1]]))).toMatchObject({ type: 'ok' });
    expect(await client.invoke(txn([['r', 1, null], ['append', 1, 2], ['r', 2, null], ['r', 9, null]]))).toEqual({
      type: 'ok',
      value: [['r', 1, [1]], ['append', 1, 2], ['r', 2, [1]], ['r', 9, []]],
      node: 'n1',
    });
    expect(await client.invoke(txn([['r', 1, null]]))).toMatchObject({ type: 'ok', value: [['r', 1, [1, 2]]] });
    await client.close();
  });

  it('a commit from a stale snapshot is refused, and writes nothing, whether the key moved was written, only read, or absent', async () => {
    const etcd = await connectEtcd(c.endpoint('n1').clientUrl, 3000);
    const put = (k: number, v: string) => etcd.put(`elle-${k}`).value(v);
    const modOf = async (k: number) => String((await etcd.get(`elle-${k}`).exec()).kvs[0]?.mod_revision ?? '0');
    await put(20, '1');
    await put(21, '1');
    const before = seen([[20, '1', await modOf(20)], [21, '1', await modOf(21)], [22, null, '0'], [23, null, '0']]);
    const stale = [
      planTxn('wr', [['w', 20, 2]], before), // the written key moves
      planTxn('wr', [['r', 21, null], ['w', 23, 3]], before), // a key only read moves (else: write skew)
      planTxn('wr', [['r', 22, null], ['w', 23, 4]], before), // a key read as absent appears
    ];
    await put(20, '9');
    await put(21, '9');
    await put(22, '9');
    for (const plan of stale) expect((await etcd.kv.txn(plan.commit)).succeeded).toBe(false);
    expect([await etcd.get('elle-20').string(), await etcd.get('elle-23').string()]).toEqual(['9', null]);
    // The same txn from a fresh snapshot commits.
    const fresh = planTxn('wr', [['r', 21, null], ['w', 23, 3]], seen([[21, '9', await modOf(21)], [23, null, '0']]));
    expect((await etcd.kv.txn(fresh.commit)).succeeded).toBe(true);
    expect(await etcd.get('elle-23').string()).toBe('3');
    etcd.close();
  });
});
