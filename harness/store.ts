/**
 * The store of runs (ARCHITECTURE.md "The store"):
 *   <results>/<test-name>/<start time, ISO basic>/ test.json history.jsonl results.json nodes/<n>/
 *   <results>/latest -> the newest run (a relative symlink, swapped atomically).
 * JSON files are written to a temp name and renamed, so a reader never sees half a file; a write
 * that fails (a full disk) removes its temp file and throws WriteFailed, whose message is one line.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorMap } from 'node:util';
import type { TestConfig } from './options.js';
import type { ReplicaState } from '../ground/checker.js';
import { replayCommand } from './options.js';
import { UsageError } from '../ground/runtime.js';

/** The repo (package) root: dist/harness/store.js and harness/store.ts both sit two levels down. */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

export const FILES = {
  test: 'test.json',
  history: 'history.jsonl',
  results: 'results.json',
  nodes: 'nodes',
  decidedLog: 'decided-log.json',
  replicaState: 'replica-state.json',
} as const;

/** 2026-11-26T12:11:31.123Z -> 20261126T121131.123Z */
export function isoBasic(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '');
}

/** Creates a fresh run directory (never reuses one: a suffix is added on a same-millisecond clash). */
export function createRunDir(resultsDir: string, testName: string, start: Date): string {
  const base = join(resultsDir, testName, isoBasic(start));
  mkdirSync(dirname(base), { recursive: true });
  for (let i = 0; ; i++) {
    const dir = i === 0 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Points <results>/latest at runDir (relative link; replaced atomically by rename). */
export function updateLatest(resultsDir: string, runDir: string): void {
  const link = join(resultsDir, 'latest');
  const tmp = `${link}.tmp-${process.pid}`;
  symlinkSync(relative(resultsDir, runDir), tmp);
  renameSync(tmp, link);
}

export function writeJson(path: string, value: unknown): void {
  writeText(path, JSON.stringify(value, null, 2) + '\n');
}

/** Writes `text` to a temp name and renames it over `path`; WriteFailed (one line) on failure. */
export function writeText(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new WriteFailed(path, err);
  }
}

/** A file of the store could not be written: "no space left on device writing PATH". */
export class WriteFailed extends Error {
  override name = 'WriteFailed';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`${systemReason(cause) ?? (cause as Error).message} writing ${path}`, { cause });
  }
}

/** The OS's words for a system error ("no space left on device"), or null for any other error. */
export function systemReason(err: unknown): string | null {
  const errno = (err as NodeJS.ErrnoException | null)?.errno;
  return typeof errno === 'number' ? (getSystemErrorMap().get(errno)?.[1] ?? null) : null;
}

/** One line for a failed file operation (a full disk while copying node logs, ...); null if it is no such error. */
export function fileErrorLine(err: unknown): string | null {
  if (err instanceof WriteFailed) return err.message;
  const reason = systemReason(err);
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (reason === null || typeof e.syscall !== 'string') return null;
  return `${reason} (${e.syscall}${e.path ? ` ${e.path}` : ''}${e.dest ? ` -> ${e.dest}` : ''})`;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** The git commit of the checkout the harness runs from, when there is one. */
export function gitCommit(): { commit: string; dirty: boolean } | null {
  try {
    const opts = { cwd: PACKAGE_ROOT, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'], timeout: 5000 };
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

export interface TestRecord {
  name: string;
  config: TestConfig;
  seed: number;
  startedAt: string;
  /** The command line that replays this run (same seed, same options). */
  command: string;
  argv: string[];
  git: { commit: string; dirty: boolean } | null;
  versions: { node: string; jepsenTs: string };
}

export function testRecord(config: TestConfig, start: Date): TestRecord {
  const pkg = readJson<{ version: string }>(join(PACKAGE_ROOT, 'package.json'));
  return {
    name: config.name,
    config,
    seed: config.seed,
    startedAt: start.toISOString(),
    command: replayCommand(config),
    argv: process.argv.slice(2),
    git: gitCommit(),
    versions: { node: process.version, jepsenTs: pkg.version },
  };
}

/** Decided logs saved by the run (nodes/<n>/decided-log.json), for the agreement checker. */
export function readDecidedLogs(runDir: string): Record<string, Array<{ slot: number; digest: string; command: unknown }>> {
  return readPerNode(runDir, FILES.decidedLog);
}

/** Replica states saved by the run (nodes/<n>/replica-state.json); undefined when none were. */
export function readReplicaStates(runDir: string): Record<string, ReplicaState> | undefined {
  const states = readPerNode<ReplicaState>(runDir, FILES.replicaState);
  return Object.keys(states).length > 0 ? states : undefined;
}

/** nodes/<n>/<file> of every node that has it, by node name. */
function readPerNode<T>(runDir: string, fileName: string): Record<string, T> {
  const nodesDir = join(runDir, FILES.nodes);
  const out: Record<string, T> = {};
  if (!existsSync(nodesDir)) return out;
  for (const name of readdirSync(nodesDir).sort()) {
    const file = join(nodesDir, name, fileName);
    if (statSync(join(nodesDir, name)).isDirectory() && existsSync(file)) out[name] = readJson<T>(file);
  }
  return out;
}

/** Resolves a user-given run dir (also `results/latest`) and checks it looks like a run. */
export function resolveRunDir(path: string): string {
  const dir = resolve(path);
  if (!existsSync(join(dir, FILES.test)) || !existsSync(join(dir, FILES.history))) {
    throw new UsageError(`${path} is not a run directory (needs ${FILES.test} and ${FILES.history})`);
  }
  return dir;
}
