/**
 * Replays one simulator run from its seed and prints the verdict (exit 0 ok, 1 violation,
 * 2 bad arguments). Also sweeps a seed range with --seeds N (from --seed on).
 *
 *   node dist/paxos/sim/replay.js --seed 123 --nodes 5 [--bug no-adopt] [--seeds 100] [--verbose]
 */
import { BUGS, type BugName } from '../core/types.js';
import { replayCommand, simulate } from './sim.js';

function usage(message: string): never {
  process.stderr.write(`replay: ${message}\nusage: replay --seed N [--nodes 3|5] [--bug ${BUGS.join('|')}] [--seeds COUNT] [--verbose]\n`);
  process.exit(2);
}

function parse(argv: string[]): { seed: number; nodes: number; bug: BugName | null; seeds: number; verbose: boolean } {
  const out = { seed: NaN, nodes: 3, bug: null as BugName | null, seeds: 1, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
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
    else usage(`unknown argument ${flag}`);
  }
  if (Number.isNaN(out.seed)) usage('--seed is required');
  if (out.nodes < 1 || out.nodes > 9) usage('--nodes must be between 1 and 9');
  if (out.seeds < 1) usage('--seeds must be at least 1');
  return out;
}

const args = parse(process.argv.slice(2));
let failed = 0;
const t0 = Date.now();
for (let seed = args.seed; seed < args.seed + args.seeds; seed++) {
  const r = simulate({ seed, nodes: args.nodes, bug: args.bug });
  const ok = r.violations.length === 0;
  if (!ok) failed++;
  if (!ok || args.verbose || args.seeds === 1) {
    process.stdout.write(`seed ${seed} nodes ${args.nodes} bug ${args.bug ?? 'none'}: ${ok ? 'ok' : 'VIOLATION'}; ${r.steps} steps, ${r.slots} slots, ${r.ops.length} ops, ${r.okAfterHeal} ok after heal\n`);
    for (const v of r.violations) process.stdout.write(`  ${v}\n`);
    if (!ok) process.stdout.write(`  replay: ${replayCommand(r.options)}\n`);
  }
}
if (args.seeds > 1) process.stdout.write(`${args.seeds - failed}/${args.seeds} seeds ok in ${Date.now() - t0} ms\n`);
process.exit(failed > 0 ? 1 : 0);
