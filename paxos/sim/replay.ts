/**
 * Replays one simulator run from its seed and prints the verdict (exit 0 ok, 1 violation,
 * 2 bad arguments). Also sweeps a seed range with --seeds N (from --seed on).
 *
 *   node dist/paxos/sim/replay.js --seed 123 --nodes 5 [--bug no-adopt] [--seeds 100] [--verbose]
 *     [--clock-skew MS] [--linearizable] [--max-delay MS] [--drop P] [--dup P] [--fault-ms MS] [--quiet-ms MS]
 *     [--swarm]
 *
 * --swarm draws every fault and client option from the seed (swarm.ts) and prints them.
 * --linearizable runs without txns and also judges the clients' results with the
 * linearizability oracle (the Porcupine port).
 */
import { BUGS, type BugName } from '../core/types.js';
import { checkSimOps } from './linearizability.js';
import { LINEARIZABLE_SIM, replayCommand, simulate, type SimOptions } from './sim.js';
import { describeSwarm, swarmOptions } from './swarm.js';

function usage(message: string): never {
  process.stderr.write(`replay: ${message}\nusage: replay --seed N [--nodes 3|5] [--bug ${BUGS.join('|')}] [--seeds COUNT] [--clock-skew MS] [--linearizable] [--max-delay MS] [--drop P] [--dup P] [--fault-ms MS] [--quiet-ms MS] [--swarm] [--verbose]\n`);
  process.exit(2);
}

interface Args {
  seed: number;
  nodes: number;
  bug: BugName | null;
  seeds: number;
  verbose: boolean;
  clockSkewMs: number;
  linearizable: boolean;
  swarm: boolean;
  regime: Partial<SimOptions>;
}

function parse(argv: string[]): Args {
  const out: Args = { seed: NaN, nodes: 3, bug: null, seeds: 1, verbose: false, clockSkewMs: 0, linearizable: false, swarm: false, regime: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const prob = (v: string) => {
      const p = Number(v);
      if (v.trim() === '' || !(p >= 0 && p < 1)) usage(`${flag} must be a probability in [0, 1), got ${v}`);
      return p;
    };
    const int = (v: string) => {
      if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) usage(`${flag} must be an integer, got ${v}`);
      return Number(v);
    };
    if (flag === '--seed') out.seed = int(value());
    else if (flag === '--nodes') out.nodes = int(value());
    else if (flag === '--seeds') out.seeds = int(value());
    else if (flag === '--bug') {
      const b = value();
      if (!BUGS.includes(b as BugName)) usage(`unknown bug ${b}`);
      out.bug = b as BugName;
    } else if (flag === '--verbose') out.verbose = true;
    else if (flag === '--linearizable') out.linearizable = true;
    else if (flag === '--swarm') out.swarm = true;
    else if (flag === '--clock-skew') out.clockSkewMs = int(value());
    else if (flag === '--max-delay') out.regime.maxDelayMs = int(value());
    else if (flag === '--fault-ms') out.regime.faultMs = int(value());
    else if (flag === '--quiet-ms') out.regime.quietMs = int(value());
    else if (flag === '--drop') out.regime.dropP = prob(value());
    else if (flag === '--dup') out.regime.dupP = prob(value());
    else usage(`unknown argument ${flag}`);
  }
  if (Number.isNaN(out.seed)) usage('--seed is required');
  if (out.nodes < 1 || out.nodes > 9) usage('--nodes must be between 1 and 9');
  if (out.seeds < 1) usage('--seeds must be at least 1');
  if (out.clockSkewMs < 0) usage('--clock-skew must be >= 0');
  const r = out.regime;
  if (out.swarm && (Object.keys(r).length > 0 || out.clockSkewMs > 0)) usage('--swarm draws the fault options from the seed: drop --clock-skew, --max-delay, --drop, --dup, --fault-ms and --quiet-ms');
  if (r.maxDelayMs !== undefined && r.maxDelayMs < 1) usage('--max-delay must be >= 1');
  if (r.faultMs !== undefined && r.faultMs < 0) usage('--fault-ms must be >= 0');
  if (r.quietMs !== undefined && r.quietMs < 1100) usage('--quiet-ms must be >= 1100 (clients stop 1 s before the end)');
  return out;
}

const args = parse(process.argv.slice(2));
let failed = 0;
const t0 = Date.now();
for (let seed = args.seed; seed < args.seed + args.seeds; seed++) {
  const swarm = args.swarm ? swarmOptions(seed) : null;
  const options = { seed, nodes: args.nodes, bug: args.bug, clockSkewMs: args.clockSkewMs, ...args.regime, ...swarm, ...(args.linearizable ? LINEARIZABLE_SIM : {}) };
  const r = simulate(options);
  const violations = [...r.violations];
  if (args.linearizable) {
    const verdict = checkSimOps(r.ops);
    if (verdict.result === 'illegal') violations.push(`linearizability: ${verdict.message ?? 'illegal'}`);
    else if (verdict.result === 'unknown') process.stdout.write(`seed ${seed}: linearizability unknown (${verdict.message})\n`);
  }
  const ok = violations.length === 0;
  if (!ok) failed++;
  if (!ok || args.verbose || args.seeds === 1) {
    const f = r.faults;
    process.stdout.write(`seed ${seed} nodes ${args.nodes} bug ${args.bug ?? 'none'}: ${ok ? 'ok' : 'VIOLATION'}; ${r.steps} steps, ${r.slots} slots, ${r.ops.length} ops, ${r.okAfterHeal} ok after heal; ${f.crashes} crashes (${f.torn} torn), ${f.pauses} pauses, ${f.partitions} partitions, ${f.dropped} dropped, ${f.duplicated} duplicated, ${f.ballots} leader ballots\n`);
    if (swarm !== null) process.stdout.write(`  swarm: ${describeSwarm(r.options)}\n`);
    for (const v of violations) process.stdout.write(`  ${v}\n`);
    if (!ok) process.stdout.write(`  replay: ${replayCommand({ ...options, seed }, args.linearizable)}\n`);
  }
}
if (args.seeds > 1) process.stdout.write(`${args.seeds - failed}/${args.seeds} seeds ok in ${Date.now() - t0} ms\n`);
process.exit(failed > 0 ? 1 : 0);
