/** The agreement checker on hand-made decided logs: agreement, validity (commands invoked), prefixes. */
import { describe, expect, it } from 'vitest';
import type { History, Op } from '../ground/history.js';
import { digestOf } from '../ground/canonical.js';
import type { DecidedEntry } from '../ground/checker.js';
import { replayDecidedLog } from '../paxos/db.js';
import { agreementChecker, checkAgreement } from './agreement.js';

const invoke = (index: number, f: string, key: string, value?: unknown): Op => ({ index, time: index, process: index, type: 'invoke', f, key, value });
const history: History = [invoke(0, 'write', 'k1', 3), invoke(1, 'cas', 'k1', [3, 4]), invoke(2, 'read', 'k2', null)];
const write3 = { op: 'write', key: 'k1', value: 3 };
const cas34 = { op: 'cas', key: 'k1', from: 3, to: 4 };
const read2 = { op: 'read', key: 'k2' };

/** A decided entry as our Paxos reports it: a batch of {id, command}, or null for a no-op. */
const entry = (slot: number, ...commands: unknown[]): DecidedEntry => {
  const value = commands.length === 0 ? null : commands.map((command, i) => ({ id: `c${slot}.${i}`, command }));
  return { slot, digest: digestOf(value), command: value };
};

describe('agreement checker', () => {
  it('accepts identical logs, a lagging node, no-ops, and reports prefixes', async () => {
    const good = [entry(1, write3), entry(2), entry(3, cas34, read2)];
    const r = await agreementChecker().check(history, { decidedLogs: { n1: good, n2: good, n3: good.slice(0, 2) } });
    expect(r.valid).toBe(true);
    expect(r.nodes).toEqual({
      n1: { entries: 3, firstSlot: 1, lastSlot: 3, prefixLength: 3 },
      n2: { entries: 3, firstSlot: 1, lastSlot: 3, prefixLength: 3 },
      n3: { entries: 2, firstSlot: 1, lastSlot: 2, prefixLength: 2 },
    });
    expect(r.commonPrefix).toBe(2);
    expect(r.validity).toMatchObject({ checked: true, noops: 1, commands: 3, matched: 3, uninvoked: { count: 0 } });
  });

  it('rejects a slot decided two ways and names the first one with every node value', () => {
    const r = checkAgreement(history, { decidedLogs: { n1: [entry(1, write3), entry(2, read2)], n2: [entry(1, write3), entry(2, cas34)], n3: [entry(1, write3)] } });
    expect(r.valid).toBe(false);
    expect(r.divergentSlots).toEqual([2]);
    const first = r.firstDivergence as { slot: number; values: Record<string, { digest: string }> };
    expect(first.slot).toBe(2);
    expect(Object.keys(first.values).sort()).toEqual(['n1', 'n2']);
    expect(first.values.n1.digest).not.toBe(first.values.n2.digest);
  });

  it('rejects a digest that hides different commands, and a node that decided one slot twice', () => {
    const forged = { ...entry(1, cas34), digest: entry(1, write3).digest };
    expect(checkAgreement(history, { decidedLogs: { n1: [entry(1, write3)], n2: [forged] } }).valid).toBe(false);
    expect(checkAgreement(history, { decidedLogs: { n1: [entry(1, write3), entry(1, cas34)] } })).toMatchObject({ valid: false, divergentSlots: [1] });
  });

  it('rejects a decided command no client invoked', () => {
    const bogus = { op: 'write', key: 'k1', value: 99 };
    const r = checkAgreement(history, { decidedLogs: { n1: [entry(1, write3), entry(2, bogus)], n2: [entry(1, write3), entry(2, bogus)] } });
    expect(r.valid).toBe(false);
    expect(r.validity).toMatchObject({ uninvoked: { count: 1, first: [{ slot: 2, command: bogus }] } });
  });

  it('takes an injected command mapping; without a mapping for every op, unmatched commands are unverified', () => {
    const adds: History = [{ index: 0, time: 0, process: 0, type: 'invoke', f: 'add', value: 7 }];
    const setWrite = { op: 'write', key: 'set-7', value: 7 };
    const logs = { decidedLogs: { n1: [entry(1, setWrite)] } };
    const lenient = checkAgreement(adds, logs);
    expect(lenient).toMatchObject({ valid: true, validity: { checked: false, unverified: 1 } });
    const commandOf = (op: Op) => (op.f === 'add' ? [{ op: 'write', key: `set-${op.value}`, value: op.value }] : undefined);
    expect(checkAgreement(adds, logs, { commandOf })).toMatchObject({ valid: true, validity: { checked: true, matched: 1 } });
    expect(checkAgreement(adds, { decidedLogs: { n1: [entry(1, { ...setWrite, value: 8 })] } }, { commandOf }).valid).toBe(false);
  });

  it('excuses unpredictable read-only commands when the mapping says so, and stays strict for writes', () => {
    const ops: History = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'add', value: 7 },
      { index: 1, time: 1, process: 1, type: 'invoke', f: 'read', value: null },
    ];
    const commandOf = (op: Op) => (op.f === 'add' ? [{ op: 'write', key: `set-${op.value}`, value: op.value }] : op.f === 'read' ? null : undefined);
    const readTxn = { op: 'txn', ops: [['r', 'set-0', null], ['r', 'set-7', null]] };
    const good = checkAgreement(ops, { decidedLogs: { n1: [entry(1, { op: 'write', key: 'set-7', value: 7 }, readTxn)] } }, { commandOf });
    expect(good).toMatchObject({ valid: true, validity: { checked: true, matched: 1, excusedReads: 1, uninvoked: { count: 0 } } });
    const forgedWrite = { op: 'txn', ops: [['r', 'set-0', null], ['w', 'set-9', 9]] };
    const bad = checkAgreement(ops, { decidedLogs: { n1: [entry(1, forgedWrite)] } }, { commandOf });
    expect(bad).toMatchObject({ valid: false, validity: { checked: true, excusedReads: 0, uninvoked: { count: 1, first: [{ slot: 1, command: forgedWrite }] } } });
  });

  it('durability: every acknowledged write is decided, counted as a multiset; a lost one is named', () => {
    const ok = (index: number, process: number): Op => ({ index, time: index, process, type: 'ok', f: 'write', key: 'k1' });
    const w = (index: number, process: number, value: number): Op => ({ ...invoke(index, 'write', 'k1', value), process });
    // Two acknowledged writes of the same value, one acknowledged cas, one read (never required).
    const acked: History = [w(0, 0, 3), ok(1, 0), w(2, 1, 3), ok(3, 1), { ...invoke(4, 'cas', 'k1', [3, 4]), process: 2 }, { index: 5, time: 5, process: 2, type: 'ok', f: 'cas', key: 'k1' }, { ...invoke(6, 'read', 'k2', null), process: 3 }, { index: 7, time: 7, process: 3, type: 'ok', f: 'read', key: 'k2', value: null }];
    const both = [entry(1, write3), entry(2, write3, cas34)];
    const good = checkAgreement(acked, { decidedLogs: { n1: both, n2: both.slice(0, 1) } });
    expect(good.valid).toBe(true);
    expect(good.durability).toEqual({ acknowledged: 3, lost: { count: 0, first: [] } });
    // One of the two equal writes was never decided (early-ack's lost write): invalid, and named.
    const lost = checkAgreement(acked, { decidedLogs: { n1: [entry(1, write3), entry(2, cas34)] } });
    expect(lost.valid).toBe(false);
    expect(lost.durability).toMatchObject({ acknowledged: 3, lost: { count: 1, first: [{ f: 'write', key: 'k1', value: 3, process: 1 }] } });
    // A write that failed or crashed need not be decided.
    const notAcked: History = [w(0, 0, 3), { index: 1, time: 1, process: 0, type: 'info', f: 'write', key: 'k1' }];
    expect(checkAgreement(notAcked, { decidedLogs: { n1: [entry(1)] } }).valid).toBe(true);
  });

  it('is unknown without decided logs or with malformed entries', () => {
    expect(checkAgreement(history, {}).valid).toBe('unknown');
    expect(checkAgreement(history, { decidedLogs: { n1: [{ slot: -1, digest: 'x', command: null }] } }).valid).toBe('unknown');
    expect(checkAgreement(history, { decidedLogs: { n1: null as never } })).toMatchObject({ valid: 'unknown', error: 'malformed decided logs: n1: the decided log is not a list' });
  });
});

describe('agreement checker: replica state digests', () => {
  const log = [entry(1, write3), entry(2, { op: 'write', key: 'k2', value: 7 }), entry(3, cas34)];
  const ops: History = [...history, invoke(3, 'write', 'k2', 7)];
  // What a replica that skipped slot 2's write would report: its state is a replay without it.
  const skipped = () => replayDecidedLog([log[0], entry(2), log[2]], 3);

  it('agreeing digests that match each replica\'s replay: valid, and says what it compared', async () => {
    const good = await replayDecidedLog(log, 3);
    const r = await agreementChecker().check(ops, { decidedLogs: { n1: log, n2: log }, replicaStates: { n1: good, n2: good }, replay: replayDecidedLog, dbName: 'paxos' });
    expect(r.valid).toBe(true);
    expect(r.state).toMatchObject({ valid: true, checked: true, commonIndexes: 3, replay: { n1: { compared: 3 }, n2: { compared: 3 } } });
    expect((r.state as { summary: string }).summary).toBe('state digests: 2 replicas agree at 3 common indexes and match replays of their decided logs');
  });

  it('a replica that applied its (agreeing) log wrongly: invalid, naming node, index and key', async () => {
    const r = await agreementChecker().check(ops, { decidedLogs: { n1: log, n2: log }, replicaStates: { n1: await replayDecidedLog(log, 3), n2: await skipped() }, replay: replayDecidedLog, dbName: 'paxos' });
    expect(r.valid).toBe(false);
    expect(r.divergentCount).toBe(0); // the decided logs agree
    expect(r.state).toMatchObject({ firstDivergence: { node: 'n2', index: 2, key: 'k2', expected: 7 }, firstCrossDivergence: { index: 2 } });
    expect(r.error).toBe("state digests: n2's applied state differs from a replay of its decided log at index 2 (now key k2: n2 has nothing, the replay 7)");
  });

  it('a replica whose state has healed since (same end state): names what a correct replica changes at the diverging index', async () => {
    const good = await replayDecidedLog(log, 3);
    const healed = { ...good, digests: good.digests.map((d) => (d.index === 2 ? { ...d, digest: 'ffffffffffffffff' } : d)) };
    const r = await agreementChecker().check(ops, { decidedLogs: { n1: log, n2: log }, replicaStates: { n1: good, n2: healed }, replay: replayDecidedLog });
    expect(r.valid).toBe(false);
    expect(r.state).toMatchObject({ firstDivergence: { node: 'n2', index: 2, changedAtIndex: [{ key: 'k2', expected: 7 }] } });
    expect(r.error).toBe("state digests: n2's applied state differs from a replay of its decided log at index 2 (where a correct replica changes k2 nothing -> 7)");
  });

  it('without a replay, a divergence between replicas still fails, named by index and digests', async () => {
    const r = await agreementChecker().check(ops, { decidedLogs: { n1: log, n2: log }, replicaStates: { n1: await replayDecidedLog(log, 3), n2: await skipped() } });
    expect(r.valid).toBe(false);
    expect(String(r.error)).toMatch(/^state digests: replicas differ at index 2: n1 [0-9a-f]{16}, n2 [0-9a-f]{16}$/);
  });

  it('a db without state digests: skipped, saying so in one line, and the verdict is the decided logs\'', async () => {
    const r = await agreementChecker().check(ops, { decidedLogs: { n1: log, n2: log }, dbName: 'etcd' });
    expect(r.valid).toBe(true);
    expect(r.state).toMatchObject({ checked: false, summary: 'state digests: not offered by db etcd' });
  });
});
