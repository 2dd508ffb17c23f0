/**
 * The long simulation tier (`npm run sim:long`, not in `npm test`): swarm seeds (swarm.ts),
 * odd seeds 3 nodes, even seeds 5, from --from on. Prints progress, seeds per second, and every
 * failing seed with its swarm options and replay command; exits 1 if any seed failed, 2 on
 * bad arguments.
 *
 *   npm run sim:long -- [--seeds 100000] [--from 1] [--bug NAME]
 */
import { BUGS, type BugName } from '../core/types.js';
import { describeFailures, sweep } from './sweep.js';

function usage(message: string): never {
  process.stderr.write(`sim:long: ${message}\nusage: sim:long [--seeds N] [--from SEED] [--bug ${BUGS.join('|')}]\n`);
  process.exit(2);
}

function parse(argv: string[]): { seeds: number; from: number; bug: BugName | null } {
  const out = { seeds: 100_000, from: 1, bug: null as BugName | null };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, v] = [argv[i], argv[i + 1]];
    if (v === undefined) usage(`${flag} needs a value`);
    if (flag === '--bug') {
      if (!BUGS.includes(v as BugName)) usage(`unknown bug ${v}`);
      out.bug = v as BugName;
      continue;
    }
    if (flag !== '--seeds' && flag !== '--from') usage(`unknown argument ${flag}`);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < 1) usage(`${flag} must be a positive integer, got ${v}`);
    out[flag === '--seeds' ? 'seeds' : 'from'] = Number(v);
  }
  return out;
}

const args = parse(process.argv.slice(2));
const t0 = performance.now();
let failed = 0;
let nextReport = t0 + 10_000;
for (let seed = args.from, done = 1; seed < args.from + args.seeds; seed++, done++) {
  const nodes = seed % 2 === 1 ? 3 : 5; // both sizes over the whole range
  const r = sweep({ nodes, bug: args.bug, from: seed, count: 1, swarm: true });
  if (r.failures.length > 0) {
    failed++;
    process.stdout.write(`FAIL ${describeFailures(nodes, r.failures)}\n`);
  }
  const now = performance.now();
  if (now >= nextReport || done === args.seeds) {
    nextReport = now + 10_000;
    process.stdout.write(`${done}/${args.seeds} seeds, ${failed} failed, ${((done * 1000) / (now - t0)).toFixed(1)} seeds/s\n`);
  }
}
process.stdout.write(failed > 0 ? `sim:long: ${failed} of ${args.seeds} seeds failed\n` : `sim:long: all ${args.seeds} seeds ok\n`);
process.exit(failed > 0 ? 1 : 0);
