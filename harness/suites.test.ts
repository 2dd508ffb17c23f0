import { describe, expect, it } from 'vitest';
import { UsageError } from '../ground/runtime.js';
import { paxosTest } from '../paxos/suite.js';
import { replayCommand, toTestConfig } from './options.js';
import { builtinSuite, definitionOfRun, resolveDefinition } from './suites.js';

describe('--db: the built-in suites', () => {
  it('paxos by default; an unknown name lists the choices; --db with --test is refused', async () => {
    expect((await resolveDefinition({})).definition).toBe(paxosTest);
    expect((await resolveDefinition({ db: 'paxos' })).source).toEqual({ db: 'paxos' });
    await expect(builtinSuite('mongo')).rejects.toThrow(/^unknown db "mongo" \(built-in: paxos, etcd; or --test PATH for your own\)$/);
    await expect(resolveDefinition({ db: 'paxos', test: 'x.ts' })).rejects.toThrow(UsageError);
  });

  it('paxos offers the transactional workloads too', () => {
    expect(Object.keys(paxosTest.workloads)).toEqual(['register', 'kv', 'set', 'bank', 'append', 'wr']);
    expect(toTestConfig({ workload: 'append', bug: 'stale-txn-read' }, paxosTest, { db: 'paxos' })).toMatchObject({ workload: 'append', bug: 'stale-txn-read' });
  });

  it('--etcd-binary: the etcd Db runs it (missing: one line naming the package); with another suite a usage error', async () => {
    const etcd = await builtinSuite('etcd', { 'etcd-binary': '/nonexistent/etcd' });
    expect(() => etcd.db.preflight!()).toThrow(/^etcd binary \/nonexistent\/etcd is not executable \(install Debian's etcd-server/);
    await expect(builtinSuite('paxos', { 'etcd-binary': '/usr/bin/etcd' })).rejects.toThrow(/^--etcd-binary is for --db etcd, not paxos$/);
  });

  it('etcd loads when chosen', async () => {
    const etcd = await builtinSuite('etcd');
    expect(etcd.name).toBe('etcd');
    expect(Object.keys(etcd.workloads)).toEqual(['register', 'kv', 'set', 'bank', 'append', 'wr']);
  });

  it('a stored run finds its definition again (runs older than --db are paxos)', async () => {
    expect(await definitionOfRun({})).toBe(paxosTest);
    expect(await definitionOfRun({ db: 'paxos' })).toBe(paxosTest);
  });
});

describe('the definition drives the config', () => {
  const other = { ...paxosTest, name: 'kvs', bugs: undefined, workloads: { set: paxosTest.workloads.set!, kv: paxosTest.workloads.kv! }, defaults: { nodes: 3, nemesis: 'kill', 'time-limit': 7 } };

  it("workload: one of its own, default its first; bugs: its own; defaults under the user's flags", () => {
    const c = toTestConfig({ 'time-limit': '9' }, other, { test: '/abs/kvs.ts' });
    expect(c).toMatchObject({ workload: 'set', nodes: ['n1', 'n2', 'n3'], nemesis: ['kill'], timeLimitMs: 9000, name: 'kvs-set-kill', test: '/abs/kvs.ts', flags: { 'time-limit': '9' } });
    expect(c.db).toBeUndefined();
    expect(replayCommand(c)).toMatch(/^jepsen-ts test --test \/abs\/kvs\.ts --workload set /);
    expect(() => toTestConfig({ workload: 'register' }, other, { test: '/abs/kvs.ts' })).toThrow(/^unknown workload "register" \(known: set, kv\)$/);
    expect(() => toTestConfig({ bug: 'early-ack' }, other, { test: '/abs/kvs.ts' })).toThrow(/^--bug: kvs has no planted bugs$/);
    expect(toTestConfig({ nodes: '5' }, other, { db: 'kvs' })).toMatchObject({ nodes: ['n1', 'n2', 'n3', 'n4', 'n5'], db: 'kvs', name: 'kvs-set-kill' });
  });

  it('paxos keeps its names and its replay names --db paxos', () => {
    const c = toTestConfig({ bug: 'early-ack', nemesis: 'partition' }, paxosTest);
    expect(c).toMatchObject({ name: 'register-partition-early-ack', db: 'paxos', bug: 'early-ack' });
    expect(replayCommand(c)).toMatch(/^jepsen-ts test --db paxos --workload register /);
  });
});
