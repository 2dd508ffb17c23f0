/**
 * The Porcupine log parsers: both line formats, the pairing rules upstream's verdicts depend on
 * (ids in invoke order, crashed ops pending until the end, then unknown), strict errors that
 * name the line, and the corpus totals VERDICTS.md states.
 */
import { describe, expect, it } from 'vitest';
import { loadPorcupineCases, parsePorcupineCase } from '../linearizable/conformance.js';
import { HistoryParseError, parseEtcdLog, parseKvLog } from './porcupine.js';

const P = 'INFO  jepsen.util - ';

describe('parseEtcdLog', () => {
  it('pairs by process, ids in invoke order, crashed ops unknown at the end', () => {
    const log = [
      `${P}0\t:invoke\t:read\tnil`,
      `${P}1\t:invoke\t:write\t4`,
      `${P}2\t:invoke\t:cas\t[3 0]`,
      `${P}0\t:ok\t:read\tnil`,
      `${P}1\t:info\t:write\t:timed-out`,
      `${P}2\t:fail\t:cas\t[3 0]`,
      `${P}3   :invoke :read   nil`,
      `${P}3   :fail   :read   :timed-out`,
      `${P}4\t:invoke\t:read\tnil`,
      `${P}4\t:ok\t:read\t4`,
      '',
    ].join('\n');
    const events = parseEtcdLog(log);
    expect(events.map((e) => `${e.kind} ${e.id}`)).toEqual([
      'call 0', 'call 1', 'call 2', 'return 0', 'return 2', 'call 3', 'return 3', 'call 4', 'return 4', 'return 1',
    ]);
    expect(events[0].value).toEqual({ op: 'read' });
    expect(events[1].value).toEqual({ op: 'write', value: 4 });
    expect(events[2].value).toEqual({ op: 'cas', from: 3, to: 0 });
    expect(events[3].value).toMatchObject({ exists: false, unknown: false });
    expect(events[4].value).toMatchObject({ ok: false, unknown: false });
    expect(events[6].value).toMatchObject({ unknown: true });
    expect(events[8].value).toMatchObject({ exists: true, value: 4, unknown: false });
    expect(events[9]).toMatchObject({ kind: 'return', id: 1, clientId: 1, value: { unknown: true } });
  });

  it('rejects a malformed line, naming it', () => {
    const log = `${P}0\t:invoke\t:read\tnil\n${P}0\t:ok\t:read\tbanana\n`;
    expect(() => parseEtcdLog(log, 'x.log')).toThrow(HistoryParseError);
    expect(() => parseEtcdLog(log, 'x.log')).toThrow(/^x\.log:2: not a Jepsen etcd log line/);
  });

  it('rejects a completion with no pending invoke, and a completion of another f', () => {
    expect(() => parseEtcdLog(`${P}0\t:ok\t:write\t1`)).toThrow(/:1: process 0 completes :write with no pending invoke/);
    expect(() => parseEtcdLog(`${P}0\t:invoke\t:read\tnil\n${P}0\t:ok\t:write\t1`)).toThrow(/:2: .*pending invoke is :read/);
  });
});

describe('parseKvLog', () => {
  it('parses get/put/append with keys and string values', () => {
    const log = [
      '{:process 1, :type :invoke, :f :get, :key "9", :value nil}',
      '{:process 2, :type :invoke, :f :append, :key "0", :value "x 2 0 y"}',
      '{:process 2, :type :ok, :f :append, :key "0", :value "x 2 0 y"}',
      '{:process 1, :type :ok, :f :get, :key "9", :value "x 7 0 yx 3 1 y"}',
      '{:process 3, :type :invoke, :f :put, :key "6", :value "x 9 3 y"}',
    ].join('\n');
    const events = parseKvLog(log);
    expect(events).toEqual([
      { kind: 'call', clientId: 1, id: 0, value: { op: 'get', key: '9', value: '' } },
      { kind: 'call', clientId: 2, id: 1, value: { op: 'append', key: '0', value: 'x 2 0 y' } },
      { kind: 'return', clientId: 2, id: 1, value: { value: '' } },
      { kind: 'return', clientId: 1, id: 0, value: { value: 'x 7 0 yx 3 1 y' } },
      { kind: 'call', clientId: 3, id: 2, value: { op: 'put', key: '6', value: 'x 9 3 y' } },
      { kind: 'return', clientId: 3, id: 2, value: { value: '', unknown: true } },
    ]);
  });

  it('rejects a line of another shape, naming it', () => {
    expect(() => parseKvLog('{:process 1, :type :invoke, :f :get, :key "9", :value nil}\n{:process 1, :type :ok, :f :cas, :key "9", :value "a"}', 'k.txt')).toThrow(
      /^k\.txt:2: not a kv history line/,
    );
  });
});

describe('the corpus, parsed', () => {
  const cases = loadPorcupineCases();
  it('has the totals VERDICTS.md states: 8,523 etcd ops, 1,283 crashed + 17 timed-out reads', () => {
    let ops = 0;
    let unknown = 0;
    let timedOutReads = 0;
    for (const c of cases.filter((x) => x.format === 'etcd')) {
      const events = parsePorcupineCase(c);
      ops += events.filter((e) => e.kind === 'call').length;
      const unknownReturns = events.filter((e) => e.kind === 'return' && (e.value as { unknown: boolean }).unknown);
      unknown += unknownReturns.length;
      const calls = new Map(events.filter((e) => e.kind === 'call').map((e) => [e.id, e.value as { op: string }]));
      timedOutReads += unknownReturns.filter((e) => calls.get(e.id)?.op === 'read').length;
    }
    expect(ops).toBe(8523);
    expect(unknown).toBe(1283 + 17);
    expect(timedOutReads).toBe(17);
  });

  it('kv files: ops and keys as in the table, every op completes', () => {
    const expected: Record<string, [number, number]> = { 'c01-ok': [58, 10], 'c01-bad': [38, 8], 'c10-ok': [337, 10], 'c10-bad': [405, 10], 'c50-ok': [1712, 10], 'c50-bad': [2024, 10] };
    for (const c of cases.filter((x) => x.format === 'kv')) {
      const events = parsePorcupineCase(c);
      const calls = events.filter((e) => e.kind === 'call');
      const name = c.file.replace(/^.*\/|\.txt$/g, '');
      expect([calls.length, new Set(calls.map((e) => (e.value as { key: string }).key)).size], name).toEqual(expected[name]);
      expect(events.some((e) => e.kind === 'return' && (e.value as { unknown?: boolean }).unknown)).toBe(false);
    }
  });
});
