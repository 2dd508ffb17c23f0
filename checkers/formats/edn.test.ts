/** Jepsen EDN histories: every accepted shape, line-numbered errors for malformed input, and the writer round trip. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HistoryFormatError } from './history-validator.js';
import { formatEdnOp, parseEdn, readEdnFile } from './edn.js';
import { parseJsonl } from './jsonl.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

function errorOf(text: string, independent = false): HistoryFormatError {
  try {
    parseEdn(text, { independent });
  } catch (err) {
    expect(err).toBeInstanceOf(HistoryFormatError);
    return err as HistoryFormatError;
  }
  throw new Error('expected a HistoryFormatError');
}

describe('edn reader', () => {
  it('reads a knossos list history with comments', async () => {
    const ops = await readEdnFile(fixture('knossos-rethink-fail-minimal.edn'));
    expect(ops).toHaveLength(8);
    expect(ops[0]).toEqual({ index: 0, time: 0, process: 0, type: 'invoke', f: 'write', value: 0 });
    expect(ops[4]).toMatchObject({ index: 4, process: 1, type: 'ok', f: 'read', value: 3 });
  });

  it('reads a one-vector history and keeps a structured :error as JSON text', async () => {
    const ops = await readEdnFile(fixture('knossos-immediate-failure.edn'));
    expect(ops.map((o) => o.type)).toEqual(['invoke', 'invoke', 'fail', 'ok']);
    expect(ops[2].error).toBe('["temporarily-unavailable",null]');
  });

  it('reads one map per line with :time, nemesis ops, keyword errors and map values', async () => {
    const ops = await readEdnFile(fixture('cas-register-ok.edn'));
    expect(ops).toHaveLength(14);
    expect(ops[2]).toEqual({ index: 2, time: 2500, process: 'nemesis', type: 'info', f: 'start-partition', value: { n1: ['n2', 'n3'] } });
    expect(ops[4]).toMatchObject({ type: 'info', error: 'timed-out' });
    expect(ops[7].value).toEqual([1, 5]);
  });

  it('splits jepsen.independent tuples only when asked', async () => {
    const plain = await readEdnFile(fixture('independent-ok.edn'));
    expect(plain[4]).toMatchObject({ f: 'read', value: [1, null] });
    const split = await readEdnFile(fixture('independent-ok.edn'), { independent: true });
    expect(split[4]).toMatchObject({ f: 'read', key: '1', value: null });
    expect(split[7]).toMatchObject({ f: 'read', key: '2', value: 7 });
    expect(errorOf('{:process 0, :type :invoke, :f :write, :value 5}', true).message).toMatch(/line 1: independent: :value must be a \[key value\] tuple/);
    const nemesis = parseEdn('{:process :nemesis, :type :info, :f :start, :value "Cut off {:n1 #{:n2}}"}', { independent: true });
    expect(nemesis[0]).toEqual({ index: 0, time: 0, process: 'nemesis', type: 'info', f: 'start', value: 'Cut off {:n1 #{:n2}}' });
  });

  it('reads Porcupine kv lines (:key), tagged records, sets and multi-line maps', () => {
    const ops = parseEdn(
      [
        '{:process 4, :type :invoke, :f :get, :key "3", :value nil, :time 5}',
        '#jepsen.history.Op{:index 7, :time 10, :type :ok, :process 4, :f :get, :key "3",',
        '                   :value #{1 2}}',
      ].join('\n'),
    );
    expect(ops[0]).toMatchObject({ key: '3', f: 'get', value: null, time: 5 });
    expect(ops[1]).toEqual({ index: 1, time: 10, process: 4, type: 'ok', f: 'get', key: '3', value: [1, 2] });
  });

  it.each([
    ['a mismatched bracket', '[{:process 0, :type :invoke, :f :write, :value 2}\n {:process 0, :type :ok, :f :write, :value [1 2}]', 2, /column 48: '}' does not close '\[' opened at line 2 column 44/],
    ['a stray closer', '{:process 0, :type :invoke, :f :read}\n}', 2, /unexpected '}'/],
    ['an unclosed vector', '[{:process 0, :type :invoke, :f :read}\n', 1, /'\[' never closed/],
    ['an unclosed string', '{:process 0, :type :invoke, :f :read, :value "abc}\n', 1, /string never closed/],
    ['a bad escape', '{:process 0, :type :invoke, :f :read, :value "a\\qb"}', 1, /not valid EDN \(Unexpected escape/],
    ['a non-map op', '{:process 0, :type :invoke, :f :read}\n42', 2, /expected an op map/],
    ['an unknown type', '{:process 0, :type :done, :f :read}', 1, /"type" must be one of/],
    ['a keyword process other than nemesis', '{:process :client, :type :invoke, :f :read}', 1, /"process" must be/],
    ['a missing :f', '{:process 0, :type :invoke}', 1, /"f" must be a non-empty string/],
    ['a completion without invocation', '{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok, :f :read}\n{:process 1, :type :ok, :f :read}', 3, /has no open invocation/],
    ['mixed :time', '{:process 0, :type :invoke, :f :read, :time 5}\n{:process 0, :type :ok, :f :read}', 2, /no :time while earlier ops do/],
  ])('rejects %s, naming the line', (_name, text, lineNo, message) => {
    const err = errorOf(text);
    expect(err.line).toBe(lineNo);
    expect(err.message).toMatch(message);
  });

  it('tells the source line of every op', async () => {
    const lines: Array<[number, number]> = [];
    await readEdnFile(fixture('knossos-rethink-fail-minimal.edn'), { onOp: (op, line) => lines.push([op.index, line]) });
    expect(lines).toEqual([[0, 1], [1, 2], [2, 4], [3, 5], [4, 7], [5, 8], [6, 12], [7, 13]]);
  });

  it('names the line of a malformed fixture file', async () => {
    await expect(readEdnFile(fixture('malformed-unclosed.edn'))).rejects.toThrow(/^line 3: column 52: '}' does not close '\[' opened at line 3 column 48/);
  });

  it('does not mistake brackets inside strings or comments for delimiters', () => {
    const ops = parseEdn('; a [ comment\n{:process 0, :type :invoke, :f :add, :value "x]}"}\n{:process 0, :type :ok, :f :add, :value \\a} ; ]');
    expect(ops.map((o) => o.value)).toEqual(['x]}', 'a']);
  });
});

describe('edn writer', () => {
  it('writes Jepsen op maps that read back as the same ops', () => {
    const ours = parseJsonl(readFileSync(fixture('register-ok.jsonl'), 'utf8'));
    const tricky = [
      { index: 0, time: 1, process: 0, type: 'invoke' as const, f: 'txn', key: 'k 1', value: [['r', 'x', null], { a: { 'b c': '"q" :f 1' } }] },
      { index: 1, time: 2, process: 0, type: 'ok' as const, f: 'txn', key: 'k 1', value: true, node: 'n1', error: 'line\nbreak' },
      { index: 2, time: 3, process: 'nemesis' as const, type: 'info' as const, f: 'odd f/name 1', value: -2.5 },
    ];
    for (const history of [ours, tricky]) {
      const text = history.map(formatEdnOp).join('\n');
      expect(parseEdn(text)).toEqual(history);
    }
    expect(formatEdnOp(ours[1])).toBe('{:index 1 :time 1500 :type :invoke :process 1 :f :read}');
    expect(formatEdnOp(tricky[2])).toBe('{:index 2 :time 3 :type :info :process :nemesis :f "odd f/name 1" :value -2.5}');
  });
});
