/**
 * Benchmarks of the pure core, no I/O: (1) commands per second through a 3-node cluster in one
 * thread (every message copied through JSON, synchronous delivery, 64 clients at the leader),
 * which bounds what the core costs the real node; (2) simulator cost, CPU ms per seed.
 *
 *   npx tsc -p tsconfig.json && node dist/paxos/sim/bench.js [--seconds 3]
 */
import { initState, start, step, type State } from '../core/index.js';
import type { CoreEffect } from '../core/context.js';
import type { Msg } from '../core/messages.js';
import type { Command, Config, Event } from '../core/types.js';
import { simulate } from './sim.js';

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: bench [--seconds N]\n`);
  process.exit(2);
}

function parseSeconds(argv: string[]): number {
  if (argv.length === 0) return 3;
  if (argv.length !== 2 || argv[0] !== '--seconds') usage(`unexpected arguments: ${argv.join(' ')}`);
  const n = Number(argv[1]);
  if (!(n > 0 && n <= 600)) usage(`--seconds must be a number in (0, 600], got ${argv[1]}`);
  return n;
}

/**
 * Commands/s through three cores, `concurrency` outstanding client commands at the leader:
 * per wall-clock second and per CPU second (the machine may be shared).
 */
function coreThroughput(kind: 'write' | 'read', concurrency: number, seconds: number): { wall: number; cpu: number } {
  const ids = ['n1', 'n2', 'n3'];
  const nodes = new Map<string, { config: Config; state: State }>();
  for (const id of ids) {
    const config: Config = { self: id, nodes: ids, bug: null, heartbeatMs: 50, electionTimeoutMs: 300, maxBatch: 512 };
    const state = initState(config, []);
    start(config, state);
    nodes.set(id, { config, state });
  }
  const queue: { from: string; to: string; msg: Msg }[] = [];
  let replies = 0;
  let rid = 0;
  const run = (id: string, event: Event<Msg>): number => {
    const n = nodes.get(id)!;
    let answered = 0;
    for (const e of step(n.config, n.state, event).effects as CoreEffect[]) {
      if (e.type === 'send') queue.push({ from: id, to: e.to, msg: JSON.parse(JSON.stringify(e.msg)) as Msg });
      else if (e.type === 'reply') answered++;
    }
    return answered;
  };
  const command = (): Command => (kind === 'write' ? { op: 'write', key: `k${rid % 100}`, value: rid } : { op: 'read', key: `k${rid % 100}` });
  run('n1', { type: 'timer', name: 'campaign', rand: 0, wallMs: 0 });
  while (queue.length > 0) {
    const m = queue.shift()!;
    run(m.to, { type: 'message', from: m.from, msg: m.msg, wallMs: 0 });
  }
  let outstanding = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  while (performance.now() < deadline) {
    while (outstanding < concurrency) {
      outstanding++;
      const done = run('n1', { type: 'client', id: ++rid, command: command(), wallMs: 0 });
      outstanding -= done;
      replies += done;
    }
    const m = queue.shift();
    const done = m ? run(m.to, { type: 'message', from: m.from, msg: m.msg, wallMs: 0 }) : run('n1', { type: 'timer', name: 'heartbeat', rand: 0, wallMs: 0 });
    outstanding -= done;
    replies += done;
  }
  const cpu = process.cpuUsage(c0);
  return { wall: replies / ((performance.now() - t0) / 1000), cpu: replies / ((cpu.user + cpu.system) / 1e6) };
}

function simCost(nodes: number, seeds: number): { cpuMsPerSeed: number; wallMsPerSeed: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let seed = 1; seed <= seeds; seed++) simulate({ seed, nodes });
  const cpu = process.cpuUsage(c0);
  return { cpuMsPerSeed: (cpu.user + cpu.system) / 1000 / seeds, wallMsPerSeed: (performance.now() - t0) / seeds };
}

const seconds = parseSeconds(process.argv.slice(2));
for (const kind of ['write', 'read'] as const) {
  for (const c of [1, 16, 64]) {
    const r = coreThroughput(kind, c, seconds);
    process.stdout.write(`core, 3 nodes in one thread, ${kind}s at concurrency ${c}: ${r.wall.toFixed(0)} ops/s (${r.cpu.toFixed(0)} per CPU second)\n`);
  }
}
for (const n of [3, 5]) {
  const r = simCost(n, 100);
  process.stdout.write(`simulator, ${n} nodes: ${r.cpuMsPerSeed.toFixed(1)} ms CPU per seed (${r.wallMsPerSeed.toFixed(1)} ms wall)\n`);
}
