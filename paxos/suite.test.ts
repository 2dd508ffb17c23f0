/**
 * The set workload's agreement checker (as the Paxos suite wires it) judges decided writes
 * strictly: a decided write no client added is INVALID, while the read txns its reads build
 * at run time are excused. Hand-made decided logs in our Paxos's shape. < 1 s.
 */
import { describe, expect, it } from 'vitest';
import type { DecidedEntry } from '../ground/checker.js';
import type { History } from '../ground/history.js';
import { digestOf } from '../ground/canonical.js';
import { checkersOf, workloadOf } from '../harness/suite.js';
import { paxosTest, setCommandOf } from './suite.js';

const createWorkload = (name: string, opts: { opTimeoutMs: number; concurrency: number }) => workloadOf(paxosTest, name, opts);
const allCheckers = (name: string) => checkersOf(paxosTest, name, createWorkload(name, { opTimeoutMs: 1000, concurrency: 1 }));

const entry = (slot: number, ...commands: unknown[]): DecidedEntry => {
  const value = commands.map((command, i) => ({ id: `c${slot}.${i}`, command }));
  return { slot, digest: digestOf(value), command: value };
};

const history: History = [
  { index: 0, time: 0, process: 0, type: 'invoke', f: 'add', value: 7 },
  { index: 1, time: 1, process: 0, type: 'ok', f: 'add', value: 7 },
  { index: 2, time: 2, process: 1, type: 'invoke', f: 'read', value: null },
  { index: 3, time: 3, process: 1, type: 'ok', f: 'read', value: [7] },
];
const add7 = { op: 'write', key: 'set-7', value: 7 };
const readTxn = { op: 'txn', ops: [['r', 'set-0', null], ['r', 'set-7', null]] };

async function agreement(decided: DecidedEntry[]) {
  const checker = (await allCheckers('set')).find((c) => c.name === 'agreement')!;
  expect(checker).toBeDefined();
  return checker.check(history, { decidedLogs: { n1: decided, n2: decided } });
}

describe('set workload: agreement is strict for writes', () => {
  it('maps adds to writes and reads to null (read-only, built at run time)', () => {
    expect(setCommandOf(history[0])).toEqual([add7]);
    expect(setCommandOf(history[2])).toBeNull();
  });

  it('accepts the invoked write and the read txns', async () => {
    expect(await agreement([entry(1, add7), entry(2, readTxn)])).toMatchObject({ valid: true });
  });

  it('rejects a decided write that no client invoked (was only "unverified" while reads had no mapping)', async () => {
    const ghost = { op: 'write', key: 'set-9', value: 9 };
    expect(await agreement([entry(1, add7), entry(2, ghost), entry(3, readTxn)])).toMatchObject({ valid: false });
  });
});

describe('kv and register workloads: final reads of every key touched', () => {
  it('finalOps reads each key an op was drawn for, once, in key order', async () => {
    const { Rng } = await import('../ground/rng.js');
    const rng = new Rng(1);
    const kv = createWorkload('kv', { opTimeoutMs: 1000, concurrency: 10 });
    expect(kv.finalOps()).toEqual([]);
    const keys = new Set<string>();
    for (let n = 0; n < 200; n++) keys.add(kv.nextOp(rng, 0).key!);
    keys.add(kv.recoveryOp(rng, 0).key!);
    expect(kv.finalOps()).toEqual([...keys].sort().map((key) => ({ f: 'read', key, value: null })));
    const register = createWorkload('register', { opTimeoutMs: 1000, concurrency: 10 });
    for (let n = 0; n < 300; n++) register.nextOp(rng, 0);
    expect(register.finalOps().map((o) => o.key)).toEqual(['r0', 'r1', 'r2']);
  });

  it('every workload is judged by final-reads', async () => {
    for (const name of ['register', 'kv', 'set', 'bank'] as const) {
      const names = (await allCheckers(name)).map((c) => c.name);
      expect(names).toContain('final-reads');
    }
  });
});
