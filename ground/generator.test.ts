/**
 * The generator combinators on a virtual clock (simulate): what each yields and when, that a
 * seed replays the same op sequence, and that routing, time limits and untilOk behave as the
 * interpreters rely on.
 */
import { describe, expect, it } from 'vitest';
import {
  cycle,
  delay,
  flipFlop,
  mix,
  once,
  onClients,
  onNemesis,
  op,
  phases,
  rate,
  repeat,
  simulate,
  sleep,
  stagger,
  timeLimit,
  untilOk,
  type Generator,
} from './generator.js';
import { Rng } from './rng.js';

const fs = (g: Generator, seed = 1, opts = {}) => simulate(g, new Rng(seed), opts).map((o) => o.f);
const at = (g: Generator, seed = 1, opts = {}) => simulate(g, new Rng(seed), opts).map((o) => [o.f, o.atMs]);

describe('generator combinators', () => {
  it('phases runs each part in turn; sleeps move the virtual clock', () => {
    const g = phases(op('a'), sleep(100), { f: 'b', value: [1, 2] }, phases(sleep(50), op('c')));
    expect(simulate(g, new Rng(1))).toEqual([
      { f: 'a', atMs: 0 },
      { f: 'b', value: [1, 2], atMs: 100 },
      { f: 'c', atMs: 150 },
    ]);
  });

  it('repeat n times, cycle for ever (cut by timeLimit, which also cuts a sleep short)', () => {
    expect(fs(repeat(3, op('x')))).toEqual(['x', 'x', 'x']);
    expect(fs(repeat(0, op('x')))).toEqual([]);
    const g = timeLimit(1000, cycle(phases(op('start'), sleep(300), op('stop'), sleep(300))));
    expect(at(g)).toEqual([
      ['start', 0],
      ['stop', 300],
      ['start', 600],
      ['stop', 900],
    ]);
    // The last sleep ends at the limit, not past it: the next phase starts at 1000.
    expect(at(phases(timeLimit(1000, cycle(phases(op('a'), sleep(700)))), op('after')))).toEqual([
      ['a', 0],
      ['a', 700],
      ['after', 1000],
    ]);
    // A pass that yields nothing ends a cycle instead of spinning.
    expect(fs(cycle(phases()))).toEqual([]);
  });

  it('once takes the first op; delay and rate space ops evenly; stagger at random around the mean', () => {
    expect(fs(once(cycle(op('x'))))).toEqual(['x']);
    expect(at(delay(250, repeat(3, op('x'))))).toEqual([
      ['x', 250],
      ['x', 500],
      ['x', 750],
    ]);
    expect(at(rate(4, repeat(2, op('x'))))).toEqual([
      ['x', 250],
      ['x', 500],
    ]);
    const times = simulate(stagger(100, repeat(2000, op('x'))), new Rng(7)).map((o) => o.atMs);
    const gaps = times.map((t, i) => t - (i === 0 ? 0 : times[i - 1]));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...gaps)).toBeLessThan(200);
    expect(times[times.length - 1] / times.length).toBeGreaterThan(90);
    expect(times[times.length - 1] / times.length).toBeLessThan(110);
  });

  it('mix draws from the seed: the same seed gives the same sequence, another seed another', () => {
    const g = () => timeLimit(10_000, mix(cycle(op('read')), cycle(op('write')), stagger(50, cycle(op('cas')))));
    const one = simulate(g(), new Rng(42), { maxOps: 300, opMs: 5 });
    expect(simulate(g(), new Rng(42), { maxOps: 300, opMs: 5 })).toEqual(one);
    expect(simulate(g(), new Rng(43), { maxOps: 300, opMs: 5 })).not.toEqual(one);
    for (const f of ['read', 'write', 'cas']) expect(one.filter((o) => o.f === f).length).toBeGreaterThan(60);
    // Finite parts: every op of each, until all are exhausted.
    expect(fs(mix(repeat(3, op('a')), repeat(2, op('b')))).sort()).toEqual(['a', 'a', 'a', 'b', 'b']);
  });

  it('flipFlop alternates, ending when the side whose turn it is runs out', () => {
    expect(fs(flipFlop(cycle(op('start')), repeat(2, op('stop'))))).toEqual(['start', 'stop', 'start', 'stop', 'start']);
  });

  it('untilOk yields until an op completes ok (the outcome is told back)', () => {
    let calls = 0;
    const outcome = () => (++calls < 3 ? ('fail' as const) : ('ok' as const));
    expect(fs(untilOk(cycle(op('read'))), 1, { outcome })).toEqual(['read', 'read', 'read']);
    // The feedback reaches through other combinators.
    calls = 0;
    expect(fs(phases(op('x'), untilOk(delay(10, cycle(op('read'))))), 1, { outcome })).toEqual(['x', 'read', 'read']);
  });

  it('onNemesis and onClients route: each consumer sees only its part', () => {
    const g = phases(onNemesis(op('start-kill')), onClients(repeat(2, op('read'))), op('both'));
    expect(fs(g, 1, { consumer: 'nemesis' })).toEqual(['start-kill', 'both']);
    expect(fs(g, 1, { consumer: 'clients' })).toEqual(['read', 'read', 'both']);
  });

  it('refuses nonsense parameters', () => {
    expect(() => sleep(-1)).toThrow(RangeError);
    expect(() => rate(0, op('x'))).toThrow(RangeError);
    expect(() => repeat(1.5, op('x'))).toThrow(RangeError);
    expect(() => timeLimit(Number.NaN, op('x'))).toThrow(RangeError);
  });
});
