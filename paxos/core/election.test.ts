/**
 * The election timeout in force: firstElectionTimeoutMs only for a first-boot node that has
 * seen no ballot (a cluster that is just starting); the normal timeout for a restarted node,
 * after any ballot is seen, after the node's own campaign, and whenever it is not configured.
 */
import { describe, expect, it } from 'vitest';
import { configError, initState, start, TIMER } from './index.js';
import { config, deliver, fire, node } from './testkit.js';
import type { CoreEffect } from './context.js';

const timers = (effects: CoreEffect[], name: string) => effects.flatMap((e) => (e.type === 'setTimer' && e.name === name ? [e.ms] : []));
const FIRST = { firstElectionTimeoutMs: 60 };

describe('first election timeout', () => {
  it('a fresh node arms its first election timer and draws its back-off from firstElectionTimeoutMs', () => {
    const c = config('n1', ['n1', 'n2', 'n3'], null, FIRST);
    expect(timers(start(c, initState(c, [])), TIMER.election)).toEqual([60]);
    const n = node('n1', ['n1', 'n2', 'n3'], null, FIRST);
    expect(timers(fire(n, TIMER.election, 0.999), TIMER.campaign)).toEqual([60]); // 1 + floor(0.999 * 60)
  });

  it('is not used without the option, nor by a restarted node (incarnation 2)', () => {
    const plain = config('n1');
    expect(timers(start(plain, initState(plain, [])), TIMER.election)).toEqual([200]);
    const c = config('n1', ['n1', 'n2', 'n3'], null, FIRST);
    const restarted = initState(c, [{ t: 'boot', inc: 1 }]);
    expect(restarted.durable.incarnation).toBe(2);
    expect(timers(start(c, restarted), TIMER.election)).toEqual([200]);
    const n = node('n1', ['n1', 'n2', 'n3'], null, FIRST, [{ t: 'boot', inc: 1 }]);
    expect(timers(fire(n, TIMER.election, 0.999), TIMER.campaign)).toEqual([200]);
  });

  it('ends once the node has seen a ballot: a peer\'s prepare, or its own campaign', () => {
    const follower = node('n2', ['n1', 'n2', 'n3'], null, FIRST);
    deliver(follower, 'n1', { type: 'prepare', ballot: [1, 'n1'], slot: 1 });
    expect(timers(fire(follower, TIMER.election, 0.999), TIMER.campaign)).toEqual([200]);
    const candidate = node('n1', ['n1', 'n2', 'n3'], null, FIRST);
    const campaign = fire(candidate, TIMER.campaign);
    expect(timers(campaign, TIMER.election)).toEqual([200]); // no quorum in time: the normal retry
    expect(timers(fire(candidate, TIMER.election, 0.999), TIMER.campaign)).toEqual([200]);
  });

  it('is validated: a positive integer no larger than electionTimeoutMs', () => {
    expect(configError(config('n1', undefined, null, FIRST))).toBeNull();
    expect(configError(config('n1', undefined, null, { firstElectionTimeoutMs: 0 }))).toMatch(/firstElectionTimeoutMs must be a positive integer/);
    expect(configError(config('n1', undefined, null, { firstElectionTimeoutMs: 1.5 }))).toMatch(/positive integer/);
    expect(configError(config('n1', undefined, null, { firstElectionTimeoutMs: 201 }))).toMatch(/must not exceed electionTimeoutMs/);
  });
});
