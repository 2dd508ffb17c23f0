/**
 * The Paxos suite is written as a user would write one: it reaches the harness only through
 * the public entry (../index.ts) or the ground vocabulary (../ground/). Every import specifier
 * of every non-test file under paxos/ is checked; tooling that is not part of the suite is
 * listed below with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const PAXOS = join(ROOT, 'paxos');

/** Files allowed to import more, and why. */
const EXCEPTIONS: Record<string, string> = {
  'paxos/sim/linearizability.ts': "the simulator's oracle (tooling, not the suite) drives the Porcupine port's low-level checkOperations on simulated ops, which are not a history",
};

/** Every import specifier in `source`: static, re-export, side-effect and dynamic (literal) imports. */
export function importSpecifiers(source: string): string[] {
  const found = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm)].map((m) => m[1]);
  return [...new Set(found)];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** Why `spec` (imported by `file`) breaks the rule, or null when it is allowed. */
function violation(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null; // node: builtins and npm packages
  const target = resolve(dirname(file), spec);
  if (target === join(ROOT, 'index.js')) return null;
  if (target.startsWith(`${join(ROOT, 'ground')}/`)) return null;
  if (target.startsWith(`${PAXOS}/`)) return null;
  return `${relative(ROOT, file)} imports ${spec}`;
}

describe('paxos/ uses the harness only through its public API', () => {
  it('finds import specifiers of every form, and flags a reach into the harness', () => {
    const source = "import a from '../x.js';\nexport { b } from './y.js';\nimport './z.js';\nconst c = await import('../w.js');\nimport {\n  d,\n} from 'node:fs';";
    expect(importSpecifiers(source).sort()).toEqual(['../w.js', '../x.js', './y.js', './z.js', 'node:fs']);
    const file = join(PAXOS, 'suite.ts');
    expect(violation(file, '../harness/run.js')).toBe('paxos/suite.ts imports ../harness/run.js');
    expect(violation(file, '../checkers/agreement.js')).toBe('paxos/suite.ts imports ../checkers/agreement.js');
    expect([violation(file, '../index.js'), violation(file, '../ground/db.js'), violation(file, './db.js'), violation(file, 'undici')]).toEqual([null, null, null, null]);
  });

  it('imports only ../index.js, ../ground/, its own files and packages', () => {
    const files = sourceFiles(PAXOS);
    expect(files.length).toBeGreaterThan(20);
    const bad: string[] = [];
    for (const file of files) {
      if (Object.hasOwn(EXCEPTIONS, relative(ROOT, file))) continue;
      for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
        const v = violation(file, spec);
        if (v) bad.push(v);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the exceptions still exist (a stale one would hide nothing)', () => {
    for (const file of Object.keys(EXCEPTIONS)) expect(readFileSync(join(ROOT, file), 'utf8')).toMatch(/from '\.\.\/\.\.\/checkers\//);
  });
});
