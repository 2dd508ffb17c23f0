/**
 * Loads a user's test module (`jepsen-ts test --test PATH`): `.ts` through tsx (no build step
 * for the user), `.js`/`.mjs` through import(). Its default export is a TestDefinition or a
 * function of the parsed flags returning one (TestModuleExport). Every problem (missing file,
 * a syntax or import error, no default export, a value of the wrong shape) is one UsageError
 * naming the file, before anything starts.
 */
import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../ground/runtime.js';
import type { TestDefinition } from '../ground/test.js';
import { oneLine } from './one-line.js';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** The module at `path` (relative to the working directory), its default export resolved to a checked definition. */
export async function loadTestModule(path: string, flags: Readonly<Record<string, unknown>>): Promise<{ path: string; definition: TestDefinition }> {
  const file = resolve(path);
  const fail = (problem: string): never => {
    throw new UsageError(`--test ${path}: ${problem}`);
  };
  if (!existsSync(file)) fail('no such file');
  if (!statSync(file).isFile()) fail('not a file');
  const ext = extname(file);
  if (!EXTENSIONS.includes(ext)) fail(`a test module must be ${EXTENSIONS.join(', ')} (got ${ext || 'no extension'})`);
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file, ext);
  } catch (err) {
    return fail(`cannot load it: ${firstLine(err)}`);
  }
  // tsx may hand back a CommonJS-shaped namespace: { default: { default: value } }.
  let exported = mod.default;
  if (exported && typeof exported === 'object' && 'default' in exported && !('db' in exported)) exported = (exported as { default: unknown }).default;
  if (exported === undefined) fail('no default export (export default a TestDefinition, or a function of the flags returning one)');
  let value: unknown = exported;
  if (typeof exported === 'function') {
    try {
      value = await (exported as (f: Readonly<Record<string, unknown>>) => unknown)(flags);
    } catch (err) {
      return fail(`its default export threw: ${firstLine(err)}`);
    }
  }
  const problem = definitionProblem(value);
  if (problem) fail(`the default export is not a TestDefinition: ${problem}`);
  return { path: file, definition: value as TestDefinition };
}

async function importModule(file: string, ext: string): Promise<Record<string, unknown>> {
  if (ext === '.ts' || ext === '.mts') {
    // tsx compiles on the fly; loaded only for a TypeScript test module (it costs start-up time).
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** What is wrong with `value` as a TestDefinition, or null when nothing is. */
export function definitionProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return `got ${value === null ? 'null' : typeof value}`;
  const d = value as Record<string, unknown>;
  if (typeof d.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/.test(d.name)) return 'name must be a string of letters, digits, ".", "_", "-"';
  if (d.db === null || typeof d.db !== 'object') return 'db is missing';
  const db = d.db as Record<string, unknown>;
  if (typeof db.name !== 'string') return 'db.name must be a string';
  if (typeof db.command !== 'function') return 'db.command must be a function (node, extraArgs) => { cmd, args }';
  if (typeof db.ready !== 'function') return 'db.ready must be a function (clientUrl, signal) => Promise';
  if (!Array.isArray(db.logFiles) || db.logFiles.some((f) => typeof f !== 'string')) return 'db.logFiles must be an array of file names';
  for (const f of ['leader', 'decidedLog', 'stateDigests', 'replay'] as const) {
    if (db[f] !== undefined && typeof db[f] !== 'function') return `db.${f} must be a function when given`;
  }
  if (d.workloads === null || typeof d.workloads !== 'object' || Array.isArray(d.workloads)) return 'workloads must be an object of workload factories by name';
  const workloads = Object.entries(d.workloads as Record<string, unknown>);
  if (workloads.length === 0) return 'workloads is empty';
  for (const [name, factory] of workloads) if (typeof factory !== 'function') return `workloads.${name} must be a function (opts) => Workload`;
  if (d.checkers !== undefined && typeof d.checkers !== 'function') return 'checkers must be a function (workload) => Checker[] when given';
  if (d.schedule !== undefined && typeof d.schedule !== 'function') return 'schedule must be a function (ctx) => Schedule when given';
  if (d.sim !== undefined) {
    const sim = d.sim as Record<string, unknown> | null;
    if (sim === null || typeof sim !== 'object') return 'sim must be a SimSystem { node, request, completion } when given';
    for (const f of ['node', 'request', 'completion'] as const) if (typeof sim[f] !== 'function') return `sim.${f} must be a function`;
    if (sim.readOnly !== undefined && (!Array.isArray(sim.readOnly) || sim.readOnly.some((f) => typeof f !== 'string'))) return 'sim.readOnly must be an array of op names when given';
  }
  if (d.bugs !== undefined && (!Array.isArray(d.bugs) || d.bugs.some((b) => typeof b !== 'string'))) return 'bugs must be an array of strings when given';
  if (d.defaults !== undefined) {
    if (d.defaults === null || typeof d.defaults !== 'object' || Array.isArray(d.defaults)) return 'defaults must be an object of flag values when given';
    for (const [k, v] of Object.entries(d.defaults)) if (!['string', 'number', 'boolean'].includes(typeof v)) return `defaults.${k} must be a string, number or boolean`;
  }
  return null;
}

function firstLine(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err)) || 'unknown error';
}
