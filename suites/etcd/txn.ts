/**
 * The append and wr workloads on etcd: one transaction of micro-ops (workloads/txn.ts) as
 * optimistic etcd Txns. Micro-op key k is etcd key `elle-<k>`; a list is stored as a JSON
 * array (`[1,2,3]`), a register as a decimal string.
 *
 *   1. snapshot: one Txn without compares whose success branch is a Range of every key the txn
 *      touches: their values and mod_revisions at one revision (absent keys: mod_revision 0).
 *      A txn of reads only is done here: its reads are that snapshot (ok; an error is a fail).
 *   2. plan (planTxn): run the micro-ops in order on the snapshot (an append is read-modify-
 *      write of the key's list; a read sees the txn's own earlier writes).
 *   3. commit: ONE Txn whose compares say every touched key (read or written) still has the
 *      mod_revision seen (etcd compares an absent key's mod_revision as 0) and whose success
 *      branch puts the new values. Succeeded: the txn took effect at the commit revision, where
 *      every touched key still held the values read, so the reads returned are what it saw: ok.
 *      Compares failed: nothing written; start again from 1, at most MAX_ATTEMPTS times, then
 *      `fail` (txn-conflict). An error of the commit maps as client.ts maps any write's (info
 *      unless certainly not applied); an error of a later attempt's snapshot read is a `fail`,
 *      since every commit before it certainly failed.
 * Comparing the keys only read too is what makes this serializable, not just snapshot
 * isolation: a txn whose reads went stale before its commit does not commit (no write skew).
 */
import type { Etcd3, ICompare, IRequestOp, ITxnRequest } from 'etcd3';
import type { Completion, MicroOp } from '../../index.js';

/** The two transactional workloads: lists of appends, or registers. */
export type TxnKind = 'append' | 'wr';

/** Optimistic attempts per txn before it completes as fail (conflicts with concurrent txns). */
export const MAX_ATTEMPTS = 3;

/** The etcd key of micro-op key `k`. */
export const etcdKeyOf = (k: number): string => `elle-${k}`;

/** A key as the snapshot saw it: its raw value (null: absent) and mod_revision ('0': absent). */
export interface Seen {
  value: string | null;
  modRevision: string;
}

/** What a txn reads and writes, decided from one snapshot. */
export interface Plan {
  /** The micro-ops with each read's value filled in (the ok completion's value). */
  completed: MicroOp[];
  /** The Txn that commits it: compares on every touched key, puts of every written one. */
  commit: ITxnRequest;
  /** Whether it writes anything (else the snapshot is the whole txn). */
  writes: boolean;
}

/** The keys a txn touches, each once, in first-touch order. */
export const touchedKeys = (mops: readonly MicroOp[]): number[] => [...new Set(mops.map((m) => m[1]))];

/** One Txn reading every key of `keys` at one revision. */
export function snapshotRequest(keys: readonly number[]): ITxnRequest {
  return { compare: [], success: keys.map((k): IRequestOp => ({ request_range: { key: Buffer.from(etcdKeyOf(k)) } })), failure: [] };
}

function decode(kind: TxnKind, raw: string | null): unknown {
  if (raw === null) return kind === 'append' ? [] : null;
  return kind === 'append' ? (JSON.parse(raw) as number[]) : Number(raw);
}

const encode = (kind: TxnKind, value: unknown): string => (kind === 'append' ? JSON.stringify(value) : String(value));

/** Runs `mops` on the snapshot `seen` (every touched key present in it): the reads' values and the commit Txn. */
export function planTxn(kind: TxnKind, mops: readonly MicroOp[], seen: ReadonlyMap<number, Seen>): Plan {
  const state = new Map<number, unknown>();
  const dirty = new Set<number>();
  const current = (k: number): unknown => {
    if (!state.has(k)) {
      const s = seen.get(k);
      if (!s) throw new Error(`planTxn: key ${k} not in the snapshot`);
      state.set(k, decode(kind, s.value));
    }
    return state.get(k);
  };
  const completed = mops.map(([f, k, v]): MicroOp => {
    if (f === 'r') {
      const now = current(k);
      return [f, k, Array.isArray(now) ? [...(now as unknown[])] : now];
    }
    state.set(k, f === 'append' ? [...(current(k) as unknown[]), v] : v);
    dirty.add(k);
    return [f, k, v];
  });
  const compare = touchedKeys(mops).map((k): ICompare => ({ key: Buffer.from(etcdKeyOf(k)), target: 'Mod', result: 'Equal', mod_revision: seen.get(k)!.modRevision }));
  const success = [...dirty].map((k): IRequestOp => ({ request_put: { key: Buffer.from(etcdKeyOf(k)), value: Buffer.from(encode(kind, state.get(k))) } }));
  return { completed, commit: { compare, success, failure: [] }, writes: dirty.size > 0 };
}

/** Reads the snapshot of `keys` (one Txn of Ranges). */
async function snapshot(etcd: Etcd3, keys: readonly number[]): Promise<Map<number, Seen>> {
  const res = await etcd.kv.txn(snapshotRequest(keys));
  return new Map(
    keys.map((k, i) => {
      const kv = res.responses[i]?.response_range?.kvs[0];
      return [k, kv ? { value: kv.value.toString(), modRevision: String(kv.mod_revision) } : { value: null, modRevision: '0' }];
    }),
  );
}

/** One transaction on etcd (see the top of this file); a thrown error is a commit's (client.ts maps it). */
export async function runTxn(etcd: Etcd3, kind: TxnKind, mops: readonly MicroOp[]): Promise<Completion> {
  const keys = touchedKeys(mops);
  for (let attempt = 1; ; attempt++) {
    let seen: Map<number, Seen>;
    try {
      seen = await snapshot(etcd, keys);
    } catch (err) {
      // Nothing of this txn was applied: any earlier commit's compares failed.
      return { type: 'fail', error: `snapshot-read: ${(err as Error).message}` };
    }
    const plan = planTxn(kind, mops, seen);
    if (!plan.writes) return { type: 'ok', value: plan.completed };
    const res = await etcd.kv.txn(plan.commit);
    if (res.succeeded) return { type: 'ok', value: plan.completed };
    if (attempt >= MAX_ATTEMPTS) return { type: 'fail', error: 'txn-conflict' };
  }
}
