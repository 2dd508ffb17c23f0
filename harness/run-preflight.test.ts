/**
 * runTest preflights the runtime with what the composed nemesis needs, before anything starts:
 * `--nemesis all` includes the clock, so a runtime without libfaketime refuses it up front (the
 * real local runtime with faketime turned off), and a nemesis whose name says nothing about
 * clocks is still preflighted by its `needs`. A Db's own preflight (a missing binary) refuses
 * before that. Costs < 1 s: no node is ever started.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Interrupts } from './interrupts.js';
import { testOptions, toTestConfig, type TestConfig } from './options.js';
import { runTest, type RunDeps } from './run.js';
import { createLocalRuntime } from './runtime/local.js';
import { UsageError, type Runtime } from '../ground/runtime.js';
import { depsFor } from './wiring.js';
import { paxosTest } from '../paxos/suite.js';

const defaultDeps = depsFor(paxosTest);

const results = mkdtempSync(path.join(os.tmpdir(), 'jt-preflight-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

/** The defaults yargs fills in for the options the tests do not set. */
const DEFAULTS = {};
const io = () => ({ out: new PassThrough(), interrupts: new Interrupts(() => {}) });

describe('preflight follows the composed nemesis', () => {
  it('--nemesis all preflights the clock: refused before a run dir exists when libfaketime is off', async () => {
    const config = toTestConfig({ ...DEFAULTS, workload: 'register', nemesis: 'all', nodes: '3', seed: 1, results, 'time-limit': 1 }, paxosTest);
    const deps: RunDeps = { ...defaultDeps, runtime: () => createLocalRuntime({ faketime: 'off' }) };
    await expect(runTest(config, deps, io())).rejects.toThrow(UsageError);
    await expect(runTest(config, deps, io())).rejects.toThrow(/clock nemesis needs libfaketime/);
    expect(readdirSync(results)).toEqual([]);
  });

  it("asks the runtime for the nemesis's needs, not for the names typed", async () => {
    const asked: Array<{ clock: boolean; packet: boolean }> = [];
    const refusing = {
      async preflight(needs: { clock: boolean; packet: boolean }) {
        asked.push(needs);
        throw new UsageError('stop here');
      },
    } as unknown as Runtime;
    const config = toTestConfig({ ...DEFAULTS, workload: 'register', nemesis: 'partition', nodes: '3', seed: 1, results, 'time-limit': 1 }, paxosTest);
    const skewing = { name: 'skew', needs: { clock: true, packet: false }, start: async () => {}, stop: async () => {} };
    const deps: RunDeps = { ...defaultDeps, runtime: async () => refusing, nemesis: () => skewing };
    await expect(runTest(config, deps, io())).rejects.toThrow('stop here');
    expect(asked).toEqual([{ clock: true, packet: false }]);
    await expect(runTest({ ...config, nemesis: [] }, { ...deps, nemesis: () => null }, io())).rejects.toThrow('stop here');
    expect(asked[1]).toEqual({ clock: false, packet: false });
  });

  it('the schedule is chosen as definition > --schedule > --nemesis, and its needs are preflighted', async () => {
    const asked: unknown[] = [];
    const refusing = {
      async preflight(needs: unknown) {
        asked.push(needs);
        throw new UsageError('stop here');
      },
    } as unknown as Runtime;
    const flags = toTestConfig({ ...DEFAULTS, nemesis: 'partition', nodes: '3', seed: 1, results, 'time-limit': 1 }, paxosTest);
    const named = toTestConfig({ ...DEFAULTS, schedule: 'kill-all-in-flight', nodes: '3', seed: 1, results, 'time-limit': 1 }, paxosTest);
    let flagNemesisBuilt = 0;
    const deps: RunDeps = { ...defaultDeps, runtime: async () => refusing, nemesis: (c) => (flagNemesisBuilt++, defaultDeps.nemesis.call(deps, c)) };
    await expect(runTest(named, deps, io())).rejects.toThrow('stop here');
    expect(asked.pop()).toEqual({ clock: false, packet: true }); // kill-all-in-flight's
    expect(flagNemesisBuilt).toBe(0);
    const own = { name: 'mine', faults: {}, generator: { open: () => ({ next: () => null }) }, needs: { clock: true, packet: false } };
    const withOwn: RunDeps = { ...deps, test: { ...deps.test, schedule: () => own } };
    for (const config of [flags, named]) {
      await expect(runTest(config, withOwn, io())).rejects.toThrow('stop here');
      expect(asked.pop()).toEqual({ clock: true, packet: false }); // the definition's, over both
    }
    expect(flagNemesisBuilt).toBe(0);
    expect(readdirSync(results)).toEqual([]);
  });

  it("the Db's own preflight refuses first: before the runtime is asked, no run dir", async () => {
    let runtimeAsked = false;
    const runtime = { async preflight() { runtimeAsked = true; } } as unknown as Runtime;
    const db = { ...defaultDeps.test.db, preflight: () => { throw new UsageError('no etcd binary on PATH'); } };
    // Called through a wider type: with the --db registry toTestConfig also takes the definition.
    const config = (toTestConfig as (...args: unknown[]) => TestConfig)({ ...DEFAULTS, workload: 'register', nemesis: 'none', nodes: '3', seed: 1, results, 'time-limit': 1 }, defaultDeps.test);
    const deps: RunDeps = { ...defaultDeps, test: { ...defaultDeps.test, db }, runtime: async () => runtime };
    await expect(runTest(config, deps, io())).rejects.toThrow('no etcd binary on PATH');
    expect(runtimeAsked).toBe(false);
    expect(readdirSync(results)).toEqual([]);
  });
});
