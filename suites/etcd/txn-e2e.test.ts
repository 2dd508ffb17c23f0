/**
 * End to end: `jepsen-ts test --db etcd --workload append|wr --nemesis partition,kill` against
 * the real etcd (3 members), each VALID under the Elle checker (strict-serializable) with a
 * real amount of work in the history: many ok txns, reads that saw several appends / a value.
 * Then the checker's other side on etcd's own history: the append run's history with ONE read
 * made stale (a final read missing the last element, appended by a txn that had completed
 * before) is rejected. ~60 s. Skipped as suites/etcd/e2e.test.ts is (JEPSEN_TS_REQUIRE_ETCD).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { History, Op } from '../../index.js';
import { elleChecker, type ElleResult } from '../../index.js';
import { BUILT, cleanUpScratch, cli, scratch } from '../../test/e2e/cli.js';
import { etcdTestsRun } from './test-cluster.js';

const skip = !BUILT ? 'not built' : !etcdTestsRun ? 'no etcd binary (apt-get install etcd-server)' : null;
if (skip) console.warn(`SKIPPED suites/etcd/txn-e2e.test.ts: ${skip}`);

const results = scratch('etcd-txn');
afterAll(cleanUpScratch);
const TIMEOUT_MS = 120_000;

type Mop = [string, number, unknown];
interface Run {
  results: { valid: unknown; results: Record<string, { valid: unknown; counts?: { ok: number } }>; faults?: { injected: Record<string, { count: number }> } };
  history: History;
}

/** Runs one etcd test of `workload` under partition,kill; expects VALID; returns its results and history. */
async function run(workload: string): Promise<Run> {
  const args = ['test', '--db', 'etcd', '--nodes', '3', '--workload', workload, '--nemesis', 'partition,kill', '--time-limit', '12', '--seed', '5', '--results', results];
  const out = await cli(args, { timeoutMs: TIMEOUT_MS });
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
  const dir = /^results: (.+)$/m.exec(out.stdout)![1];
  const history = readFileSync(join(dir, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Op);
  return { results: JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Run['results'], history };
}

const okTxns = (h: History) => h.filter((o) => o.type === 'ok' && o.f === 'txn');
const reads = (h: History) => okTxns(h).flatMap((o) => (o.value as Mop[]).filter((m) => m[0] === 'r'));
const faults = (r: Run) => Object.values(r.results.faults?.injected ?? {}).reduce((s, f) => s + f.count, 0);

describe.skipIf(skip !== null)('etcd transactions, end to end', () => {
  let append: Run | undefined;

  it('append under partition,kill: VALID (strict-serializable), with ok txns and reads of several elements', async () => {
    append = await run('append');
    expect(append.results.valid).toBe(true);
    expect(append.results.results['elle-append']?.valid).toBe(true);
    expect(append.results.results['etcd-agreement']?.valid).toBe(true);
    expect(faults(append)).toBeGreaterThan(0);
    expect(okTxns(append.history).length).toBeGreaterThan(100);
    expect(reads(append.history).filter((m) => (m[2] as unknown[]).length >= 2).length).toBeGreaterThan(50);
  }, TIMEOUT_MS);

  it('wr under partition,kill: VALID (strict-serializable), with ok txns and reads of written values', async () => {
    const wr = await run('wr');
    expect(wr.results.valid).toBe(true);
    expect(wr.results.results['elle-wr']?.valid).toBe(true);
    expect(faults(wr)).toBeGreaterThan(0);
    expect(okTxns(wr.history).length).toBeGreaterThan(100);
    expect(reads(wr.history).filter((m) => m[2] !== null).length).toBeGreaterThan(50);
  }, TIMEOUT_MS);

  it("the append run's history with one final read made stale: INVALID", async () => {
    expect(append, 'the append run above').toBeDefined();
    const history = append!.history;
    const checker = elleChecker('list-append', ['strict-serializable']);
    expect((await checker.check(history, {})).valid).toBe(true);
    // The last read of a list of >= 2 elements whose last element's append completed ok before that read began.
    const appendedOk = new Map<string, number>(); // "key value" -> index of the ok completion
    for (const o of okTxns(history)) for (const m of o.value as Mop[]) if (m[0] === 'append') appendedOk.set(`${m[1]} ${String(m[2])}`, o.index);
    const invokeOf = (o: Op) => history.findLast((x) => x.index < o.index && x.process === o.process && x.type === 'invoke')!.index;
    const stale = (o: Op) => (m: Mop) => m[0] === 'r' && (m[2] as number[]).length >= 2 && (appendedOk.get(`${m[1]} ${(m[2] as number[]).at(-1)}`) ?? Infinity) < invokeOf(o);
    const target = okTxns(history).reverse().find((o) => (o.value as Mop[]).some(stale(o)));
    expect(target).toBeDefined();
    const i = (target!.value as Mop[]).findIndex(stale(target!));
    const mops = (target!.value as Mop[]).map((m, j): Mop => (j === i ? [m[0], m[1], (m[2] as number[]).slice(0, -1)] : m));
    const corrupted = history.map((o) => (o === target ? { ...o, value: mops } : o));
    const verdict = (await checker.check(corrupted, {})) as ElleResult;
    expect(verdict.valid).toBe(false);
    // The reader missed an append that completed before it began: a cycle of its rw edge back
    // through an order edge. Which order edge the search meets first (realtime, or a process's
    // own order on the way) varies with the history, and so does the name's suffix; CI saw both.
    const name = verdict.forbidden.find((n) => /^(G-single|G2-item)-(realtime|process)$/.test(n));
    expect(name, verdict.forbidden.join(' ')).toBeDefined();
    // The history was valid before: every cycle passes through the corrupted read's txn.
    const cycle = verdict.anomalies[name!][0].cycle!;
    const through = cycle.flatMap((step) => [step.from, step.to]).map((id) => verdict.txns[id]?.completeIndex);
    expect(through).toContain(target!.index);
  }, TIMEOUT_MS);
});
