/**
 * Which TestDefinition a command runs: a built-in suite by name (`--db NAME`: paxos, etcd), or
 * the default export of a user's module (`--test PATH`, see test-module.ts). Suites are imported
 * only when chosen, so the CLI's start-up graph holds none of them (nor the checkers they use).
 */
import { UsageError } from '../ground/runtime.js';
import type { TestDefinition } from '../ground/test.js';
import { loadTestModule } from './test-module.js';

type Flags = Readonly<Record<string, unknown>>;

/** The built-in suites, by `--db` name; each loads its module when chosen, with the flags it reads. */
export const BUILTIN_SUITES: Record<string, (flags: Flags) => Promise<TestDefinition>> = {
  paxos: async () => (await import('../paxos/suite.js')).paxosTest,
  etcd: async (flags) => (await import('../suites/etcd/suite.js')).etcdTestWith({ binary: flags['etcd-binary'] as string | undefined }),
};

/** Flags only a built-in suite reads: given with another suite, they are a usage error. */
const SUITE_FLAGS: Record<string, string> = { 'etcd-binary': 'etcd' };

export const DEFAULT_DB = 'paxos';

/** Where a run's definition came from, as stored in test.json's config (exactly one is set). */
export type TestSource = { db: string; test?: undefined } | { test: string; db?: undefined };

/** The definition a command's flags choose: `--db NAME` (default paxos) or `--test PATH`; UsageError for both, or a bad choice. */
export async function resolveDefinition(argv: Readonly<Record<string, unknown>>): Promise<{ definition: TestDefinition; source: TestSource }> {
  const db = argv.db;
  const test = argv.test;
  if (Array.isArray(db)) throw new UsageError('--db given more than once');
  if (Array.isArray(test)) throw new UsageError('--test given more than once');
  if (db !== undefined && test !== undefined) throw new UsageError('--db and --test exclude each other: --test PATH runs the module\'s own db');
  if (test !== undefined) {
    if (typeof test !== 'string' || test === '') throw new UsageError('--test needs a path');
    const loaded = await loadTestModule(test, argv);
    return { definition: loaded.definition, source: { test: loaded.path } };
  }
  const name = db === undefined ? DEFAULT_DB : String(db);
  return { definition: await builtinSuite(name, argv), source: { db: name } };
}

/** The built-in suite `name`; UsageError naming the choices when there is none. */
export async function builtinSuite(name: string, flags: Flags = {}): Promise<TestDefinition> {
  const load = Object.hasOwn(BUILTIN_SUITES, name) ? BUILTIN_SUITES[name] : undefined;
  if (!load) throw new UsageError(`unknown db ${JSON.stringify(name)} (built-in: ${Object.keys(BUILTIN_SUITES).join(', ')}; or --test PATH for your own)`);
  for (const [flag, suite] of Object.entries(SUITE_FLAGS)) {
    if (flags[flag] !== undefined && suite !== name) throw new UsageError(`--${flag} is for --db ${suite}, not ${name}`);
  }
  return load(flags);
}

/** The definition a stored run was made with (test.json's config: db or test; older runs: paxos). */
export async function definitionOfRun(config: { db?: string; test?: string; flags?: Record<string, unknown> }): Promise<TestDefinition> {
  if (config.test !== undefined) return (await loadTestModule(config.test, config.flags ?? {})).definition;
  return builtinSuite(config.db ?? DEFAULT_DB, config.flags ?? {});
}
