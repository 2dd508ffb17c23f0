/**
 * The etcd suite is written as a user would write it: its modules import the public entry
 * ('../../index.js'), each other, node: builtins and npm packages, nothing else of jepsen-ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = import.meta.dirname;
const sources = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

describe('etcd suite imports', () => {
  it.each(sources)('%s imports only the public API', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    const bad = specs.filter((s) => s.startsWith('.') && s !== '../../index.js' && !/^\.\/[\w-]+\.js$/.test(s));
    // Tests may use the repo's own e2e helpers; suite modules may not.
    const allowed = file.endsWith('.test.ts') ? bad.filter((s) => !s.startsWith('../../test/')) : bad;
    expect(allowed).toEqual([]);
  });
});
