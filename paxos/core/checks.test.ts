/**
 * Input checks and bookkeeping that mutation testing of kv.ts, state.ts, roles.ts and dispatch.ts
 * found unchecked (paxos/core/MUTATION.md, 2026-12-05): commandError's every refusal, the KV
 * digest (order-independent for objects, no key/value ambiguity, different for different maps,
 * incremental = from scratch), kvContents, the digest ring's bound, decidedEntries' window, a
 * round number that never goes down, an unknown message type, and a follower's forwarded
 * commands when its leader changes.
 */
import { describe, expect, it } from 'vitest';
import { applyCommand, commandError, decidedEntries, digestHex, DIGEST_RING, kvDigestOf } from './index.js';
import { emptyDigest, kvContents, type KvMap } from './kv.js';
import { noteRound } from './roles.js';
import { client, deliver, node, replies } from './testkit.js';
import type { Ctx } from './context.js';
import type { Command } from './types.js';

const digestOfWrites = (...writes: [string, unknown][]) => {
  const kv: KvMap = {};
  for (const [key, value] of writes) applyCommand(kv, { op: 'write', key, value } as Command);
  return digestHex(kvDigestOf(kv));
};

describe('commandError', () => {
  it('names what is wrong with each malformed command, and accepts the well-formed ones', () => {
    const cases: [unknown, string | null][] = [
      [null, 'command must be an object'],
      ['read a', 'command must be an object'],
      [{ op: 'read', key: '' }, 'read needs a non-empty string key'],
      [{ op: 'write', key: '', value: 1 }, 'write needs a non-empty string key'],
      [{ op: 'write', key: 'a' }, 'write needs a value'],
      [{ op: 'write', key: 'a', value: 1 }, null],
      [{ op: 'cas', key: '', from: 1, to: 2 }, 'cas needs a non-empty string key'],
      [{ op: 'cas', key: 'a', from: 1 }, 'cas needs from and to'],
      [{ op: 'cas', key: 'a', to: 2 }, 'cas needs from and to'],
      [{ op: 'cas', key: 'a', from: 1, to: 2 }, null],
      [{ op: 'txn', ops: [['r', 'a']] }, 'each txn op must be [r|w|c|append, key, value]'],
      [{ op: 'txn', ops: ['rab'] }, 'each txn op must be [r|w|c|append, key, value]'],
      [{ op: 'txn', ops: [['w', 'a', undefined]] }, 'txn w/c/append ops need a value'],
      [{ op: 'txn', ops: [['c', 'a', undefined]] }, 'txn w/c/append ops need a value'],
      [{ op: 'txn', ops: [['r', 'a', undefined], ['w', 'b', 1]] }, null],
    ];
    for (const [command, error] of cases) expect(commandError(command), JSON.stringify(command)).toBe(error);
  });
});

describe('the KV digest', () => {
  it('is the same for equal objects whatever their key order, and differs for different maps', () => {
    expect(digestOfWrites(['x', { a: 1, b: 2 }])).toBe(digestOfWrites(['x', { b: 2, a: 1 }]));
    expect(digestOfWrites(['a', 1])).not.toBe(digestOfWrites(['a', 2]));
    expect(digestOfWrites(['k', 11])).not.toBe(digestOfWrites(['k1', 1])); // key and value kept apart
    expect(digestOfWrites()).toBe(digestHex(emptyDigest()));
    // Each of the two lanes on its own tells the maps apart.
    const [one, two] = [1, 2].map((value) => kvDigestOf({ 'k:a': value }));
    expect(one[0]).not.toBe(two[0]);
    expect(one[1]).not.toBe(two[1]);
  });

  it('kept incrementally equals the digest computed from scratch, through overwrites and deletes', () => {
    const kv: KvMap = {};
    const digest = emptyDigest();
    const commands: Command[] = [
      { op: 'write', key: 'a', value: 1 },
      { op: 'write', key: 'b', value: 'x' },
      { op: 'write', key: 'a', value: 2 },
      { op: 'cas', key: 'b', from: 'x', to: null },
    ];
    for (const c of commands) applyCommand(kv, c, digest);
    expect(digestHex(digest)).toBe(digestHex(kvDigestOf(kv)));
    expect(digestHex(digest)).toBe(digestOfWrites(['a', 2]));
    expect(kvContents(kv)).toEqual({ a: 2 }); // a key written null is absent
  });
});

describe('replica bookkeeping', () => {
  it('keeps the last DIGEST_RING applied digests, no more', () => {
    const n = node('n2');
    const total = DIGEST_RING + 3;
    const entries: [number, null][] = Array.from({ length: total }, (_, i) => [i + 1, null]);
    deliver(n, 'n1', { type: 'learn', slot: 1, entries, commit: total });
    const digests = n.state.volatile.digests;
    expect(digests.length).toBe(DIGEST_RING);
    expect(digests[0][0]).toBe(4);
    expect(digests[digests.length - 1][0]).toBe(total);
  });

  it('decidedEntries starts at `from`, includes the highest slot, and stops at `limit`', () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'learn', slot: 1, entries: [1, 2, 3, 4, 5].map((s) => [s, null] as [number, null]), commit: 5 });
    expect(decidedEntries(n.state, 3, 10).map((e) => e.slot)).toEqual([3, 4, 5]);
    expect(decidedEntries(n.state, 1, 2).map((e) => e.slot)).toEqual([1, 2]);
  });

  it('never lowers the highest round seen', () => {
    const n = node('n1');
    const ctx = { v: n.state.volatile } as unknown as Ctx;
    noteRound(ctx, 7);
    noteRound(ctx, 3);
    expect(n.state.volatile.maxRound).toBe(7);
  });

  it('refuses a message type it does not know, naming it', () => {
    expect(() => deliver(node('n2'), 'n1', { type: 'gossip' } as never)).toThrow('unknown message type "gossip"');
  });

  it("a follower's forwarded write becomes unknown when its leader changes, and only then", () => {
    const n = node('n2');
    deliver(n, 'n1', { type: 'heartbeat', ballot: [1, 'n1'], commit: 0, seq: 1 });
    expect(replies(client(n, 1, { op: 'write', key: 'a', value: 1 }))).toEqual([]); // forwarded to n1
    expect(replies(deliver(n, 'n1', { type: 'heartbeat', ballot: [1, 'n1'], commit: 0, seq: 2 }))).toEqual([]);
    expect(replies(deliver(n, 'n3', { type: 'heartbeat', ballot: [2, 'n3'], commit: 0, seq: 1 }))).toEqual([{ id: 1, result: { type: 'unknown', error: 'leader-changed' } }]);
    expect(n.state.volatile.leader).toBe('n3');
    // The same node leading again in a new ballot is a leader change too.
    expect(replies(client(n, 2, { op: 'write', key: 'a', value: 2 }))).toEqual([]);
    expect(replies(deliver(n, 'n3', { type: 'heartbeat', ballot: [4, 'n3'], commit: 0, seq: 1 }))).toEqual([{ id: 2, result: { type: 'unknown', error: 'leader-changed' } }]);
  });
});
