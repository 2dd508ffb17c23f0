/**
 * Cancelling a long linearizability search (what Ctrl-C during a run's check relies on): the
 * Async check functions give the event loop a turn while they search, stop soon after their
 * signal aborts with 'unknown' ("cancelled"), and otherwise agree with the sync ones.
 */
import { describe, expect, it } from 'vitest';
import { checkOperations, checkOperationsAsync } from './check.js';
import { getModel } from './models/index.js';
import type { Operation } from './types.js';

/** n concurrent writes, then reads of 0..n-1 one after another: illegal, and a search of 2^n (n=16: seconds). */
function hardHistory(n: number): Operation[] {
  const ops: Operation[] = [];
  for (let p = 0; p < n; p++) ops.push({ clientId: p, input: { f: 'write', value: p }, output: {}, call: 0, return: 10 });
  for (let p = 0; p < n; p++) ops.push({ clientId: 100 + p, input: { f: 'read' }, output: { value: p }, call: 20 + p, return: 21 + p });
  return ops;
}

const register = getModel('register');

describe('checkOperationsAsync', () => {
  it('lets timers run while it searches and stops soon after its signal aborts: unknown, "cancelled"', async () => {
    const ac = new AbortController();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      ac.abort();
    }, 300);
    const outcome = await checkOperationsAsync(register, hardHistory(16), { signal: ac.signal, verbose: true });
    const lag = performance.now() - abortedAt;
    clearInterval(ticker);
    expect(abortedAt).toBeGreaterThan(0);
    expect(outcome.result).toBe('unknown');
    expect(outcome.message).toBe('cancelled; 1 of 1 partitions unfinished');
    expect(outcome.partitions![0].info!.result).toBe('unknown');
    expect(lag).toBeLessThan(1000);
    expect(ticks).toBeGreaterThan(2); // timers fire at the search's pauses (about every 50 ms)
  });

  it('does not search at all under a signal aborted already', async () => {
    const outcome = await checkOperationsAsync(register, hardHistory(16), { signal: AbortSignal.abort() });
    expect([outcome.result, outcome.partitions![0].steps]).toEqual(['unknown', 0]);
  });

  it('gives the sync verdict when not cancelled', async () => {
    const ops = hardHistory(10);
    const sync = checkOperations(register, ops);
    const async = await checkOperationsAsync(register, ops, { signal: new AbortController().signal });
    expect(sync.result).toBe('illegal');
    expect([async.result, async.message, async.partitions![0].steps]).toEqual([sync.result, sync.message, sync.partitions![0].steps]);
  });
});
