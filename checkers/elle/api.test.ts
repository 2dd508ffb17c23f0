/**
 * The transactional checker through the public entry (index.ts): elleChecker is a Checker like
 * the others, composes with checkAll, and loads its module only on its first check.
 */
import { describe, expect, it } from 'vitest';
import { checkAll } from '../../ground/checker.js';
import { elleChecker } from '../../index.js';
import { history, inv, ok, txn } from './testing.js';

describe('elleChecker (public API)', () => {
  it('judges list-append and rw-register histories under the given models', async () => {
    const skew = history(inv(0, [['r', 'x', null], ['w', 'y', 1]]), inv(1, [['r', 'y', null], ['w', 'x', 1]]), ok(0, [['r', 'x', null], ['w', 'y', 1]]), ok(1, [['r', 'y', null], ['w', 'x', 1]]));
    const si = await checkAll([elleChecker('rw-register', ['snapshot-isolation'])], skew, {});
    expect(si.valid).toBe(true);
    expect(si.results['elle-wr']).toMatchObject({ valid: true, anomalyTypes: ['G2-item'] });
    const ser = await checkAll([elleChecker('rw-register', ['serializable'])], skew, {});
    expect(ser).toMatchObject({ valid: false, results: { 'elle-wr': { forbidden: ['G2-item'] } } });
    const append = await checkAll([elleChecker('list-append')], history(txn(0, [['append', 'x', 1]]), txn(1, [['r', 'x', []]])), {});
    expect(append).toMatchObject({ valid: false, results: { 'elle-append': { forbidden: ['G-single-realtime'], models: ['strict-serializable'] } } });
  });
});
