/**
 * Porcupine conformance: every history of test/fixtures/porcupine gets the verdict upstream's
 * tests assert (read from VERDICTS.md), with the etcd and kv models and parsers of this repo.
 */
import { describe, expect, it } from 'vitest';
import { checkEvents } from './check.js';
import { checkPorcupineCase, loadPorcupineCases, parsePorcupineCase } from './conformance.js';
import { getModel } from './models/index.js';

const cases = loadPorcupineCases();

describe('Porcupine conformance corpus', () => {
  it('lists 108 tested histories (79 + 3 illegal, 23 + 3 ok) and etcd_095 without a test', () => {
    expect(cases.filter((c) => c.expected !== null)).toHaveLength(108);
    expect(cases.filter((c) => c.expected === 'illegal')).toHaveLength(82);
    expect(cases.filter((c) => c.expected === null).map((c) => c.file)).toEqual(['test_data/jepsen/etcd_095.log']);
  });

  it('parses etcd_095 (an empty file) to no events, and it is trivially linearizable', () => {
    const c = cases.find((x) => x.expected === null)!;
    const events = parsePorcupineCase(c);
    expect(events).toEqual([]);
    expect(checkPorcupineCase(c, events).result).toBe('ok');
  });

  // One test per file, so a failure names the file. No timeout option: a verdict must come out.
  for (const c of cases.filter((x) => x.expected !== null)) {
    it(`${c.file} is ${c.expected}`, () => {
      const outcome = checkPorcupineCase(c, parsePorcupineCase(c));
      expect(outcome.result).toBe(c.expected);
    });
  }

  // The kv model refutes the bad kv histories without a search (Model.refute): the search alone
  // must reach the same verdicts.
  for (const c of cases.filter((x) => x.format === 'kv')) {
    it(`${c.file} is ${c.expected} by search alone`, () => {
      const { refute: _unused, ...searchOnly } = getModel('porcupine-kv');
      expect(checkEvents(searchOnly, parsePorcupineCase(c)).result).toBe(c.expected);
    });
  }
});
