/**
 * Writes realistic run directories for the report's tests and benchmark (the formats of
 * ARCHITECTURE.md "The store"): a register-workload history with concurrency, crashes (info) and
 * failures, a partition nemesis window, node logs, vector-clocked event logs, decided logs, and
 * results.json either valid or carrying a linearizability counterexample (in the checker's
 * verbose LinearizationInfo format) and an agreement divergence. Seeded: same seed, same files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../ground/rng.js';
import type { Op } from '../../ground/history.js';
import type { LinInfo, LinOperation, LinStep } from './linearview.js';

export const ESCAPE_PROBE = '<script>alert(1)</script>';

export interface FixtureOptions {
  ops: number;
  invalid: boolean;
  seed?: number;
  nodes?: string[];
  concurrency?: number;
  /** Events per node in events.jsonl. */
  events?: number;
  /** ISO time stored in test.json. */
  startedAt?: string;
}

const MS = 1e6;

/** A register history: per process, invoke then complete, ops overlapping in time. */
function makeHistory(rng: Rng, count: number, concurrency: number, nodes: string[]): Op[] {
  const raw: Array<Omit<Op, 'index'>> = [];
  const clock = new Array(concurrency).fill(0).map(() => rng.int(0, 5) * MS);
  const pid = new Array(concurrency).fill(0).map((_, i) => i);
  let value = 0;
  for (let n = 0; n < count; n++) {
    const thread = n % concurrency;
    const start = clock[thread];
    const f = rng.pick(['read', 'read', 'write', 'cas'] as const);
    const latency = Math.round((rng.chance(0.02) ? rng.int(50, 900) : rng.int(1, 30)) * MS * (0.5 + rng.float()));
    const input = f === 'read' ? null : f === 'write' ? (n === 7 ? ESCAPE_PROBE : rng.int(0, 9)) : [rng.int(0, 9), rng.int(0, 9)];
    const outcome = rng.chance(0.01) ? 'info' : f === 'cas' && rng.chance(0.5) ? 'fail' : 'ok';
    const process = pid[thread];
    raw.push({ time: start, process, type: 'invoke', f, key: 'r', value: input });
    if (f === 'write' && outcome === 'ok' && typeof input === 'number') value = input;
    raw.push({ time: start + latency, process, type: outcome, f, key: 'r', value: f === 'read' && outcome === 'ok' ? value : input, node: rng.pick(nodes), ...(outcome === 'info' ? { error: 'timeout' } : outcome === 'fail' ? { error: 'cas mismatch' } : {}) });
    if (outcome === 'info') pid[thread] += concurrency; // a crashed process never invokes again
    clock[thread] = start + latency + rng.int(0, 4) * MS;
  }
  const end = Math.max(...clock);
  const grudge = { [nodes[0]]: nodes.slice(1), ...Object.fromEntries(nodes.slice(1).map((n) => [n, [nodes[0]]])) };
  raw.push({ time: Math.round(end * 0.3), process: 'nemesis', type: 'info', f: 'start-partition', value: grudge });
  raw.push({ time: Math.round(end * 0.6), process: 'nemesis', type: 'info', f: 'stop-partition', value: null });
  raw.sort((a, b) => a.time - b.time || (a.type === 'invoke' ? 1 : 0) - (b.type === 'invoke' ? 1 : 0));
  return raw.map((op, index) => ({ index, ...op }) as Op);
}

/** A counterexample over the ops around the middle: a read that saw a value no linearization allows. */
function makeLinearizationInfo(history: Op[]): LinInfo {
  const middle = Math.floor(history.length / 2);
  const invokes = history.filter((op) => op.type === 'invoke' && typeof op.process === 'number' && op.index >= middle).slice(0, 14);
  const operations: LinOperation[] = invokes.map((inv, id) => {
    const done = history.find((op) => op.index > inv.index && op.process === inv.process);
    return {
      id, clientId: inv.process as number, callIndex: id * 2, returnIndex: id * 2 + 3,
      description: `${inv.f}(${JSON.stringify(inv.value)}) -> ${done ? `${done.type} ${JSON.stringify(done.value)}` : 'unknown'}`,
      meta: { index: inv.index },
    };
  });
  const prefix: LinStep[] = [];
  let state = 0;
  for (const o of operations.slice(0, operations.length - 3)) {
    const next = state + 1;
    prefix.push({ op: o.id, stateBefore: String(state), stateAfter: String(next) });
    state = next;
  }
  const failed = operations[operations.length - 3];
  failed.description = `read() -> ok 99 ${ESCAPE_PROBE}`;
  return {
    result: 'illegal', key: 'r', initialState: '0', operations, prefix,
    unplaced: [{ op: failed.id, stateBefore: String(state), modelAccepts: false }, { op: operations[operations.length - 2].id, stateBefore: String(state), modelAccepts: true, stateAfter: String(state + 1) }],
    blocking: operations[operations.length - 1].id,
  };
}

/** Event logs from a simulated leader round per slot: accept out, accepted back, with real vector clocks. */
function makeEvents(rng: Rng, nodes: string[], perNode: number): Record<string, string[]> {
  const vc: Record<string, Record<string, number>> = Object.fromEntries(nodes.map((n) => [n, Object.fromEntries(nodes.map((m) => [m, 0]))]));
  const lamport: Record<string, number> = Object.fromEntries(nodes.map((n) => [n, 0]));
  const lines: Record<string, string[]> = Object.fromEntries(nodes.map((n) => [n, []]));
  let time = Date.parse('2026-11-26T12:00:00Z');
  const log = (node: string, kind: string, type: string, peer: string | undefined, slot: number) => {
    vc[node][node]++;
    lamport[node]++;
    lines[node].push(JSON.stringify({ node, lamport: lamport[node], vc: { ...vc[node] }, kind, type, peer, slot, time: (time += rng.int(0, 3)) }));
  };
  const inFlight: Array<{ from: string; to: string; type: string; slot: number; vc: Record<string, number>; lamport: number }> = [];
  const send = (from: string, to: string, type: string, slot: number) => {
    log(from, 'send', type, to, slot);
    inFlight.push({ from, to, type, slot, vc: { ...vc[from] }, lamport: lamport[from] });
  };
  const deliver = (i: number) => {
    const [m] = inFlight.splice(i, 1);
    for (const n of nodes) vc[m.to][n] = Math.max(vc[m.to][n], m.vc[n]);
    lamport[m.to] = Math.max(lamport[m.to], m.lamport);
    log(m.to, 'recv', m.type, m.from, m.slot);
    if (m.type === 'accept') send(m.to, m.from, 'accepted', m.slot);
  };
  const leader = nodes[0];
  for (let slot = 0; lines[leader].length < perNode; slot++) {
    log(leader, 'local', 'propose', undefined, slot);
    for (const peer of nodes.slice(1)) send(leader, peer, 'accept', slot);
    while (inFlight.length > 0) deliver(rng.int(0, inFlight.length - 1));
    log(leader, 'local', 'decide', undefined, slot);
  }
  return lines;
}

/** Writes a fixture run into `runDir` (created) and returns it. */
export function writeFixtureRun(runDir: string, options: FixtureOptions): string {
  const rng = new Rng(options.seed ?? 42);
  const nodes = options.nodes ?? ['n1', 'n2', 'n3'];
  const concurrency = options.concurrency ?? 5;
  mkdirSync(runDir, { recursive: true });
  const history = makeHistory(rng, options.ops, concurrency, nodes);
  writeFileSync(join(runDir, 'history.jsonl'), history.map((op) => JSON.stringify(op)).join('\n') + '\n');
  const name = options.invalid ? 'register-partition-stale-read' : 'register-partition';
  const command = `jepsen-ts test --workload register --nemesis partition --nodes ${nodes.join(',')} --concurrency ${concurrency} --seed ${options.seed ?? 42}${options.invalid ? ' --bug stale-read' : ''}`;
  writeFileSync(join(runDir, 'test.json'), JSON.stringify({
    name, seed: options.seed ?? 42, startedAt: options.startedAt ?? '2026-11-26T12:00:00.000Z', command, argv: command.split(' ').slice(1),
    git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false }, versions: { node: 'v20', jepsenTs: '0.1.0' },
    config: { name, workload: 'register', nemesis: ['partition'], nodes, concurrency, timeLimitMs: 10_000, seed: options.seed ?? 42, bug: options.invalid ? 'stale-read' : null },
  }, null, 2));
  const decided = (node: string) => Array.from({ length: 12 }, (_, slot) => {
    const diverges = options.invalid && slot === 7 && node === nodes[nodes.length - 1];
    const command = diverges ? { f: 'write', value: ESCAPE_PROBE } : { f: 'write', value: slot };
    return { slot, digest: diverges ? 'bad' : `d${slot}`, command };
  });
  const events = makeEvents(rng, nodes, options.events ?? 60);
  for (const node of nodes) {
    const dir = join(runDir, 'nodes', node);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'node.log'), `${node} started\n${node} ${ESCAPE_PROBE} in a log line\n`);
    writeFileSync(join(dir, 'events.jsonl'), events[node].join('\n') + '\n');
    writeFileSync(join(dir, 'decided-log.json'), JSON.stringify(decided(node)));
  }
  const results = options.invalid
    ? {
      valid: false,
      results: {
        linearizable: { valid: false, model: 'register', operations: options.ops, partitions: [{ index: 0, key: 'r', result: 'illegal', info: makeLinearizationInfo(history) }] },
        agreement: { valid: false, message: 'nodes decided different values', firstDivergence: { slot: 7 } },
        stats: { valid: true, ok: history.filter((o) => o.type === 'ok').length },
      },
    }
    : { valid: true, results: { linearizable: { valid: true, model: 'register', operations: options.ops }, agreement: { valid: true, slots: 12 }, stats: { valid: true, ok: history.filter((o) => o.type === 'ok').length } } };
  writeFileSync(join(runDir, 'results.json'), JSON.stringify(results, null, 2));
  return runDir;
}
