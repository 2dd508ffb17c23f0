/**
 * The nemesis interpreter with recording fake faults (real time, short sleeps): ops become the
 * faults' starts and stops in the schedule's order, `heal` stops what is in force newest first,
 * failures are nemesis-error ops told back to the generator, and the end stops everything with
 * lastStop. The flag schedule and kill-all-in-flight are checked on the virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { cycle, delay, op, phases, simulate, sleep, untilOk } from '../ground/generator.js';
import type { Nemesis, NemesisContext, Schedule } from '../ground/nemesis.js';
import { Rng } from '../ground/rng.js';
import { flagSchedule, runSchedule } from './schedule.js';
import { killAllLeaderLast, namedSchedule, parseScheduleName, SCHEDULE_NAMES } from './schedules.js';

function harness() {
  const calls: string[] = [];
  const records: Array<{ f: string; value: unknown }> = [];
  const ctx = { rng: new Rng(1), nodes: ['n1', 'n2', 'n3'], record: (f: string, value: unknown) => records.push({ f, value }) } as unknown as NemesisContext;
  const fake = (name: string, opts: { failStarts?: number } = {}): Nemesis => {
    let failures = opts.failStarts ?? 0;
    return {
      name,
      start: async () => {
        calls.push(`start-${name}`);
        if (failures-- > 0) throw new Error(`${name} refused`);
      },
      stop: async (c) => void calls.push(`stop-${name}${c.lastStop ? '!' : ''}`),
    };
  };
  return { calls, records, ctx, fake };
}

describe('runSchedule', () => {
  it("performs the schedule's ops in order, heal newest first, and stops everything at the end", async () => {
    const { calls, records, ctx, fake } = harness();
    const schedule: Schedule = {
      name: 'test',
      faults: { slow: fake('packet'), down: fake('kill') },
      generator: phases(op('start-slow'), sleep(20), op('start-down'), op('stop-down'), op('heal')),
    };
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const result = await runSchedule(schedule, ctx, { signal: ac.signal });
    expect(result).toEqual({ cycles: 2, errors: [] });
    expect(calls).toEqual(['start-packet', 'start-kill', 'stop-kill', 'stop-kill', 'stop-packet', 'stop-kill!', 'stop-packet!']);
    expect(records).toEqual([]);
  });

  it('records a failing op as nemesis-error and tells the generator (untilOk retries); unknown ops too', async () => {
    const { calls, records, ctx, fake } = harness();
    const schedule: Schedule = {
      name: 'test',
      faults: { p: fake('partition', { failStarts: 2 }) },
      generator: phases(untilOk(delay(5, cycle(op('start-p')))), op('flood')),
    };
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const result = await runSchedule(schedule, ctx, { signal: ac.signal });
    expect(calls).toEqual(['start-partition', 'start-partition', 'start-partition', 'stop-partition!']);
    expect(result.errors.slice(0, 2)).toEqual(['start partition: partition refused', 'start partition: partition refused']);
    expect(result.errors[2]).toMatch(/^test: unknown schedule op "flood" \(known: start-p, stop-p, heal\)/);
    expect(records.map((r) => r.f)).toEqual(['nemesis-error', 'nemesis-error', 'nemesis-error']);
    expect(records[0].value).toEqual({ nemesis: 'partition', phase: 'start', error: 'partition refused' });
  });

  it('stops at once when aborted during a sleep', async () => {
    const { calls, ctx, fake } = harness();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const t0 = Date.now();
    await runSchedule({ name: 't', faults: { k: fake('kill') }, generator: phases(op('start-k'), sleep(60_000), op('stop-k')) }, ctx, { signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(calls).toEqual(['start-kill', 'stop-kill!']);
  });
});

describe('schedules', () => {
  const kill = { name: 'kill', start: async () => {}, stop: async () => {} };

  it('flagSchedule is the --nemesis cycle: quiet, start, hold, stop, every interval', () => {
    const ops = simulate(flagSchedule(kill, 3000).generator, new Rng(1), { untilMs: 12_500 });
    expect(ops.map((o) => [o.f, o.atMs])).toEqual([
      ['start-nemesis', 3000],
      ['stop-nemesis', 6000],
      ['start-nemesis', 9000],
      ['stop-nemesis', 12_000],
    ]);
    expect(() => flagSchedule(kill, 0)).toThrow(/interval must be > 0/);
  });

  it('kill-all-in-flight: every link slow for 3 s, then every node killed and restarted while slow, then heal; over again', () => {
    expect(SCHEDULE_NAMES).toContain('kill-all-in-flight');
    expect(() => parseScheduleName('nope')).toThrow(/unknown schedule "nope" \(known: kill-all-in-flight\)/);
    const s = namedSchedule('kill-all-in-flight', { nodes: ['n1', 'n2', 'n3'], intervalMs: 3000, leaderAware: true });
    expect(s.needs).toEqual({ clock: false, packet: true });
    const ops = simulate(s.generator, new Rng(1), { untilMs: 13_000 });
    expect(ops.map((o) => [o.f, o.atMs])).toEqual([
      ['start-slow-links', 1000],
      ['start-kill-all', 4000],
      ['stop-kill-all', 4300],
      ['stop-kill-all', 5300],
      ['heal', 6300],
      ['start-slow-links', 7300],
      ['start-kill-all', 10_300],
      ['stop-kill-all', 10_600],
      ['stop-kill-all', 11_600],
      ['heal', 12_600],
    ]);
  });

  it('its kill takes every node down; a stop restarts all but the old leader (a mark), the next one the leader, a last stop everything', async () => {
    const { records, ctx } = harness();
    const events: string[] = [];
    const runtime = { kill: async (n: string) => void events.push(`kill ${n}`), start: async (n: string) => void events.push(`start ${n}`) };
    const on = { ...ctx, runtime, leader: async () => 'n2' } as unknown as NemesisContext;
    const k = killAllLeaderLast();
    await k.start(on);
    await k.stop(on);
    await k.stop(on);
    await k.stop(on); // nothing down: no-op
    expect(events).toEqual(['kill n1', 'kill n2', 'kill n3', 'start n1', 'start n3', 'start n2']);
    expect(records).toEqual([
      { f: 'start-kill', value: ['n1', 'n2', 'n3'] },
      { f: 'restart', value: ['n1', 'n3'] },
      { f: 'stop-kill', value: ['n2'] },
    ]);
    await k.start(on);
    await k.stop({ ...on, lastStop: true });
    expect(records.at(-1)).toEqual({ f: 'stop-kill', value: ['n1', 'n2', 'n3'] });
  });
});
