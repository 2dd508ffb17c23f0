/**
 * The set workload: unique adds, then reads of the whole set.
 *
 * An add of element n is a plain write of key `set-<n>` (value n); a read reads every key
 * `set-0..set-<N-1>` ever attempted, in txns of 'r' ops of at most MAX_TXN_OPS keys each (the
 * node's limit), one after another. Each chunk is atomic; the whole read is not one snapshot,
 * but the set only grows, so every element present before the read began is seen and every
 * element seen was present at some point during the read: what the set checker relies on
 * (it is not fed to the linearizability search). Why distinct keys rather than cas onto one list: concurrent
 * cas-appends contend on a single key, so most adds would fail with cas-mismatch and the test
 * would exercise little; independent writes never conflict, every add is a real replicated
 * write, and a lost acknowledged add shows up as a missing key in the final read.
 * Op shapes: add value n; read value null -> ok value [sorted elements].
 */
import type { Completion } from '../ground/client.js';
import type { Op } from '../ground/history.js';
import { MAX_TXN_OPS } from '../paxos/http.js';
import { HttpClient, notOk, type NodeHttp } from './http.js';
import type { CheckersOf, Workload, WorkloadOptions } from '../ground/workload.js';

export const setKeyOf = (n: number) => `set-${n}`;
const keyOf = setKeyOf;

export class SetClient extends HttpClient {
  /** `attempted()` = how many elements were handed out so far (shared by all threads). */
  constructor(
    timeoutMs: number,
    private readonly attempted: () => number,
  ) {
    super(timeoutMs);
  }

  protected isRead(op: Op): boolean {
    return op.f === 'read';
  }

  protected async run(op: Op, http: NodeHttp): Promise<Completion> {
    if (op.f === 'add') {
      const n = op.value as number;
      const out = await http.call('PUT', `/kv/${keyOf(n)}`, { value: n });
      return out.kind === 'ok' ? { type: 'ok' } : notOk(out);
    }
    if (op.f === 'read') {
      const n = this.attempted();
      if (n === 0) return { type: 'ok', value: [] };
      const present: number[] = [];
      for (let lo = 0; lo < n; lo += MAX_TXN_OPS) {
        const ops = Array.from({ length: Math.min(MAX_TXN_OPS, n - lo) }, (_, i) => ['r', keyOf(lo + i), null]);
        const out = await http.call('POST', '/txn', { ops });
        if (out.kind !== 'ok') return notOk(out);
        const got = out.body?.ops as Array<[string, string, unknown]> | undefined;
        if (!Array.isArray(got) || got.length !== ops.length) return { type: 'fail', error: 'malformed-txn-response' };
        for (const [, , v] of got) if (v !== null && v !== undefined) present.push(v as number);
      }
      return { type: 'ok', value: present.sort((a, b) => a - b) };
    }
    throw new Error(`set client: unknown op ${op.f}`);
  }
}

export function setWorkload(opts: WorkloadOptions, checkers: CheckersOf): Workload {
  let next = 0;
  return {
    name: 'set',
    client: () => new SetClient(opts.opTimeoutMs, () => next),
    nextOp(rng) {
      // Mostly adds; a few reads during the run show adds becoming visible.
      if (next > 0 && rng.chance(0.1)) return { f: 'read', value: null };
      return { f: 'add', value: next++ };
    },
    recoveryOp: () => ({ f: 'read', value: null }),
    finalOps: () => [{ f: 'read', value: null }],
    checkers,
  };
}
