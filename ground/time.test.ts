/** wallTimers, the real-runtime side of NemesisContext.time: every never overlaps or piles up calls; cancel waits for the one in flight. */
import { describe, expect, it } from 'vitest';
import { sleep, wallTimers } from './time.js';

describe('wallTimers.every', () => {
  it('skips ticks while a call runs (no overlap, no backlog); cancel resolves after the call in flight, and no call follows', async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    let finished = 0;
    const cancel = wallTimers.every(5, async () => {
      calls++;
      most = Math.max(most, ++running);
      await sleep(40);
      running--;
      finished++;
    });
    await sleep(150);
    await cancel();
    expect(running).toBe(0);
    expect(finished).toBe(calls);
    expect(most).toBe(1);
    // 150 ms of 40 ms calls: a backlog of the 5 ms ticks would have made ~30.
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(5);
    await sleep(30);
    expect(calls).toBe(finished);
    expect(running).toBe(0);
  });
});
