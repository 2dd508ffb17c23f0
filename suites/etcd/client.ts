/**
 * The etcd suite's clients for the built-in workloads, on the npm `etcd3` library (gRPC), one
 * member per client, one attempt per op (connect.ts). Values are decimal strings.
 *
 *   register / kv  read  = Range of the key (linearizable, etcd's default)
 *                  write = Put
 *                  cas   = Txn: if Value(key) == from then Put(key, to)
 *   set            add   = Put set-<n>; read = one Range of the prefix `set-` (a snapshot)
 *   bank           read  = one Range of the prefix `acct-` (a snapshot)
 *                  transfer = that read, then Txn: if both values unchanged then Put both
 *                  openAccounts = Txn: if every account is absent (Create == 0) then Put all
 *   append / wr    txn  = a snapshot Txn of Ranges, then one Txn: if every touched key's
 *                         mod_revision is unchanged then Put the written ones (txn.ts)
 *
 * Outcomes (`fail` only where the op certainly did not change anything, else `info`):
 *
 *   | what came back                                        | outcome | why                                   |
 *   |-------------------------------------------------------|---------|---------------------------------------|
 *   | success                                               | ok      |                                       |
 *   | Txn answered with succeeded = false (compare failed)  | fail    | etcd evaluated it and wrote nothing   |
 *   |   (append / wr: after MAX_ATTEMPTS such answers; an error of a retry's snapshot read: fail too) |
 *   | any error of a read (Range)                           | fail    | a read changes nothing                |
 *   | UNAVAILABLE "No connection established" / ECONNREFUSED| fail    | no connection: the request was never sent |
 *   | "etcdserver: too many requests"                       | fail    | refused before proposing (apply lag)  |
 *   | "etcdserver: no leader"                               | fail    | refused by the interceptor, before proposing |
 *   | "raft proposal dropped"                               | fail    | raft refused the proposal (no leader / transfer) |
 *   | "etcdserver: request is too large" / "too many operations" / "duplicate key" | fail | validation, before proposing |
 *   | "etcdserver: request timed out" (also "... due to previous leader failure", "... connection lost") | info | proposed; may commit later |
 *   | "etcdserver: leader changed", "etcdserver: server stopped" | info | proposed; may have committed     |
 *   | DEADLINE_EXCEEDED, CANCELLED, UNAVAILABLE otherwise (connection dropped after sending), anything else | info | unknown |
 */
import type { Etcd3 } from 'etcd3';
import type { BankClient, Client, Completion, NodeEndpoint, Op } from '../../index.js';
import { ACCOUNTS, BANK, microOps, setKeyOf, sleep } from '../../index.js';
import { connectEtcd, preloadEtcd } from './connect.js';
import { runTxn, type TxnKind } from './txn.js';

/** Messages that mean the request certainly was not applied (see the table above). */
const DEFINITE = [
  /No connection established/,
  /ECONNREFUSED/,
  /etcdserver: too many requests/,
  /etcdserver: no leader/,
  /raft proposal dropped/,
  /etcdserver: request is too large/,
  /etcdserver: too many operations in txn request/,
  /etcdserver: duplicate key given in txn request/,
];

/** The completion of a write that threw `err` (see the table above). */
export function writeErrorOutcome(err: unknown): Completion {
  const error = err instanceof Error ? err.message : String(err);
  return { type: DEFINITE.some((re) => re.test(error)) ? 'fail' : 'info', error };
}

const num = (s: string | null): number | null => (s === null ? null : Number(s));

/** What every etcd client shares: the member, its etcd3 client, the op loop and its outcome mapping. */
abstract class EtcdClient implements Client {
  protected etcd: Etcd3 | null = null;
  private node = '';

  constructor(protected readonly timeoutMs: number) {
    preloadEtcd(); // made before the members boot: load gRPC meanwhile
  }

  async open(node: NodeEndpoint): Promise<void> {
    this.node = node.name;
    this.etcd = await connectEtcd(node.clientUrl, this.timeoutMs);
  }

  async invoke(op: Op): Promise<Completion> {
    if (!this.etcd) throw new Error('etcd client: invoke before open');
    const etcd = this.etcd;
    try {
      return { ...(await this.run(op, etcd)), node: this.node };
    } catch (err) {
      const out = this.isRead(op) ? { type: 'fail' as const, error: (err as Error).message } : writeErrorOutcome(err);
      return { ...out, node: this.node };
    }
  }

  async close(): Promise<void> {
    this.etcd?.close();
    this.etcd = null;
  }

  protected abstract isRead(op: Op): boolean;
  protected abstract run(op: Op, etcd: Etcd3): Promise<Completion>;
}

/** register and kv: read / write / cas of one key. */
export class EtcdKvClient extends EtcdClient {
  protected isRead(op: Op): boolean {
    return op.f === 'read';
  }

  protected async run(op: Op, etcd: Etcd3): Promise<Completion> {
    const key = op.key;
    if (key === undefined) throw new Error(`kv client: op ${op.f} without a key`);
    switch (op.f) {
      case 'read':
        return { type: 'ok', value: num(await etcd.get(key).string()) };
      case 'write':
        await etcd.put(key).value(String(op.value));
        return { type: 'ok' };
      case 'cas': {
        const [from, to] = op.value as [number, number];
        const res = await etcd.if(key, 'Value', '==', String(from)).then(etcd.put(key).value(String(to))).commit();
        return res.succeeded ? { type: 'ok' } : { type: 'fail', error: 'cas-mismatch' };
      }
      default:
        throw new Error(`kv client: unknown op ${op.f}`);
    }
  }
}

/** set: add = a put of its own key; read = every element, in one Range. */
export class EtcdSetClient extends EtcdClient {
  protected isRead(op: Op): boolean {
    return op.f === 'read';
  }

  protected async run(op: Op, etcd: Etcd3): Promise<Completion> {
    if (op.f === 'add') {
      const n = op.value as number;
      await etcd.put(setKeyOf(n)).value(String(n));
      return { type: 'ok' };
    }
    if (op.f === 'read') {
      const all = await etcd.getAll().prefix('set-').strings();
      return { type: 'ok', value: Object.values(all).map(Number).sort((a, b) => a - b) };
    }
    throw new Error(`set client: unknown op ${op.f}`);
  }
}

/** Every account's balance (null: absent), read in one Range. */
async function balances(etcd: Etcd3): Promise<Record<string, number | null>> {
  const all = await etcd.getAll().prefix('acct-').strings();
  return Object.fromEntries(ACCOUNTS.map((a) => [a, a in all ? Number(all[a]) : null]));
}

/** bank: transfers as optimistic txns, reads of every account. */
export class EtcdBankClient extends EtcdClient implements BankClient {
  protected isRead(op: Op): boolean {
    return op.f === 'read';
  }

  protected async run(op: Op, etcd: Etcd3): Promise<Completion> {
    if (op.f === 'read') return { type: 'ok', value: await balances(etcd) };
    if (op.f !== 'transfer') throw new Error(`bank client: unknown op ${op.f}`);
    const { from, to, amount } = op.value as { from: string; to: string; amount: number };
    let seen: Record<string, number | null>;
    try {
      seen = await balances(etcd);
    } catch (err) {
      // Only read so far: nothing changed, whatever happened.
      return { type: 'fail', error: `read-before-transfer: ${(err as Error).message}` };
    }
    const a = seen[from];
    const b = seen[to];
    if (a === null || b === null) return { type: 'fail', error: 'accounts-not-open' };
    if (a < amount) return { type: 'fail', error: 'insufficient-funds' };
    const res = await etcd
      .if(from, 'Value', '==', String(a))
      .and(to, 'Value', '==', String(b))
      .then(etcd.put(from).value(String(a - amount)), etcd.put(to).value(String(b + amount)))
      .commit();
    return res.succeeded ? { type: 'ok' } : { type: 'fail', error: 'txn-aborted' };
  }

  /** One txn that opens every account only if none exists: however often retried, money is added once. */
  async openAccounts(signal: AbortSignal): Promise<void> {
    const etcd = this.etcd;
    if (!etcd) throw new Error('bank setup: client not open');
    let last = '';
    while (!signal.aborted) {
      try {
        let txn = etcd.if(ACCOUNTS[0], 'Create', '==', 0);
        for (const a of ACCOUNTS.slice(1)) txn = txn.and(a, 'Create', '==', 0);
        // Not succeeded = the accounts exist: an earlier attempt applied (atomically).
        await txn.then(...ACCOUNTS.map((a) => etcd.put(a).value(String(BANK.opening)))).commit();
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(200, signal).catch(() => {});
    }
    throw new Error(`bank setup: could not open the accounts (${last || 'aborted'})`);
  }
}

/** append and wr: one transaction of micro-ops per op, as optimistic etcd Txns (txn.ts). */
export class EtcdTxnClient extends EtcdClient {
  constructor(
    timeoutMs: number,
    private readonly kind: TxnKind,
  ) {
    super(timeoutMs);
  }

  protected isRead(op: Op): boolean {
    return microOps(op).every((m) => m[0] === 'r');
  }

  protected run(op: Op, etcd: Etcd3): Promise<Completion> {
    return runTxn(etcd, this.kind, microOps(op));
  }
}
