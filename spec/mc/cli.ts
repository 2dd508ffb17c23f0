/**
 * `npm run mc -- --config NAME`: runs one named model-checking configuration (Lamport's
 * Paxos.tla models, or the real paxos/core in a bounded world) and prints the verdict, any
 * counterexample as readable steps, and the statistics: states explored, generated, depth,
 * states/s, peak memory. Exit codes as the harness's: 0 no violation and the whole space
 * explored, 1 violation, 2 incomplete (a budget stopped it), 254 bad arguments.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT } from '../../ground/exit.js';
import { check, type Spec } from './checker.js';
import { formatResult, formatStats } from './report.js';
import { paxosSpec, TINY } from '../lamport/paxos.js';
import { CONFIGS, worldSpec } from '../core/configs.js';

interface Entry {
  description: string;
  build(): Spec<unknown>;
  maxStates: number;
}

const ENTRIES: Record<string, Entry> = {
  'paxos-tla': { description: "Lamport's Paxos.tla, TLC's TinyModel (3 acceptors, 2 values, ballots 0..1): 3921 states", build: () => paxosSpec() as Spec<unknown>, maxStates: 1e6 },
  'paxos-tla-small': { description: "Lamport's Paxos.tla, TLC's SmallModel (ballots 0..2)", build: () => paxosSpec({ ...TINY, maxBallot: 2 }) as Spec<unknown>, maxStates: 5e7 },
  'paxos-tla-mutant': { description: 'Paxos.tla with phase 2a ignoring the 1b reports (must be caught)', build: () => paxosSpec(TINY, 'ignore-1b-values') as Spec<unknown>, maxStates: 1e6 },
  ...Object.fromEntries(
    Object.entries(CONFIGS).map(([name, c]) => [
      name,
      { description: `${c.description}; expect: ${c.expect === 'safe' ? 'no violation' : `the ${c.expect} bug found`}`, build: () => worldSpec(name, c.world) as Spec<unknown>, maxStates: c.maxStates },
    ]),
  ),
};

function usage(message: string): never {
  process.stderr.write(`mc: ${message}\n`);
  process.exit(EXIT.usage);
}

const positiveInt = (name: string, x: unknown): number | undefined => {
  if (x === undefined) return undefined;
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x <= 0) usage(`--${name} must be a positive integer, got ${String(x)}`);
  return x;
};

export async function main(argv: string[]): Promise<number> {
  const args = await yargs(argv)
    .scriptName('npm run mc --')
    .usage('$0 --config NAME [--max-states N] [--max-depth N]')
    .option('config', { type: 'string', describe: 'configuration to check (see --list)' })
    .option('list', { type: 'boolean', default: false, describe: 'list the configurations' })
    .option('max-states', { type: 'number', describe: 'stop after this many distinct states (default: the config\'s budget)' })
    .option('max-depth', { type: 'number', describe: 'do not expand states at this depth (initial states: depth 1)' })
    .option('continue', { type: 'boolean', default: false, describe: 'keep exploring after a violation (each property reports once)' })
    .option('exact-keys', { type: 'boolean', default: false, describe: 'store full canonical keys instead of 53-bit fingerprints' })
    .option('progress', { type: 'number', default: 100_000, describe: 'print a progress line every N states' })
    .strict()
    .fail((msg, err) => usage(err?.message ?? msg))
    .help()
    .parseAsync();

  if (args.list) {
    for (const [name, e] of Object.entries(ENTRIES)) process.stdout.write(`${name.padEnd(22)} ${e.description}\n`);
    return EXIT.valid;
  }
  if (args.config === undefined) usage(`--config is required (one of: ${Object.keys(ENTRIES).join(', ')})`);
  const entry = ENTRIES[args.config];
  if (entry === undefined) usage(`unknown config ${JSON.stringify(args.config)} (one of: ${Object.keys(ENTRIES).join(', ')})`);
  const maxStates = positiveInt('max-states', args['max-states']) ?? entry.maxStates;
  const maxDepth = positiveInt('max-depth', args['max-depth']);
  const progressEvery = positiveInt('progress', args.progress) ?? 100_000;

  const spec = entry.build();
  process.stdout.write(`checking ${spec.name}: ${entry.description}\n`);
  const result = check(spec, {
    maxStates,
    maxDepth,
    continueAfterViolation: args.continue,
    exactKeys: args['exact-keys'],
    progressEvery,
    onProgress: (s) => process.stdout.write(`  ... ${formatStats(s)}\n`),
  });
  process.stdout.write(formatResult(spec, result) + '\n');
  return result.valid === true ? EXIT.valid : result.valid === false ? EXIT.invalid : EXIT.unknown;
}

main(hideBin(process.argv)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`mc: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.crash;
  },
);
