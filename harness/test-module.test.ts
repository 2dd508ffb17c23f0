import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../ground/runtime.js';
import { paxosTest } from '../paxos/suite.js';
import { definitionProblem, loadTestModule } from './test-module.js';

const BAD = join('test', 'fixtures', 'bad-tests');
const refused = async (file: string, pattern: RegExp) => {
  const err = await loadTestModule(join(BAD, file), {}).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).not.toContain('\n');
};

describe('--test PATH: a bad module is one line naming the file and the problem', () => {
  it('missing file, a directory, an unknown extension', async () => {
    await refused('nope.ts', /^--test test\/fixtures\/bad-tests\/nope\.ts: no such file$/);
    await refused('', /: not a file$/);
    await refused('../../../package.json', /must be \.ts, \.mts, \.js, \.mjs \(got \.json\)$/);
  });

  it('a syntax error (tsx) and an import error', async () => {
    await refused('syntax-error.ts', /^--test .*syntax-error\.ts: cannot load it: .*syntax-error\.ts:5:0: ERROR: /);
    await refused('import-error.mjs', /^--test .*import-error\.mjs: cannot load it: Cannot find module .*no-such-module\.mjs/);
  });

  it('no default export, the wrong shape, no workloads, a throwing factory', async () => {
    await refused('no-default.ts', /no-default\.ts: no default export/);
    await refused('wrong-shape.ts', /wrong-shape\.ts: the default export is not a TestDefinition: db\.command must be a function/);
    await refused('empty-workloads.mjs', /the default export is not a TestDefinition: workloads is empty$/);
    await refused('throws.mjs', /throws\.mjs: its default export threw: no cluster configured$/);
  });

  it('a good module loads through tsx, and a function export gets the flags', async () => {
    const loaded = await loadTestModule(join(BAD, 'not-ready.ts'), {});
    expect(loaded.definition.name).toBe('not-ready');
    expect(loaded.path).toBe(join(process.cwd(), BAD, 'not-ready.ts'));
    const dir = mkdtempSync(join(tmpdir(), 'jt-test-module-'));
    try {
      const file = join(dir, 'of-flags.mjs');
      writeFileSync(file, "export default async (flags) => ({ name: 'n' + flags.nodes, db: { name: 'x', command: () => ({ cmd: 'true', args: [] }), ready: async () => {}, logFiles: [] }, workloads: { w: () => ({}) } });\n");
      expect((await loadTestModule(file, { nodes: '7' })).definition.name).toBe('n7');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('definitionProblem checks every field', () => {
    expect(definitionProblem(paxosTest)).toBeNull();
    expect(definitionProblem(null)).toBe('got null');
    expect(definitionProblem({ ...paxosTest, name: 'a b' })).toMatch(/^name must be/);
    expect(definitionProblem({ ...paxosTest, workloads: { x: 1 } })).toBe('workloads.x must be a function (opts) => Workload');
    expect(definitionProblem({ ...paxosTest, bugs: [1] })).toBe('bugs must be an array of strings when given');
    expect(definitionProblem({ ...paxosTest, checkers: [] })).toMatch(/^checkers must be a function/);
    expect(definitionProblem({ ...paxosTest, defaults: { nodes: [3] } })).toBe('defaults.nodes must be a string, number or boolean');
    expect(definitionProblem({ ...paxosTest, db: { ...paxosTest.db, leader: 'n1' } })).toBe('db.leader must be a function when given');
  });
});
