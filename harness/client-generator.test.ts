/**
 * Client ops through the generator combinators (ClientThreads.runGenerator, Workload.generator):
 * each thread performs the ops its own seeded cursor yields (the same ones `simulate` lists for
 * that Rng), with the keys they name, sees only the clients' part of a routed schedule, and
 * tells outcomes back (untilOk stops a thread at its first ok). In-process scripted clients.
 */
import { describe, expect, it } from 'vitest';
import type { Client, Completion } from '../ground/client.js';
import { cycle, mix, onNemesis, op, phases, simulate, stagger, untilOk } from '../ground/generator.js';
import type { Op } from '../ground/history.js';
import { Rng } from '../ground/rng.js';
import { ClientThreads } from './generator.js';
import type { OpFields } from './historyWriter.js';

class ScriptedClient implements Client {
  calls = 0;
  constructor(private readonly outcome: (call: number) => Completion) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async invoke(): Promise<Completion> {
    await new Promise((r) => setTimeout(r, 1));
    return this.outcome(this.calls++);
  }
}

function threadsOf(n: number, outcome: (call: number) => Completion = () => ({ type: 'ok' })) {
  const ops: Op[] = [];
  const record = (f: OpFields): Op => {
    const o = { index: ops.length, time: ops.length, ...f } as Op;
    ops.push(o);
    return o;
  };
  const clients = Array.from({ length: n }, () => new ScriptedClient(outcome));
  return { ops, clients, threads: new ClientThreads({ clients, record, rng: new Rng(1), rate: 0 }) };
}

describe('ClientThreads.runGenerator', () => {
  const readsAndWrites = () => stagger(2, mix(cycle({ f: 'read', key: 'k1' }), cycle({ f: 'write', key: 'k2', value: 7 })));

  it("performs each thread's seeded op sequence, keys and values as yielded", async () => {
    const { ops, threads } = threadsOf(2);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    await threads.runGenerator(readsAndWrites(), stop.signal);
    const invokes = (p: number) => ops.filter((o) => o.type === 'invoke' && o.process === p);
    expect(invokes(0).length).toBeGreaterThan(5);
    expect(invokes(1).length).toBeGreaterThan(5);
    // Thread t's Rng is the t-th fork of the run's: the ops are what simulate lists for it.
    const root = new Rng(1);
    const forks = [root.fork(), root.fork()];
    for (const p of [0, 1]) {
      const expected = simulate(readsAndWrites(), forks[p], { consumer: 'clients', maxOps: invokes(p).length });
      expect(invokes(p).map((o) => [o.f, o.key, o.value])).toEqual(expected.map((e) => [e.f, e.key, e.value ?? null]));
    }
    expect(ops.filter((o) => o.type === 'ok')).toHaveLength(ops.filter((o) => o.type === 'invoke').length);
  });

  it('tells outcomes back (untilOk retries a failing read until ok), and skips the nemesis part', async () => {
    const { ops, threads } = threadsOf(1, (call) => (call < 2 ? { type: 'fail', error: 'not yet' } : { type: 'ok', value: 3 }));
    const stop = new AbortController();
    await threads.runGenerator(phases(onNemesis(op('start-kill')), untilOk(cycle({ f: 'read', key: 'k' }))), stop.signal);
    expect(stop.signal.aborted).toBe(false); // the cursor ran out: the thread stopped by itself
    expect(ops.map((o) => [o.type, o.f])).toEqual([
      ['invoke', 'read'],
      ['fail', 'read'],
      ['invoke', 'read'],
      ['fail', 'read'],
      ['invoke', 'read'],
      ['ok', 'read'],
    ]);
  });
});
