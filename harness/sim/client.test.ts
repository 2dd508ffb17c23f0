/**
 * The simulated client is the real one: the same ops, run by paxos/clients.ts over real HTTP
 * against paxos/http.ts's server, and by harness/sim/client.ts straight into the core, hand the
 * core the same Commands and come back with the same completions. Both sides apply the commands
 * with the core's own state machine (paxos/core/kv.ts applyCommand) on stores that start alike;
 * some answers are replaced by the core's other results (not-leader, unknown) to cover fail and
 * info. Every workload: kv (register), set, bank (its setup too), append, wr.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Completion } from '../../ground/client.js';
import type { Op } from '../../ground/history.js';
import { BankClient, KvClient, SetClient, TxnClient } from '../../paxos/clients.js';
import { applyCommand } from '../../paxos/core/index.js';
import type { Command, Result } from '../../paxos/core/types.js';
import { bankProtocol, kvProtocol, setProtocol, txnProtocol, type OpProtocol } from '../../paxos/exchanges.js';
import type { HttpClient } from '../../paxos/http-client.js';
import { createHttpServer } from '../../paxos/http.js';
import { invokeOn, openAccountsOn, type CoreLink } from './client.js';
import { Scheduler } from './scheduler.js';

/** One side's store: the core's state machine over a map, unless the case replaces the answer. */
function store() {
  const kv = {};
  const commands: Command[] = [];
  let replace: ((c: Command, n: number) => Result | undefined) | null = null;
  let n = 0;
  return {
    commands,
    answer(c: Command): Result {
      commands.push(c);
      return replace?.(c, n++) ?? applyCommand(kv, c);
    },
    replacing(r: typeof replace) {
      replace = r;
      n = 0;
    },
  };
}

const real = store();
const sim = store();
const server = createHttpServer({
  submit: async (c) => real.answer(c),
  status: () => ({ id: 'n1', role: 'leader', ballot: [1, 'n1'], leader: 'n1', commitIndex: 0, appliedIndex: 0 }),
  decidedLog: () => ({ entries: [], next: 0 }),
  appliedState: () => ({ digests: [], state: { index: 0, kv: {} } }),
  stats: () => ({}),
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const sched = new Scheduler();
const link: CoreLink = {
  isUp: () => true,
  submit: (_node, command, answer) => sched.after(2, () => answer(sim.answer(command))),
};

const op = (f: string, value: unknown, key?: string): Op => ({ index: 0, time: 0, process: 0, type: 'invoke', f, value, ...(key ? { key } : {}) });

async function both(client: HttpClient, protocol: OpProtocol, o: Op, replace: Parameters<ReturnType<typeof store>['replacing']>[0] = null): Promise<Completion> {
  real.replacing(replace);
  sim.replacing(replace);
  const before = [real.commands.length, sim.commands.length];
  await client.open({ name: 'n1', clientUrl: url });
  const got = await client.invoke(o);
  await client.close();
  let simGot: Completion | undefined;
  invokeOn(link, sched, 'n1', 1000, protocol, o, (c) => (simGot = c));
  await sched.run();
  expect(sim.commands.slice(before[1])).toEqual(real.commands.slice(before[0]));
  expect(simGot).toEqual(got);
  return got;
}

const notLeader = (): Result => ({ type: 'fail', error: 'not-leader', leader: null });
const unknown = (): Result => ({ type: 'unknown', error: 'proposal-lost' });

describe('the simulated client makes the real client\'s commands and completions', () => {
  it('kv (register and kv): read, write, cas; cas-mismatch, not-leader fail; unknown write info, unknown read fail', async () => {
    const kv = () => new KvClient(1000);
    expect(await both(kv(), kvProtocol, op('write', 3, 'k1'))).toEqual({ type: 'ok', node: 'n1' });
    expect(await both(kv(), kvProtocol, op('read', null, 'k1'))).toEqual({ type: 'ok', value: 3, node: 'n1' });
    expect(await both(kv(), kvProtocol, op('cas', [1, 2], 'k1'))).toMatchObject({ type: 'fail', error: 'cas-mismatch' });
    expect(await both(kv(), kvProtocol, op('cas', [3, 4], 'k1'))).toMatchObject({ type: 'ok' });
    expect(await both(kv(), kvProtocol, op('read', null, 'a key/with?odd&chars'))).toEqual({ type: 'ok', value: null, node: 'n1' });
    expect(await both(kv(), kvProtocol, op('write', 5, 'k1'), notLeader)).toMatchObject({ type: 'fail', error: 'not-leader' });
    expect(await both(kv(), kvProtocol, op('write', 5, 'k1'), unknown)).toMatchObject({ type: 'info', error: 'proposal-lost' });
    expect(await both(kv(), kvProtocol, op('read', null, 'k1'), unknown)).toMatchObject({ type: 'fail', error: 'read-indeterminate: proposal-lost' });
  });

  it('set: adds, and a read of 600 attempted elements in three txns', async () => {
    const set = () => new SetClient(1000, () => 600);
    const protocol = setProtocol(() => 600);
    for (const n of [7, 300, 599]) expect(await both(set(), protocol, op('add', n))).toMatchObject({ type: 'ok' });
    const before = sim.commands.length;
    expect(await both(set(), protocol, op('read', null))).toEqual({ type: 'ok', value: [7, 300, 599], node: 'n1' });
    expect(sim.commands.slice(before).map((c) => (c.op === 'txn' ? c.ops.length : 0))).toEqual([256, 256, 88]);
    expect(await both(set(), protocol, op('read', null), (_c, i) => (i === 1 ? unknown() : undefined))).toMatchObject({ type: 'fail', error: 'read-indeterminate: proposal-lost' });
  });

  it('bank: not open yet, the setup, transfers (ok, overdraft, abort, unknown), reads', async () => {
    const bank = () => new BankClient(1000);
    expect(await both(bank(), bankProtocol, op('transfer', { from: 'acct-0', to: 'acct-1', amount: 1 }))).toMatchObject({ type: 'fail', error: 'accounts-not-open' });
    // The setup: the real client's openAccounts and the simulator's, each retried after a not-leader.
    const opening = [real.commands.length, sim.commands.length];
    real.replacing((_c, i) => (i === 0 ? notLeader() : undefined));
    const c = bank();
    await c.open({ name: 'n1', clientUrl: url });
    await c.openAccounts(new AbortController().signal);
    await c.close();
    sim.replacing((_c, i) => (i === 0 ? notLeader() : undefined));
    let opened = false;
    openAccountsOn(link, sched, 'n1', 1000, 30_000, () => (opened = true));
    await sched.run();
    expect(opened).toBe(true);
    expect(sim.commands.slice(opening[1])).toEqual(real.commands.slice(opening[0]));
    expect(sim.commands.length - opening[1]).toBe(2);
    expect(await both(bank(), bankProtocol, op('transfer', { from: 'acct-0', to: 'acct-1', amount: 5 }))).toMatchObject({ type: 'ok' });
    expect(await both(bank(), bankProtocol, op('transfer', { from: 'acct-0', to: 'acct-1', amount: 16 }))).toMatchObject({ type: 'fail', error: 'insufficient-funds' });
    // Someone else moved the money between the read and the check: aborted, a definite fail.
    const moved = (c: Command, i: number): Result | undefined => (i === 1 && c.op === 'txn' ? { type: 'fail', error: 'txn-aborted', value: [] } : undefined);
    expect(await both(bank(), bankProtocol, op('transfer', { from: 'acct-1', to: 'acct-2', amount: 2 }), moved)).toMatchObject({ type: 'fail', error: 'txn-aborted' });
    expect(await both(bank(), bankProtocol, op('transfer', { from: 'acct-1', to: 'acct-2', amount: 2 }), (_c, i) => (i === 1 ? unknown() : undefined))).toMatchObject({ type: 'info' });
    expect(await both(bank(), bankProtocol, op('transfer', { from: 'acct-1', to: 'acct-2', amount: 2 }), notLeader)).toMatchObject({ type: 'fail', error: 'read-before-transfer: not-leader' });
    expect(await both(bank(), bankProtocol, op('read', null))).toEqual({ type: 'ok', value: { 'acct-0': 15, 'acct-1': 25, 'acct-2': 20, 'acct-3': 20, 'acct-4': 20 }, node: 'n1' });
  });

  it('append and wr: one txn each; reads filled in, not-a-list and aborts fail, an unknown read-only txn fails', async () => {
    const append = () => new TxnClient(1000, 'append');
    const wr = () => new TxnClient(1000, 'wr');
    expect(await both(append(), txnProtocol('append'), op('txn', [['r', 1, null], ['append', 1, 5], ['append', 1, 6], ['r', 1, null]]))).toEqual({ type: 'ok', value: [['r', 1, []], ['append', 1, 5], ['append', 1, 6], ['r', 1, [5, 6]]], node: 'n1' });
    expect(await both(wr(), txnProtocol('wr'), op('txn', [['w', 9, 4], ['r', 9, null], ['r', 8, null]]))).toEqual({ type: 'ok', value: [['w', 9, 4], ['r', 9, 4], ['r', 8, null]], node: 'n1' });
    expect(await both(append(), txnProtocol('append'), op('txn', [['append', 9, 1]]))).toMatchObject({ type: 'fail', error: 'not-a-list' });
    expect(await both(append(), txnProtocol('append'), op('txn', [['append', 2, 1]]), unknown)).toMatchObject({ type: 'info', error: 'proposal-lost' });
    expect(await both(wr(), txnProtocol('wr'), op('txn', [['r', 9, null]]), unknown)).toMatchObject({ type: 'fail', error: 'read-indeterminate: proposal-lost' });
    // An append txn reading a key that holds a register: the 200 cannot be read as lists, outcome unknown.
    expect(await both(append(), txnProtocol('append'), op('txn', [['r', 9, null], ['append', 3, 1]]))).toMatchObject({ type: 'info', error: 'malformed-txn-response' });
  });
});
