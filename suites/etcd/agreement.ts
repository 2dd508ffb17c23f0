/**
 * The etcd agreement checker: after recovery, do the members' keyspaces agree? It compares the
 * HashKV digests each member reported (Db.stateDigests, see db.ts for what they prove) at every
 * revision that two or more members reported: one revision with two different digests means two
 * members applied different writes under the same revision numbers, i.e. replicas diverged.
 *   valid:   at least one revision was compared on two members, and every compared one agrees
 *   false:   some revision has different digests on different members
 *   unknown: fewer than two members reported, or no revision was reported by two of them
 */
import type { Checker, CheckResult, ReplicaState } from '../../index.js';

/** One revision whose members disagree: member -> digest. */
export interface Divergence {
  revision: number;
  digests: Record<string, string>;
}

/** The verdict on `states` (member -> reported digests). */
export function judgeDigests(states: Record<string, ReplicaState>): CheckResult {
  const byRevision = new Map<number, Record<string, string>>();
  const revision: Record<string, number> = {};
  for (const [member, s] of Object.entries(states)) {
    for (const { index, digest } of s.digests) {
      const at = byRevision.get(index) ?? {};
      at[member] = digest;
      byRevision.set(index, at);
      revision[member] = Math.max(revision[member] ?? 0, index);
    }
  }
  const reporting = Object.keys(revision).length;
  if (reporting < 2) return { valid: 'unknown', error: `only ${reporting} member(s) reported keyspace digests: nothing to compare`, revision };
  const compared = [...byRevision].filter(([, d]) => Object.keys(d).length >= 2).sort(([a], [b]) => a - b);
  const divergent: Divergence[] = compared.filter(([, d]) => new Set(Object.values(d)).size > 1).map(([rev, digests]) => ({ revision: rev, digests }));
  const comparedRevisions = compared.map(([rev]) => rev);
  if (divergent.length > 0) return { valid: false, error: `members' keyspaces differ at ${divergent.length} revision(s), first at ${divergent[0].revision}`, divergent, comparedRevisions, revision };
  if (compared.length === 0) return { valid: 'unknown', error: 'no revision was reported by two members', revision };
  return { valid: true, comparedRevisions, revision };
}

/** The checker (reads CheckContext.replicaStates, the members' stateDigests). */
export function etcdAgreementChecker(): Checker {
  return {
    name: 'etcd-agreement',
    check: (_history, ctx) => (ctx.replicaStates ? judgeDigests(ctx.replicaStates) : { valid: 'unknown', error: 'no member reported keyspace digests' }),
  };
}
