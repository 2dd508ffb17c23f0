/**
 * The etcd suite: the real etcd (Debian's etcd-server 3.4, or any etcd v3 binary) as a jepsen-ts
 * test, written against the public API only ('../../index.js'), as a user would write one.
 * `jepsen-ts test --db etcd` runs it. Workloads register, kv, set, bank, append, wr (client.ts, txn.ts); checkers:
 * each workload's own plus the members' keyspace agreement (agreement.ts).
 *
 * Faults: kill, pause, partition, packet, lose-unsynced, slow-disk act on etcd as on any Db. The
 * clock nemesis does NOT: it works through libfaketime (LD_PRELOAD), and Go binaries read the
 * clock through the vDSO / raw syscalls, never libc, so etcd keeps real time. etcd's raft does
 * not rely on wall-clock time for safety (leases are the exception), so this loses little.
 */
import type { TestDefinition } from '../../index.js';
import { builtinWorkloads } from '../../index.js';
import { etcdAgreementChecker } from './agreement.js';
import { EtcdBankClient, EtcdKvClient, EtcdSetClient, EtcdTxnClient } from './client.js';
import { createEtcdDb, type EtcdDbOptions } from './db.js';

/** The etcd test with a chosen binary (`--etcd-binary PATH`; default: $JEPSEN_TS_ETCD_BINARY, else etcd on PATH). */
export function etcdTestWith(opts: EtcdDbOptions = {}): TestDefinition {
  return { ...etcdTest, db: createEtcdDb(opts) };
}

export const etcdTest: TestDefinition = {
  name: 'etcd',
  db: createEtcdDb(),
  workloads: builtinWorkloads({
    kv: (opts) => new EtcdKvClient(opts.opTimeoutMs),
    set: (opts) => new EtcdSetClient(opts.opTimeoutMs),
    bank: (opts) => new EtcdBankClient(opts.opTimeoutMs),
    append: (opts) => new EtcdTxnClient(opts.opTimeoutMs, 'append'),
    wr: (opts) => new EtcdTxnClient(opts.opTimeoutMs, 'wr'),
  }),
  checkers: () => [etcdAgreementChecker()],
  // 3 members (not the CLI's 5): etcd's usual size, and what a shared 2-core machine carries.
  defaults: { nodes: '3' },
};

export default etcdTest;
