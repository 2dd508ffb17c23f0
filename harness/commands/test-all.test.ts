import { describe, expect, it } from 'vitest';
import { UsageError } from '../../ground/runtime.js';
import { crossProduct, parallelOf } from './test-all.js';
import { availableParallelism } from 'node:os';
import { paxosTest } from '../../paxos/suite.js';

const PAXOS = { db: 'paxos' } as const;

const base = { 'nemesis-interval': 5, nodes: '5', concurrency: 10, 'time-limit': 30, rate: 50, runtime: 'local', results: 'results', 'recovery-time': 5, 'op-timeout': 2 };

describe('test-all cross product', () => {
  it('runs every workload x nemesis x seed; + composes faults within one run', () => {
    const configs = crossProduct({ ...base, workload: 'register,set', nemesis: 'none,partition+kill', seeds: '1,2' }, paxosTest, PAXOS);
    expect(configs.map((c) => [c.workload, c.nemesis.join('+') || 'none', c.seed, c.name])).toEqual([
      ['register', 'none', 1, 'register-none'],
      ['register', 'none', 2, 'register-none'],
      ['register', 'partition+kill', 1, 'register-partition+kill'],
      ['register', 'partition+kill', 2, 'register-partition+kill'],
      ['set', 'none', 1, 'set-none'],
      ['set', 'none', 2, 'set-none'],
      ['set', 'partition+kill', 1, 'set-partition+kill'],
      ['set', 'partition+kill', 2, 'set-partition+kill'],
    ]);
  });

  it("defaults to every workload of the suite, and names non-paxos runs after the suite", () => {
    const configs = crossProduct({ ...base, nemesis: 'none', seeds: '1' }, paxosTest, PAXOS);
    expect(configs.map((c) => c.workload)).toEqual(['register', 'kv', 'set', 'bank', 'append', 'wr']);
    const other = { ...paxosTest, name: 'other', bugs: undefined };
    expect(crossProduct({ ...base, nemesis: 'none', workload: 'kv', seeds: '1' }, other, { test: '/x/other.ts' })[0]).toMatchObject({ name: 'other-kv-none', test: '/x/other.ts' });
  });

  it('shares one random seed when none is given', () => {
    const configs = crossProduct({ ...base, workload: 'kv,bank', nemesis: 'none' }, paxosTest, PAXOS);
    expect(configs).toHaveLength(2);
    expect(configs[0].seed).toBe(configs[1].seed);
  });

  it('refuses a bad combination before anything runs', () => {
    expect(() => crossProduct({ ...base, workload: 'register,queue', nemesis: 'none' }, paxosTest, PAXOS)).toThrow(UsageError);
    expect(() => crossProduct({ ...base, workload: 'register', nemesis: 'none,flood' }, paxosTest, PAXOS)).toThrow(/unknown nemesis "flood"/);
    expect(() => crossProduct({ ...base, workload: 'register', nemesis: 'none', seeds: '1,x' }, paxosTest, PAXOS)).toThrow(/--seed/);
    expect(() => crossProduct({ ...base, workload: 'register,', nemesis: 'none' }, paxosTest, PAXOS)).toThrow(/empty item/);
    expect(() => crossProduct({ ...base, workload: 'register', nemesis: 'none', seeds: '1,1e300' }, paxosTest, PAXOS)).toThrow(/^--seed must be an integer 0..4294967295 \(got "1e300"\)$/);
  });

  it('refuses more runs than one test-all may hold, before building any of them', () => {
    const seeds = Array.from({ length: 501 }, (_, i) => i).join(',');
    expect(() => crossProduct({ ...base, workload: 'register,kv', nemesis: 'none', seeds }, paxosTest, PAXOS)).toThrow(/^test-all: 2 workloads x 1 nemeses x 501 seeds = 1002 runs, at most 1000$/);
    expect(crossProduct({ ...base, workload: 'register,kv', nemesis: 'none', seeds: seeds.replace(/,500$/, '') }, paxosTest, PAXOS)).toHaveLength(1000);
  });
});

describe('--parallel', () => {
  it('defaults to the cores; takes 1..64; anything else is one usage line', () => {
    expect(parallelOf(undefined)).toBe(availableParallelism());
    expect(parallelOf('1')).toBe(1);
    expect(parallelOf('64')).toBe(64);
    for (const bad of ['0', '65', '1.5', 'two', '', true]) expect(() => parallelOf(bad)).toThrow(UsageError);
  });
});
