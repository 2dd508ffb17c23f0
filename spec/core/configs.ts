/**
 * Named model-checking configurations of the real paxos/core (`npm run mc -- --config NAME`),
 * and the Spec each one builds. The `ci-*` ones are sized to finish within CI's budget; bigger
 * ones are for local runs. A bug config is expected to be FOUND (a violation), the others to
 * explore their whole bounded space with none.
 */
import { BUGS, canonicalJson, type BugName } from '../../paxos/core/index.js';
import type { Spec } from '../mc/checker.js';
import { coreInvariants, coreSometimes, describeHistory, refinement } from './properties.js';
import { describeMsg, initialWorld, worldActions, worldKey, type World, type WorldConfig } from './world.js';

const NODES = ['n1', 'n2', 'n3'];

const write = (value: number, nodes: string[]) => ({ command: { op: 'write' as const, key: 'x', value }, nodes });
const read = (nodes: string[]) => ({ command: { op: 'read' as const, key: 'x' }, nodes });

export interface NamedConfig {
  description: string;
  world: WorldConfig;
  /** What a run of this config should give: 'safe' = whole space, no violation; else the bug to find. */
  expect: 'safe' | BugName;
  /** CI's state budget (the run must complete within it when expect = 'safe'). */
  maxStates: number;
}

const base = (over: Partial<WorldConfig>): WorldConfig => ({
  nodes: NODES, bug: null, clients: [], maxBallots: 2, maxCrashes: 0, maxHeartbeats: 0, campaignOrder: ['n1', 'n2'], rands: [0.5], maxDeliveries: 6, ...over,
});

/** A write at the first leader, then a read at the second: what every bug here must break. */
const writeThenRead = (over: Partial<WorldConfig>): WorldConfig =>
  base({ clients: [[write(1, ['n1'])], [read(['n2'])]], ...over });

export const CONFIGS: Record<string, NamedConfig> = {
  'ci-two-writes': {
    description: '3 nodes, 2 ballots (n1 leads, then n2), a write at n1 and a write at n2, lossy/duplicating/reordering network, <= 6 deliveries',
    world: base({ clients: [[write(1, ['n1'])], [write(2, ['n2'])]] }),
    expect: 'safe',
    maxStates: 2_000_000,
  },
  'ci-write-read': {
    description: '3 nodes, 2 ballots (n1 leads, then n2), a write at n1 and a read at n2, <= 6 deliveries',
    world: writeThenRead({}),
    expect: 'safe',
    maxStates: 2_000_000,
  },
  'ci-crash': {
    description: '3 nodes, 2 ballots (n1 leads, then n2), one write at n1, at most 1 crash+restart of any node, <= 5 deliveries',
    world: base({ clients: [[write(1, ['n1'])]], maxCrashes: 1, maxDeliveries: 5 }),
    expect: 'safe',
    maxStates: 2_000_000,
  },
  'ci-no-adopt': {
    description: 'ci-two-writes with the no-adopt bug (a new leader ignores phase 1 reports)',
    world: base({ clients: [[write(1, ['n1'])], [write(2, ['n2'])]], bug: 'no-adopt' }),
    expect: 'no-adopt',
    maxStates: 2_000_000,
  },
  'ci-volatile-acceptor': {
    description: 'one write at n1, 1 crash, with the volatile-acceptor bug (promises and accepts not persisted)',
    world: base({ clients: [[write(1, ['n1'])]], maxCrashes: 1, maxDeliveries: 5, bug: 'volatile-acceptor' }),
    expect: 'volatile-acceptor',
    maxStates: 2_000_000,
  },
  'ci-early-ack': {
    description: 'ci-write-read with the early-ack bug (writes acknowledged before a quorum accepts them)',
    world: writeThenRead({ bug: 'early-ack' }),
    expect: 'early-ack',
    maxStates: 2_000_000,
  },
  'ci-stale-read': {
    description: 'ci-write-read with the stale-read bug (followers answer reads from their own state): linearizability must catch it',
    world: writeThenRead({ bug: 'stale-read' }),
    expect: 'stale-read',
    maxStates: 2_000_000,
  },
  'two-writes-deep': {
    description: 'ci-two-writes with <= 9 deliveries: both writes can complete under the second leader (large)',
    world: base({ clients: [[write(1, ['n1'])], [write(2, ['n2'])]], maxDeliveries: 9 }),
    expect: 'safe',
    maxStates: 50_000_000,
  },
  'any-leader': {
    description: '3 nodes, 2 ballots, any node may campaign in any order; a write at n1, a read at n2, <= 7 deliveries (larger)',
    world: writeThenRead({ campaignOrder: undefined, maxDeliveries: 7 }),
    expect: 'safe',
    maxStates: 50_000_000,
  },
  'two-clients-any-node': {
    description: '3 nodes, 2 ballots, any node may campaign; client A writes 1 then 2, client B reads, each at any node, <= 8 deliveries (large)',
    world: base({ clients: [[write(1, NODES), write(2, NODES)], [read(NODES)]], campaignOrder: undefined, maxDeliveries: 8 }),
    expect: 'safe',
    maxStates: 50_000_000,
  },
  'crash-heartbeat': {
    description: '3 nodes, 2 ballots (n1, then n2), write at n1 + read at n2, 1 crash, 1 heartbeat timer (catch-up, retransmission), <= 8 deliveries (large)',
    world: writeThenRead({ maxCrashes: 1, maxHeartbeats: 1, maxDeliveries: 8 }),
    expect: 'safe',
    maxStates: 50_000_000,
  },
};

export function configError(name: string): string | null {
  if (CONFIGS[name] !== undefined) return null;
  return `unknown config ${JSON.stringify(name)} (known: ${Object.keys(CONFIGS).join(', ')})`;
}

/** Why a world configuration is unusable, or null. */
export function worldConfigError(cfg: WorldConfig): string | null {
  const known = (n: string) => cfg.nodes.includes(n);
  const count = (x: number | undefined) => x === undefined || (Number.isSafeInteger(x) && x >= 0);
  if (cfg.nodes.length === 0 || new Set(cfg.nodes).size !== cfg.nodes.length) return 'nodes must be distinct and non-empty';
  if (cfg.bug !== null && !BUGS.includes(cfg.bug)) return `unknown bug ${cfg.bug}`;
  if (![cfg.maxBallots, cfg.maxCrashes, cfg.maxHeartbeats, cfg.maxDeliveries].every(count)) return 'budgets must be non-negative integers';
  if (cfg.rands.length === 0 || cfg.rands.some((r) => !(r >= 0 && r < 1))) return 'rands must be a non-empty list of numbers in [0, 1)';
  for (const n of [...(cfg.candidates ?? []), ...(cfg.campaignOrder ?? [])]) if (!known(n)) return `unknown node ${n} among the candidates`;
  for (const ops of cfg.clients) for (const op of ops) {
    if (op.nodes.length === 0 || !op.nodes.every(known)) return `client op ${canonicalJson(op.command)} must name known nodes`;
    if (op.command.op === 'txn') return 'the model checker judges read/write/cas ops only';
  }
  return null;
}

export function worldSpec(name: string, cfg: WorldConfig): Spec<World> {
  const problem = worldConfigError(cfg);
  if (problem !== null) throw new Error(`config ${name}: ${problem}`);
  return {
    name: `paxos/core ${name}`,
    init: () => [initialWorld(cfg)],
    actions: worldActions(cfg),
    key: worldKey,
    invariants: coreInvariants(cfg),
    stepProperties: [refinement(cfg)],
    sometimes: coreSometimes(),
    show: (w) => ({
      ...Object.fromEntries(w.nodes.map((n) => [n.id, `${n.volatile.role} promised=${canonicalJson(n.durable.promised)} accepted=${canonicalJson(n.durable.accepted)} decided=${canonicalJson(n.durable.decided)} commit=${n.volatile.commitIndex}`])),
      timers: w.timers.map((t, i) => `${cfg.nodes[i]}:${t.join('+')}`).join(' '),
      // A growing list: the trace prints only the packets each step sends ("sent += ...").
      sent: w.net.map((p) => `${p.from}->${p.to} ${describeMsg(p.msg)}`),
      history: describeHistory(cfg, w),
      votes: w.votes,
    }),
  };
}
