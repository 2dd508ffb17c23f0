import { describe, expect, it } from 'vitest';
import type { Client, Completion } from '../ground/client.js';
import { ClientThreads } from './generator.js';
import { pairOps, type Op } from '../ground/history.js';
import type { OpFields } from './historyWriter.js';
import { Rng } from '../ground/rng.js';
import { OPS_PER_KEY, registerWorkload } from '../workloads/kv.js';

/** An in-process client (unit test of the process model only): outcome chosen by a script. */
class ScriptedClient implements Client {
  calls = 0;
  constructor(private readonly outcome: (op: Op, call: number) => Completion, private readonly delayMs = 1) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async invoke(op: Op): Promise<Completion> {
    const call = this.calls++;
    await new Promise((r) => setTimeout(r, this.delayMs));
    return this.outcome(op, call);
  }
}

function recorder() {
  const ops: Op[] = [];
  const start = process.hrtime.bigint();
  const record = (f: OpFields): Op => {
    const op = { index: ops.length, time: Number(process.hrtime.bigint() - start), ...f } as Op;
    ops.push(op);
    return op;
  };
  return { ops, record };
}

const nextWrite = (rng: Rng) => ({ f: 'write', key: 'r', value: rng.int(0, 9) });

describe('ClientThreads (Jepsen process model)', () => {
  it('unthrottle: the rate limit is lifted while on, and back from the moment it is off', async () => {
    const { ops, record } = recorder();
    const clients = Array.from({ length: 2 }, () => new ScriptedClient(() => ({ type: 'ok' })));
    const threads = new ClientThreads({ clients, record, rng: new Rng(1), rate: 10 });
    const invokes = () => ops.filter((o) => o.type === 'invoke').length;
    const stop = new AbortController();
    const phase = threads.runPhase((rng) => nextWrite(rng), stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    const limited = invokes(); // about 3 in 300 ms at 10 ops/s
    threads.unthrottle(true);
    await new Promise((r) => setTimeout(r, 300));
    const burst = invokes() - limited;
    threads.unthrottle(false);
    const after = invokes();
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    await phase;
    expect(limited).toBeGreaterThanOrEqual(2);
    expect(limited).toBeLessThanOrEqual(5);
    expect(burst).toBeGreaterThan(50); // two threads with 1 ms ops, no limit
    expect(invokes() - after).toBeLessThanOrEqual(5); // limited again, no catching up
  });

  it('burst threads: idle outside bursts, all running during one, idle again after; the phase ends with them', async () => {
    const { ops, record } = recorder();
    const clients = Array.from({ length: 6 }, () => new ScriptedClient(() => ({ type: 'ok' }), 5));
    const threads = new ClientThreads({ clients, record, rng: new Rng(2), rate: 20, burstThreads: 4 });
    const burstInvokes = () => ops.filter((o) => o.type === 'invoke' && (o.process as number) % 6 >= 2).length;
    const stop = new AbortController();
    const phase = threads.runPhase((rng) => nextWrite(rng), stop.signal);
    await new Promise((r) => setTimeout(r, 200));
    expect(burstInvokes()).toBe(0);
    expect(ops.filter((o) => o.type === 'invoke').length).toBeGreaterThan(0); // the steady threads run
    threads.unthrottle(true);
    await new Promise((r) => setTimeout(r, 200));
    const during = new Set(ops.filter((o) => o.type === 'invoke').map((o) => (o.process as number) % 6));
    expect([...during].sort()).toEqual([0, 1, 2, 3, 4, 5]); // every thread took part
    threads.unthrottle(false);
    await new Promise((r) => setTimeout(r, 20)); // the burst ops in flight complete
    const afterBurst = burstInvokes();
    await new Promise((r) => setTimeout(r, 200));
    expect(burstInvokes()).toBe(afterBurst);
    stop.abort();
    await phase; // idle burst threads end with the phase
    expect(pairOps(ops).every((p) => p.complete !== undefined)).toBe(true);
  });

  it('refuses a burst thread count that leaves no steady thread', () => {
    const clients = Array.from({ length: 2 }, () => new ScriptedClient(() => ({ type: 'ok' })));
    expect(() => new ClientThreads({ clients, record: recorder().record, rng: new Rng(1), rate: 0, burstThreads: 2 })).toThrow(/burst threads/);
  });

  it('gives a thread a new process id after every info, and never reuses a crashed one', async () => {
    const { ops, record } = recorder();
    const concurrency = 3;
    // Every third call of each client is indeterminate.
    const clients = Array.from({ length: concurrency }, () => new ScriptedClient((_, n) => (n % 3 === 2 ? { type: 'info', error: 'timeout' } : { type: 'ok' })));
    const threads = new ClientThreads({ clients, record, rng: new Rng(7), rate: 10_000 });
    let budget = 30;
    await threads.runPhase((rng) => (budget-- > 0 ? nextWrite(rng) : null), new AbortController().signal);

    expect(ops.length).toBe(60); // 30 invocations + 30 completions
    const pairs = pairOps(ops); // throws if a process ever had two ops outstanding
    expect(pairs.every((p) => p.complete !== undefined)).toBe(true);
    const crashed = new Set(pairs.filter((p) => p.complete!.type === 'info').map((p) => p.invoke.process));
    const expectedInfos = clients.reduce((n, c) => n + Math.floor(c.calls / 3), 0);
    expect(expectedInfos).toBeGreaterThan(5);
    expect(crashed.size).toBe(expectedInfos);
    for (const p of pairs.filter((q) => q.complete!.type === 'info')) {
      // A crashed process never invokes again.
      expect(ops.filter((o) => o.process === p.invoke.process && o.index > p.complete!.index)).toEqual([]);
    }
    // Process ids of thread t are t, t + c, t + 2c, ...
    for (const p of pairs) expect((p.invoke.process as number) % concurrency).toBeLessThan(concurrency);
    expect(threads.processes.every((p, t) => p === t + concurrency * Math.floor(clients[t].calls / 3))).toBe(true);
  });

  it('records the completion value and node, and keeps the invoke value for writes', async () => {
    const { ops, record } = recorder();
    const client = new ScriptedClient((op) => (op.f === 'read' ? { type: 'ok', value: 4, node: 'n2' } : { type: 'fail', error: 'cas-mismatch', node: 'n2' }));
    const threads = new ClientThreads({ clients: [client], record, rng: new Rng(1), rate: 10_000 });
    const script = [{ f: 'read', key: 'r', value: null }, { f: 'cas', key: 'r', value: [1, 2] }];
    await threads.runPhase(() => script.shift() ?? null, new AbortController().signal);
    expect(ops.map((o) => [o.type, o.f, o.value, o.node ?? null, o.error ?? null])).toEqual([
      ['invoke', 'read', null, null, null],
      ['ok', 'read', 4, 'n2', null],
      ['invoke', 'cas', [1, 2], null, null],
      ['fail', 'cas', [1, 2], 'n2', 'cas-mismatch'],
    ]);
    expect(ops.map((o) => o.index)).toEqual([0, 1, 2, 3]);
  });

  it('limits the total rate across threads', async () => {
    const { ops, record } = recorder();
    const clients = Array.from({ length: 4 }, () => new ScriptedClient(() => ({ type: 'ok' }), 0));
    const threads = new ClientThreads({ clients, record, rng: new Rng(3), rate: 50 });
    await threads.runPhase(nextWrite, AbortSignal.timeout(400));
    const invokes = ops.filter((o) => o.type === 'invoke').length;
    // 50 ops/s for 0.4 s = 20 (+1 for the slot at t=0); timing noise only ever makes it fewer.
    expect(invokes).toBeLessThanOrEqual(22);
    expect(invokes).toBeGreaterThanOrEqual(8);
  });

  it('puts one abort listener on the phase signal, however many threads wait on it', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const { ops, record } = recorder();
      const clients = Array.from({ length: 50 }, () => new ScriptedClient(() => ({ type: 'ok' }), 0));
      // 100 ops/s for 50 threads: every thread waits for its slot on the same signal at once.
      const threads = new ClientThreads({ clients, record, rng: new Rng(3), rate: 100 });
      await threads.runPhase(nextWrite, AbortSignal.timeout(300));
      expect(ops.length).toBeGreaterThan(10);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('rate 0 is unlimited: no waiting between ops', async () => {
    const { ops, record } = recorder();
    const clients = Array.from({ length: 4 }, () => new ScriptedClient(() => ({ type: 'ok' }), 0));
    const threads = new ClientThreads({ clients, record, rng: new Rng(3), rate: 0 });
    await threads.runPhase(nextWrite, AbortSignal.timeout(200));
    // A 1 ms client sleep per op bounds it at ~800; any rate limit of old (> 0) would be far less.
    expect(ops.filter((o) => o.type === 'invoke').length).toBeGreaterThan(200);
  });

  it('stops at the signal, letting the op in flight complete', async () => {
    const { ops, record } = recorder();
    const threads = new ClientThreads({ clients: [new ScriptedClient(() => ({ type: 'ok' }), 50)], record, rng: new Rng(3), rate: 10_000 });
    await threads.runPhase(nextWrite, AbortSignal.timeout(120));
    expect(ops.length % 2).toBe(0);
    expect(pairOps(ops).every((p) => p.complete)).toBe(true);
  });

  it('draws the same ops per thread for the same seed', async () => {
    const run = async (seed: number) => {
      const { ops, record } = recorder();
      const clients = Array.from({ length: 3 }, () => new ScriptedClient(() => ({ type: 'ok' }), 0));
      const threads = new ClientThreads({ clients, record, rng: new Rng(seed), rate: 10_000 });
      const left = [5, 5, 5];
      await threads.runPhase((rng, t) => (left[t]-- > 0 ? nextWrite(rng) : null), new AbortController().signal);
      return [0, 1, 2].map((p) => ops.filter((o) => o.process === p && o.type === 'invoke').map((o) => o.value));
    };
    expect(await run(11)).toEqual(await run(11));
    expect(await run(11)).not.toEqual(await run(12));
  });

  it('retries final ops until ok, as new invocations, and counts the ones that never succeed', async () => {
    const { ops, record } = recorder();
    const flaky = new ScriptedClient((_, n) => (n < 2 ? { type: 'info', error: 'timeout' } : { type: 'ok', value: [1] }));
    const dead = new ScriptedClient(() => ({ type: 'fail', error: 'econnrefused' }));
    const threads = new ClientThreads({ clients: [flaky, dead], record, rng: new Rng(1), rate: 10_000 });
    const missing = await threads.runUntilOk([[{ f: 'read', value: null }], [{ f: 'read', value: null }]], AbortSignal.timeout(300), 10);
    expect(missing).toBe(1);
    const flakyOps = ops.filter((o) => (o.process as number) % 2 === 0 && o.type !== 'invoke');
    expect(flakyOps.map((o) => o.type)).toEqual(['info', 'info', 'ok']);
    expect(new Set(flakyOps.map((o) => o.process)).size).toBe(3); // a new process after each info
    expect(pairOps(ops).every((p) => p.complete)).toBe(true);
  });
});

describe('independent keys at high concurrency (Jepsen independent/concurrent-generator)', () => {
  /** The register workload at c50 under a seeded rng; per key: the threads, most ops open at once, invocations. */
  const runRegister = async (seed: number, opsPerThread: number) => {
    const concurrency = 50;
    const { ops, record } = recorder();
    const workload = registerWorkload({ opTimeoutMs: 1000, concurrency }, { client: () => new ScriptedClient(() => ({ type: 'ok' }), 0), checkers: () => [] });
    // Completions in a seeded, varying order: threads drift apart as they do against a real store.
    const delays = new Rng(seed + 1000);
    const clients = Array.from({ length: concurrency }, () => new ScriptedClient(() => ({ type: 'ok', value: 0 }), delays.int(0, 3)));
    const threads = new ClientThreads({ clients, record, rng: new Rng(seed), rate: 0 });
    const left = Array.from({ length: concurrency }, () => opsPerThread);
    await threads.runPhase((rng, t) => (left[t]-- > 0 ? workload.nextOp(rng, t) : null), new AbortController().signal);
    const perKey = new Map<string, { threads: Set<number>; open: number; maxOpen: number; invoked: number }>();
    for (const op of ops) {
      const k = perKey.get(op.key!) ?? { threads: new Set(), open: 0, maxOpen: 0, invoked: 0 };
      perKey.set(op.key!, k);
      if (op.type === 'invoke') {
        k.threads.add((op.process as number) % concurrency);
        k.invoked++;
        k.maxOpen = Math.max(k.maxOpen, ++k.open);
      } else k.open--;
    }
    const byThread = Array.from({ length: concurrency }, (_, t) => ops.filter((o) => o.type === 'invoke' && o.process === t).map((o) => [o.f, o.value]));
    return { ops, perKey, byThread };
  };

  it('keeps at most 10 threads on a key, and each key to a bounded number of invocations', async () => {
    const { ops, perKey } = await runRegister(5, 60);
    expect(ops.filter((o) => o.type === 'invoke').length).toBe(50 * 60);
    const keys = [...perKey.values()];
    expect(Math.max(...keys.map((k) => k.threads.size))).toBeLessThanOrEqual(10);
    expect(Math.max(...keys.map((k) => k.maxOpen))).toBeLessThanOrEqual(10);
    expect(Math.max(...keys.map((k) => k.invoked))).toBeLessThanOrEqual(OPS_PER_KEY);
    // Keys do get used up, and each used-up key was really shared by its group (Jepsen's
    // contention). A group's last key may see only the threads still running at the end (the
    // scripted clients' timers decide which), so only used-up keys are held to that.
    const usedUp = keys.filter((k) => k.invoked === OPS_PER_KEY);
    expect(usedUp.length).toBeGreaterThanOrEqual(15);
    expect(Math.min(...usedUp.map((k) => k.threads.size))).toBeGreaterThanOrEqual(5);
  });

  it('draws the same ops per thread from the same seed', async () => {
    const a = await runRegister(9, 20);
    expect((await runRegister(9, 20)).byThread).toEqual(a.byThread);
    expect((await runRegister(10, 20)).byThread).not.toEqual(a.byThread);
  });
});

describe('deadline', () => {
  it('aborts after its time, or with its parent, and not after clear()', async () => {
    const { deadline } = await import('../ground/time.js');
    const a = deadline(30);
    await new Promise((r) => setTimeout(r, 80));
    expect(a.signal.aborted).toBe(true);

    const parent = new AbortController();
    const b = deadline(60_000, parent.signal);
    expect(b.signal.aborted).toBe(false);
    parent.abort(new Error('Ctrl-C'));
    expect(b.signal.aborted).toBe(true);
    b.clear();

    const c = deadline(30, new AbortController().signal);
    c.clear();
    await new Promise((r) => setTimeout(r, 80));
    expect(c.signal.aborted).toBe(false);
  });
});
