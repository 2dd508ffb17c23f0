/**
 * `jepsen-ts check --checker elle-append|elle-wr` end to end: the real CLI (compiled dist/, run
 * `npx tsc` first) on hand-written Jepsen list-append / rw-register EDN histories and on a JSONL
 * history of our simulated store; exit codes 0 / 1 / 254 and the lines printed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../checkers/elle/models.js';
import { simulate } from '../../checkers/elle/simulate.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = `${root}bin/jepsen-ts.js`;
const fixture = (name: string) => `${root}checkers/formats/fixtures/${name}`;

async function check(...args: string[]) {
  const r = await execa('node', [bin, 'check', ...args], { reject: false, cwd: root, timeout: 60_000 });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(`${root}dist/harness/commands/check.js`)) throw new Error('dist/ is not built: run `npx tsc -p tsconfig.json` first');
});

describe('jepsen-ts check --checker elle-*', () => {
  it('list-append EDN: valid exits 0, invalid exits 1 naming the anomalies and the cycle', async () => {
    const r = await check('--format', 'edn', '--checker', 'elle-append', fixture('elle-append-ok.edn'), fixture('elle-append-bad.edn'));
    expect(r.code).toBe(1);
    expect(r.out.split('\n')).toEqual([
      expect.stringMatching(/elle-append-ok\.edn: valid \(7 ops, \d+ ms\)$/),
      expect.stringMatching(/elle-append-bad\.edn: INVALID \(4 ops, \d+ ms\): G-single \(1\), G1a \(1\) forbidden by strict-serializable; G-single: T1 -rw-> T0 -wr-> T1$/),
    ]);
    expect((await check('--format', 'edn', '--checker', 'elle-append', fixture('elle-append-ok.edn'))).code).toBe(0);
  });

  it('rw-register EDN: write skew is G2-item, invalid under serializable, valid under snapshot isolation', async () => {
    const ser = await check('--format', 'edn', '--checker', 'elle-wr', '--consistency-models', 'serializable', fixture('elle-wr-skew.edn'));
    expect(ser.code).toBe(1);
    expect(ser.out).toMatch(/elle-wr-skew\.edn: INVALID \(3 ops, \d+ ms\): G2-item \(1\) forbidden by serializable; G2-item: T\d -rw-> T\d -rw-> T\d$/);
    const si = await check('--format', 'edn', '--checker', 'elle-wr', '--consistency-models', 'snapshot-isolation,read-committed', fixture('elle-wr-skew.edn'));
    expect(si.code).toBe(0);
  });

  it('--json gives every anomaly with its cycle explained and the txns involved', async () => {
    const r = await check('--format', 'edn', '--checker', 'elle-append', '--json', fixture('elle-append-bad.edn'));
    expect(r.code).toBe(1);
    const { results } = JSON.parse(r.out);
    const single = results[0].result.anomalies['G-single'][0];
    expect(single.cycle).toEqual([
      { from: 1, type: 'rw', to: 0, why: "T1 read [r 1 []], missing T0's append of 1" },
      { from: 0, type: 'wr', to: 1, why: "T1 read [r 2 [1]], observing T0's append of 1" },
    ]);
    expect(results[0].result.txns['0']).toMatchObject({ process: 0, type: 'ok', invokeIndex: 0, completeIndex: 2, mops: '[[append 1 1] [append 2 1]]' });
  });

  it('JSONL histories of our own simulated store: valid', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'check-elle-')), 'append.jsonl');
    writeFileSync(file, simulate({ workload: 'list-append', txns: 2000, seed: 7 }).map((op) => JSON.stringify(op)).join('\n') + '\n');
    const r = await check('--format', 'jsonl', '--checker', 'elle-append', file);
    rmSync(dirname(file), { recursive: true, force: true });
    expect(r.out).toMatch(/append\.jsonl: valid \(2000 ops, \d+ ms\)$/);
    expect(r.code).toBe(0);
  });

  it('--help lists every consistency model the checker knows', async () => {
    const r = await check('--help');
    const help = r.out.replace(/\s+/g, ' ');
    for (const m of MODELS) expect(help).toContain(m);
  });

  it('bad input: one line on stderr, nothing on stdout, exit 254', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--format', 'edn', '--checker', 'elle-list', fixture('elle-append-ok.edn')], /^jepsen-ts: --checker must be one of .*elle-append, elle-wr, got "elle-list"$/],
      [['--format', 'edn', '--checker', 'elle-append', fixture('malformed-unclosed.edn')], /^jepsen-ts: .*malformed-unclosed\.edn:3: column 52: '\}' does not close '\['/],
      [['--format', 'edn', '--checker', 'elle-append', '--consistency-models', 'serialisable', fixture('elle-append-ok.edn')], /^jepsen-ts: --consistency-models: unknown consistency model "serialisable"/],
      [['--format', 'edn', '--checker', 'set', '--consistency-models', 'serializable', fixture('elle-append-ok.edn')], /^jepsen-ts: --consistency-models applies to --checker elle-append or elle-wr only$/],
      [['--format', 'edn', '--checker', 'elle-append', fixture('elle-append-dup-value.edn')], /^jepsen-ts: .*elle-append-dup-value\.edn:3: \[append 1 1\]: 1 was appended to key 1 before; list-append needs unique values per key$/],
      [['--format', 'edn', '--checker', 'elle-wr', fixture('elle-append-ok.edn')], /^jepsen-ts: .*elle-append-ok\.edn:1: micro-op \["append",1,1\] is not \[w k v\] or \[r k v\]$/],
    ];
    for (const [args, line] of cases) {
      const r = await check(...args);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 254, out: '' });
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err.trim()).toMatch(line);
    }
  });
});
