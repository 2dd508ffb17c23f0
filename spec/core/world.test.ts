/**
 * The real paxos/core under the model checker. Each planted bug that breaks safety is found
 * with a shortest counterexample trace; the world model itself (crash keeps durable state,
 * the network may duplicate, the ghost votes) and the properties are checked on both sides.
 * The full explorations of the correct core's CI configs are in explore.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { allSteps, checkAsync } from '../mc/checker.js';
import { formatResult } from '../mc/report.js';
import { CONFIGS, worldConfigError, worldSpec } from './configs.js';
import { coreInvariants, historyOperations, refinement } from './properties.js';
import { initialWorld, worldActions, type World, type WorldConfig } from './world.js';

const run = async (name: string) => {
  const spec = worldSpec(name, CONFIGS[name].world);
  return { spec, result: await checkAsync(spec, { maxStates: CONFIGS[name].maxStates }) };
};

describe('planted bugs are found with a counterexample', () => {
  it('stale-read: the clients\' history is not linearizable (a read misses an acknowledged write)', async () => {
    const { result } = await run('ci-stale-read');
    expect(result.valid).toBe(false);
    const v = result.violations[0];
    expect(v.property).toBe('Linearizable');
    expect(v.detail).toMatch(/complete#0 \{"type":"ok"\}; invoke#1 .*read.*@n2; complete#1 \{"type":"ok","value":null\}/);
  });

  it('early-ack: a write is acknowledged before it is chosen', async () => {
    const { spec, result } = await run('ci-early-ack');
    expect(result.valid).toBe(false);
    const v = result.violations[0];
    expect(v.property).toBe('AckedWasChosen');
    expect(v.trace.at(-1)!.label).toMatch(/Invoke client 0 .*"write".* at n1/);
    expect(formatResult(spec, result)).toContain('was answered ok but is in no chosen slot');
  });

  it('volatile-acceptor: a restarted acceptor forgets its promise (not a Voting step)', async () => {
    const { result } = await run('ci-volatile-acceptor');
    expect(result.valid).toBe(false);
    const v = result.violations[0];
    expect(v.property).toBe('RefinesVoting');
    expect(v.detail).toMatch(/maxBal went from \d+ to -1/);
    expect(v.trace.at(-1)!.label).toMatch(/^Crash\+restart/);
  });

  it('no-adopt: the second leader votes for a value no quorum shows safe', async () => {
    const { result } = await run('ci-no-adopt');
    expect(result.valid).toBe(false);
    const v = result.violations[0];
    expect(v.property).toBe('RefinesVoting');
    expect(v.detail).toMatch(/no quorum shows .*"value":2.* safe/);
    // The trace: n1 leads and votes for write 1; n2's phase 1 hears of that vote (a promise
    // reporting it), ignores it, and proposes its own write in the same slot.
    const labels = v.trace.map((s) => s.label);
    expect(labels.some((l) => /Deliver n\d->n2 promise \{"accepted":\[\[1,/.test(l))).toBe(true);
    expect(labels.at(-1)).toMatch(/Invoke client 1 .*"value":2.* at n2/);
  });
});

const small: WorldConfig = { nodes: ['n1', 'n2', 'n3'], bug: null, clients: [[{ command: { op: 'write', key: 'x', value: 1 }, nodes: ['n1'] }]], maxBallots: 1, maxCrashes: 1, maxHeartbeats: 0, campaignOrder: ['n1'], rands: [0.5] };

/** Follows the first step whose label matches each pattern in turn. */
function walk(cfg: WorldConfig, patterns: RegExp[]): World {
  const spec = { name: 't', init: () => [initialWorld(cfg)], actions: worldActions(cfg), key: () => '' };
  let w = initialWorld(cfg);
  for (const p of patterns) {
    const next = allSteps(spec, w).find((s) => p.test(s.label));
    if (next === undefined) throw new Error(`no step matches ${p} from ${allSteps(spec, w).map((s) => s.label).join(' | ')}`);
    w = next.state;
  }
  return w;
}

describe('the world model', () => {
  it('validates its configuration', () => {
    for (const c of Object.values(CONFIGS)) expect(worldConfigError(c.world)).toBeNull();
    expect(worldConfigError({ ...small, campaignOrder: ['n9'] })).toMatch(/unknown node n9/);
    expect(worldConfigError({ ...small, maxCrashes: -1 })).toMatch(/budgets/);
    expect(worldConfigError({ ...small, rands: [1] })).toMatch(/rands/);
    expect(worldConfigError({ ...small, clients: [[{ command: { op: 'txn', ops: [] }, nodes: ['n1'] }]] })).toMatch(/read\/write\/cas/);
    expect(() => worldSpec('bad', { ...small, bug: 'nope' as never })).toThrow(/config bad: unknown bug nope/);
  });

  it('keeps durable state across a crash and drops volatile state', () => {
    const w = walk(small, [/Timer n1 election/, /Timer n1 campaign/, /Deliver n1->n2 prepare/, /Deliver n2->n1 promise/, /Crash\+restart n1/]);
    const n1 = w.nodes[0];
    expect(n1.durable.promised).toEqual([1, 'n1']);
    expect(n1.durable.incarnation).toBe(2);
    expect(n1.volatile.role).toBe('follower');
    expect(w.timers[0]).toEqual(['election']);
    expect(w.wal[0].map((r) => r.t)).toEqual(['boot', 'promise', 'boot']);
  });

  it('lets a packet be delivered again (duplication) and records votes in the ghost variable', () => {
    const w = walk(small, [/Timer n1 election/, /Timer n1 campaign/, /Deliver n1->n2 prepare/, /Deliver n2->n1 promise/, /Invoke client 0/, /Deliver n1->n3 accept/]);
    expect(Object.keys(w.votes[2])).toEqual(['1']);
    expect(w.votes[0]['1']).toEqual(w.votes[2]['1']); // the leader voted too, for the same value
    const spec = { name: 't', init: () => [w], actions: worldActions(small), key: () => '' };
    const again = allSteps(spec, w).filter((s) => /Deliver n1->n3 accept/.test(s.label));
    expect(again).toHaveLength(1);
    expect(again[0].state.votes).toEqual(w.votes);
  });

  it('linearizability and agreement reject bad worlds (the properties can fail)', () => {
    const w = walk(small, [/Timer n1 election/, /Timer n1 campaign/, /Deliver n1->n2 prepare/, /Deliver n2->n1 promise/, /Invoke client 0/, /Deliver n1->n3 accept/, /Deliver n3->n1 accepted/]);
    expect(w.history.map((h) => h.t)).toEqual(['invoke', 'complete']);
    const props = Object.fromEntries(coreInvariants(small).map((i) => [i.name, i]));
    for (const p of Object.values(props)) expect(p.holds(w)).toBe(true);
    // A read that returned a value never written, after the write completed: not linearizable.
    const cfg: WorldConfig = { ...small, clients: [...small.clients, [{ command: { op: 'read', key: 'x' }, nodes: ['n2'] }]] };
    const bad: World = { ...w, clients: [...w.clients, { next: 1, waiting: false }], history: [...w.history, { t: 'invoke', op: 1, node: 'n2' }, { t: 'complete', op: 1, result: { type: 'ok', value: 7 } }] };
    expect(historyOperations(cfg, bad)).toHaveLength(2);
    const badProps = Object.fromEntries(coreInvariants(cfg).map((i) => [i.name, i]));
    expect(badProps.Linearizable.holds(bad)).toMatch(/not linearizable/);
    // Two nodes deciding slot 1 differently.
    const n2 = structuredClone(w.nodes[1]);
    n2.durable.decided['1'] = null;
    expect(badProps.Agreement.holds({ ...w, nodes: [w.nodes[0], n2, w.nodes[2]] })).toMatch(/slot 1 decided as/);
    // A step that makes an acceptor forget a vote is not a Voting step.
    const forgot: World = { ...w, votes: [w.votes[0], w.votes[1], {}] };
    expect(refinement(small).holds(w, { label: 'x', state: forgot })).toMatch(/forgot/);
  });
});
