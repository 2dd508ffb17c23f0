/**
 * `npm run bench:sim`: how fast a whole test simulates. For each case (the target first: 60 s,
 * 5 nodes, rate 50, partition+kill; then varied nodes, rate and duration) the wall and CPU ms
 * of the simulation alone (simulate.ts: cluster, clients, nemesis, history in memory), the
 * speed-up over real time, and events and core steps; then the checkers' wall time on the
 * target's history, apart (they judge a history whichever runtime made it). Median of --runs
 * (default 3), after one warm-up run. Prints the load average: the machine may be shared.
 *
 *   npx tsc -p tsconfig.json && npm run bench:sim [-- --runs N]
 */
import { loadavg } from 'node:os';
import { checkAll } from '../../ground/checker.js';
import { paxosTest } from '../../paxos/suite.js';
import { flagSchedule } from '../../nemesis/schedule.js';
import { nemesisFromSpec } from '../../nemesis/index.js';
import { nemesisOptionsOf, toTestConfig, workloadOptionsOf } from '../options.js';
import { checkersOf, workloadOf } from '../suite.js';
import { simulate, type Simulated } from './simulate.js';

function runsOf(argv: string[]): number {
  if (argv.length === 0) return 3;
  const n = Number(argv[1]);
  if (argv.length !== 2 || argv[0] !== '--runs' || !Number.isInteger(n) || n < 1 || n > 50) {
    process.stderr.write('usage: bench:sim [-- --runs N]   (N: 1..50)\n');
    process.exit(254);
  }
  return n;
}

interface Case {
  nodes: number;
  rate: number;
  seconds: number;
}

const CASES: Case[] = [
  { nodes: 5, rate: 50, seconds: 60 },
  { nodes: 3, rate: 50, seconds: 60 },
  { nodes: 9, rate: 50, seconds: 60 },
  { nodes: 5, rate: 200, seconds: 60 },
  { nodes: 5, rate: 50, seconds: 240 },
];

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function once(c: Case, seed: number): Promise<{ wallMs: number; cpuMs: number; sim: Simulated; config: ReturnType<typeof toTestConfig> }> {
  const config = toTestConfig({ runtime: 'sim', workload: 'register', nemesis: 'partition,kill', nodes: String(c.nodes), rate: String(c.rate), 'time-limit': String(c.seconds), seed: String(seed) }, paxosTest);
  const workload = workloadOf(paxosTest, config.workload, workloadOptionsOf(config));
  const schedule = flagSchedule(nemesisFromSpec(config.nemesis.join(','), { ...nemesisOptionsOf(config), leaderAware: true }), config.nemesisIntervalMs);
  const t = performance.now();
  const cpu = cpuMs();
  const sim = await simulate(config, workload, schedule);
  return { wallMs: performance.now() - t, cpuMs: cpuMs() - cpu, sim, config };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const runs = runsOf(process.argv.slice(2));
  process.stdout.write(`bench:sim: median of ${runs} run(s) per case; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  process.stdout.write('nodes  rate  simulated s  wall ms  cpu ms  x real time  events  core steps  history\n');
  await once(CASES[0], 0); // warm-up: the first run also compiles (JIT) the core and the checkers' imports
  let target: Awaited<ReturnType<typeof once>> | null = null;
  for (const c of CASES) {
    const results = [];
    for (let r = 0; r < runs; r++) results.push(await once(c, 1 + r));
    target ??= results[0];
    const wall = median(results.map((r) => r.wallMs));
    const cpu = median(results.map((r) => r.cpuMs));
    const s = results[0].sim;
    const virtualS = s.stats.virtualMs / 1000;
    process.stdout.write(`${String(c.nodes).padStart(5)}  ${String(c.rate).padStart(4)}  ${virtualS.toFixed(1).padStart(11)}  ${wall.toFixed(0).padStart(7)}  ${cpu.toFixed(0).padStart(6)}  ${((virtualS * 1000) / wall).toFixed(0).padStart(11)}  ${String(s.stats.events).padStart(6)}  ${String(s.stats.steps).padStart(10)}  ${String(s.history.length).padStart(7)}\n`);
  }
  const { sim, config } = target!;
  const workload = workloadOf(paxosTest, config.workload, workloadOptionsOf(config));
  const t = performance.now();
  const { valid } = await checkAll(await checkersOf(paxosTest, config.workload, workload), sim.history, { decidedLogs: sim.decidedLogs, replicaStates: sim.replicaStates, replay: paxosTest.db.replay, dbName: 'paxos' });
  process.stdout.write(`checkers on the first case's history (${sim.history.length} ops): ${(performance.now() - t).toFixed(0)} ms wall, valid ${String(valid)}\n`);
  process.stdout.write('target: the 60 s, 5-node, rate 50, partition+kill case simulates in < 600 ms of wall time\n');
}

await main();
