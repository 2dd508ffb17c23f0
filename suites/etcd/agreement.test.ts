/**
 * The etcd agreement checker on both sides (doctored digest sets), the write-error mapping, and
 * the Db's refusal of a missing binary. No etcd needed.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../index.js';
import { etcdAgreementChecker, judgeDigests } from './agreement.js';
import { writeErrorOutcome } from './client.js';
import { createEtcdDb, digestRevisions, initialCluster } from './db.js';

const at = (pairs: Array<[number, string]>) => ({ digests: pairs.map(([index, digest]) => ({ index, digest })) });

describe('etcd agreement checker', () => {
  it('valid when every revision two members report agrees (a lagging member compared where it overlaps)', () => {
    const r = judgeDigests({ n1: at([[500, 'a'], [731, 'b']]), n2: at([[500, 'a'], [731, 'b']]), n3: at([[500, 'a'], [612, 'z']]) });
    expect(r).toMatchObject({ valid: true, comparedRevisions: [500, 731] });
  });

  it('invalid when one member hashes a revision differently: names the revision and the digests', () => {
    const r = judgeDigests({ n1: at([[500, 'a'], [731, 'b']]), n2: at([[500, 'a'], [731, 'B']]), n3: at([[500, 'a'], [731, 'b']]) });
    expect(r.valid).toBe(false);
    expect(r.divergent).toEqual([{ revision: 731, digests: { n1: 'b', n2: 'B', n3: 'b' } }]);
  });

  it('unknown with fewer than two reporting members, or no revision in common', () => {
    expect(judgeDigests({ n1: at([[5, 'a']]) }).valid).toBe('unknown');
    expect(judgeDigests({ n1: at([[5, 'a']]), n2: at([[6, 'a']]) }).valid).toBe('unknown');
    expect(etcdAgreementChecker().check([], {})).toMatchObject({ valid: 'unknown' });
  });
});

describe('etcd write-error outcomes', () => {
  it.each([
    ['14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1', 'fail'],
    ['etcdserver: too many requests', 'fail'],
    ['etcdserver: no leader', 'fail'],
    ['raft proposal dropped', 'fail'],
    ['etcdserver: request timed out', 'info'],
    ['etcdserver: request timed out, possibly due to previous leader failure', 'info'],
    ['etcdserver: leader changed', 'info'],
    ['4 DEADLINE_EXCEEDED: Deadline exceeded', 'info'],
    ['14 UNAVAILABLE: Connection dropped', 'info'],
    ['1 CANCELLED: Call cancelled', 'info'],
    ['something new', 'info'],
  ])('%s -> %s', (message, type) => {
    expect(writeErrorOutcome(new Error(message)).type).toBe(type);
  });
});

describe('etcd Db', () => {
  it('preflight: a missing binary is one UsageError line naming the Debian package', () => {
    const db = createEtcdDb({ binary: '/nonexistent/etcd' });
    expect(() => db.preflight!()).toThrow(UsageError);
    expect(() => db.preflight!()).toThrow(/etcd-server/);
  });

  it('one --initial-cluster for every member, self included; digest revisions on fixed points', () => {
    const peers = { n2: 'h:2', n10: 'h:10', n1: 'h:1' };
    const node = { name: 'n1', listen: 'h:9', client: 'h:8', peers, dataDir: '/d' };
    expect(initialCluster(node)).toBe('n1=http://h:1,n2=http://h:2,n10=http://h:10');
    expect(createEtcdDb({ binary: '/bin/true' }).command(node, []).args).toEqual(expect.arrayContaining(['--initial-advertise-peer-urls', 'http://h:1', '--data-dir', '/d']));
    expect(() => createEtcdDb({ binary: '/bin/true' }).command({ ...node, peers: { n2: 'h:2' } }, [])).toThrow(/itself/);
    const inContainer = createEtcdDb({ binary: '/bin/true' }).command({ ...node, listen: '10.0.0.2:2380', client: '0.0.0.0:2379' }, []).args;
    expect(inContainer).toEqual(expect.arrayContaining(['--listen-client-urls', 'http://0.0.0.0:2379', '--advertise-client-urls', 'http://10.0.0.2:2379']));
    expect(digestRevisions(1234)).toEqual([500, 1000, 1234]);
    expect(digestRevisions(1000)).toEqual([500, 1000]);
    expect(digestRevisions(0)).toEqual([]);
    expect(digestRevisions(100_000)).toHaveLength(20);
  });
});
