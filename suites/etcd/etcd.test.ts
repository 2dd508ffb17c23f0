/**
 * The etcd suite against 3 real etcd members started directly (test-cluster.ts): the clients'
 * ops and outcome mapping, the Db's leader and digests, restart from the data dir. Skipped only
 * when no etcd binary exists and JEPSEN_TS_REQUIRE_ETCD is unset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Op } from '../../index.js';
import { ACCOUNTS, TOTAL } from '../../index.js';
import { judgeDigests } from './agreement.js';
import { EtcdBankClient, EtcdKvClient, EtcdSetClient } from './client.js';
import { etcdDb } from './db.js';
import { etcdTestsRun, TestCluster } from './test-cluster.js';

let n = 0;
const op = (f: string, value: unknown, key?: string): Op => ({ index: n++, time: 0, process: 0, type: 'invoke', f, value, ...(key ? { key } : {}) }) as Op;

describe.skipIf(!etcdTestsRun)('etcd suite on 3 real members', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await TestCluster.start();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('kv: read, write, a cas that applies and one that does not', async () => {
    const k = new EtcdKvClient(3000);
    await k.open(c.endpoint('n1'));
    expect(await k.invoke(op('read', null, 'k1'))).toEqual({ type: 'ok', value: null, node: 'n1' });
    expect((await k.invoke(op('write', 3, 'k1'))).type).toBe('ok');
    expect((await k.invoke(op('cas', [3, 4], 'k1'))).type).toBe('ok');
    expect(await k.invoke(op('cas', [3, 5], 'k1'))).toMatchObject({ type: 'fail', error: 'cas-mismatch' });
    expect(await k.invoke(op('cas', [1, 2], 'absent'))).toMatchObject({ type: 'fail', error: 'cas-mismatch' });
    // Another member sees the write (linearizable reads).
    const other = new EtcdKvClient(3000);
    await other.open(c.endpoint('n3'));
    expect(await other.invoke(op('read', null, 'k1'))).toMatchObject({ type: 'ok', value: 4 });
    await Promise.all([k.close(), other.close()]);
  });

  it('set: adds, then one read of every element', async () => {
    const s = new EtcdSetClient(3000);
    await s.open(c.endpoint('n2'));
    for (const v of [2, 0, 11]) expect((await s.invoke(op('add', v))).type).toBe('ok');
    expect(await s.invoke(op('read', null))).toMatchObject({ type: 'ok', value: [0, 2, 11] });
    await s.close();
  });

  it('bank: accounts open once however often, transfers keep the total', async () => {
    const b = new EtcdBankClient(3000);
    await b.open(c.endpoint('n1'));
    await b.openAccounts(AbortSignal.timeout(10_000));
    await b.openAccounts(AbortSignal.timeout(10_000));
    expect((await b.invoke(op('transfer', { from: ACCOUNTS[0], to: ACCOUNTS[1], amount: 5 }))).type).toBe('ok');
    expect(await b.invoke(op('transfer', { from: ACCOUNTS[2], to: ACCOUNTS[1], amount: 999 }))).toMatchObject({ type: 'fail', error: 'insufficient-funds' });
    const read = await b.invoke(op('read', null));
    const balances = read.value as Record<string, number>;
    expect(balances[ACCOUNTS[0]]).toBe(15);
    expect(Object.values(balances).reduce((a, x) => a + x, 0)).toBe(TOTAL);
    await b.close();
  });

  it('leader: every member names the same one, by name', async () => {
    const seen = await Promise.all(c.endpoints.map((e) => etcdDb.leader!(e.clientUrl)));
    expect(new Set(seen).size).toBe(1);
    expect(['n1', 'n2', 'n3']).toContain(seen[0]);
  });

  it('digests: equal on every member of a healthy cluster, and the checker says valid', async () => {
    const states = Object.fromEntries(await Promise.all(c.endpoints.map(async (e) => [e.name, await etcdDb.stateDigests!(e.clientUrl)] as const)));
    const revs = Object.values(states).map((s) => s.digests.at(-1)!.index);
    expect(new Set(revs).size).toBe(1);
    expect(revs[0]).toBeGreaterThan(1);
    expect(judgeDigests(states)).toMatchObject({ valid: true, comparedRevisions: [revs[0]] });
  });

  it('a member killed mid-request: the write is info; on the dead member reads and writes fail; it restarts from its data dir', async () => {
    const k = new EtcdKvClient(5000);
    await k.open(c.endpoint('n3'));
    expect((await k.invoke(op('write', 1, 'k2'))).type).toBe('ok'); // connected
    // Stopped, the member takes the request but never answers; killed, the connection drops after sending.
    const pid = c.pid('n3');
    process.kill(pid, 'SIGSTOP');
    const pending = k.invoke(op('write', 2, 'k2'));
    await new Promise((r) => setTimeout(r, 300));
    await c.kill('n3');
    const out = await pending;
    // Twice in CI under load the write was answered ok (the member served it before the stop took
    // hold, or the request was retried): what must never happen is a definite fail of a sent write.
    expect(['info', 'ok']).toContain(out.type);
    // Now nothing listens: the request is never sent.
    expect(await k.invoke(op('write', 3, 'k2'))).toMatchObject({ type: 'fail', error: expect.stringMatching(/ECONNREFUSED|No connection established/) });
    expect((await k.invoke(op('read', null, 'k2'))).type).toBe('fail');
    await c.startNode('n3');
    let read = await k.invoke(op('read', null, 'k2'));
    for (let i = 0; i < 30 && read.type !== 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      read = await k.invoke(op('read', null, 'k2'));
    }
    // The info write may have taken effect (that is what info means): on a loaded machine the
    // second write was once seen committed after the restart (value 2). Either value proves the
    // member came back from its data dir; null would mean it lost the acknowledged write.
    expect(read.type).toBe('ok');
    expect([1, 2]).toContain(read.value);
    await k.close();
    const states = Object.fromEntries(await Promise.all(c.endpoints.map(async (e) => [e.name, await etcdDb.stateDigests!(e.clientUrl)] as const)));
    expect(judgeDigests(states).valid).toBe(true);
  });
});
