/** Our JSONL history: validation of every rule with line numbers, torn tails, streaming 100k ops, the HistoryWriter round trip. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Op } from '../../ground/history.js';
import { HistoryWriter } from '../../harness/historyWriter.js';
import { HistoryFormatError, formatOp, parseJsonl, readJsonlFile } from './jsonl.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const line = (o: Record<string, unknown>) => JSON.stringify(o);
const inv = (index: number, process: number | 'nemesis', f = 'read', time = index * 10) => ({ index, time, process, type: 'invoke', f });
const done = (index: number, process: number, type = 'ok', f = 'read', time = index * 10) => ({ index, time, process, type, f });

/** The HistoryFormatError thrown for `text`, or a test failure. */
function errorOf(text: string): HistoryFormatError {
  try {
    parseJsonl(text);
  } catch (err) {
    expect(err).toBeInstanceOf(HistoryFormatError);
    return err as HistoryFormatError;
  }
  throw new Error('expected a HistoryFormatError');
}

describe('jsonl reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jsonl-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a good history from disk, streaming, with every field kept', async () => {
    const ops = await readJsonlFile(fixture('register-ok.jsonl'));
    expect(ops).toHaveLength(10);
    expect(ops[3]).toEqual({ index: 3, time: 2100, process: 'nemesis', type: 'info', f: 'start-partition', value: { n1: ['n2', 'n3'] } });
    expect(ops[6].error).toBe('timeout');
    expect(ops[4].node).toBe('n2');
  });

  it('accepts values nested 100 levels deep, refuses 101 (the checkers recurse over values)', () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const line = (n: number) => `{"index":0,"time":0,"process":0,"type":"invoke","f":"write","value":${nested(n)}}`;
    expect(parseJsonl(line(100))[0].value).toBeInstanceOf(Array);
    expect(() => parseJsonl(line(101))).toThrow(new HistoryFormatError(1, 'nested deeper than 100 levels'));
  });

  it('tolerates CRLF and a trailing blank line', () => {
    expect(parseJsonl(`${line(inv(0, 0))}\r\n${line(done(1, 0))}\r\n\r\n`)).toHaveLength(2);
  });

  it('round-trips through formatOp with canonical field order', () => {
    const op: Op = { node: 'n1', value: [1, 2], f: 'cas', type: 'ok', process: 2, time: 5, index: 0, key: 'k' };
    expect(formatOp(op)).toBe('{"index":0,"time":5,"process":2,"type":"ok","f":"cas","key":"k","value":[1,2],"node":"n1"}');
    expect(() => formatOp({ ...op, type: 'done' as never })).toThrow(/type/);
  });

  it.each([
    ['not JSON', `${line(inv(0, 0))}\n{"index":1,`, 2, /not valid JSON/],
    ['an array', `[1,2]`, 1, /expected a JSON object/],
    ['missing time', `${line({ index: 0, process: 0, type: 'invoke', f: 'read' })}`, 1, /"time"/],
    ['fractional time', `${line({ ...inv(0, 0), time: 1.5 })}`, 1, /"time"/],
    ['bad process', `${line({ ...inv(0, 0), process: 'p1' })}`, 1, /"process"/],
    ['unknown type', `${line({ ...inv(0, 0), type: 'done' })}`, 1, /"type" must be one of/],
    ['empty f', `${line({ ...inv(0, 0), f: '' })}`, 1, /"f"/],
    ['numeric key', `${line({ ...inv(0, 0), key: 3 })}`, 1, /"key" must be a string/],
    ['index gap', `${line(inv(0, 0))}\n${line(done(2, 0))}`, 2, /"index" is 2, expected 1/],
    ['time backwards', `${line(inv(0, 0, 'read', 50))}\n${line(done(1, 0, 'ok', 'read', 40))}`, 2, /time goes backwards for process 0/],
    ['orphan completion', `${line(inv(0, 0))}\n${line(done(1, 1))}`, 2, /ok read of process 1 has no open invocation/],
    ['double invoke', `${line(inv(0, 0))}\n${line(inv(1, 0, 'write'))}`, 2, /invokes write while its read from line 1/],
    ['mismatched f', `${line(inv(0, 0))}\n${line(done(1, 0, 'ok', 'write'))}`, 2, /has f "write" but its invocation \(line 1\) has f "read"/],
    ['invoke after crash', `${line(inv(0, 0))}\n${line(done(1, 0, 'info'))}\n${line(inv(2, 0))}`, 3, /invokes again after crashing \(info at line 2\)/],
    ['blank line inside', `${line(inv(0, 0))}\n\n${line(done(1, 0))}`, 2, /blank line/],
  ])('rejects %s, naming the line', (_name, text, lineNo, message) => {
    const err = errorOf(text);
    expect(err.line).toBe(lineNo);
    expect(err.message).toMatch(new RegExp(`^line ${lineNo}: `));
    expect(err.message).toMatch(message);
  });

  it('drops a torn last line (no final newline, not JSON) and reports it; otherwise a bad last line is an error', async () => {
    const torn: number[] = [];
    const text = `${line(inv(0, 0))}\n${line(done(1, 0))}\n{"index":2,"ti`;
    expect(parseJsonl(text, { onTornTail: (n) => torn.push(n) })).toHaveLength(2);
    expect(torn).toEqual([3]);
    expect(() => parseJsonl(text)).toThrow(/^line 3: not valid JSON/);
    writeFileSync(join(dir, 'torn.jsonl'), text);
    expect(await readJsonlFile(join(dir, 'torn.jsonl'), { onTornTail: (n) => torn.push(n) })).toHaveLength(2);
    expect(torn).toEqual([3, 3]);
    writeFileSync(join(dir, 'complete.jsonl'), text + '\n');
    await expect(readJsonlFile(join(dir, 'complete.jsonl'))).rejects.toThrow(/^line 3: not valid JSON/);
    // A torn tail is only ever the last line: a bad line before it is still an error.
    expect(() => parseJsonl(`{"index":0,\n${line(inv(0, 0))}`, { onTornTail: () => {} })).toThrow(/^line 1: not valid JSON/);
  });

  it("reads back what the harness's HistoryWriter writes", async () => {
    const path = join(dir, 'written.jsonl');
    const writer = await HistoryWriter.create(path, { flushMs: 5 });
    writer.append({ process: 0, type: 'invoke', f: 'cas', key: 'k2', value: [1, 4] });
    writer.append({ process: 'nemesis', type: 'info', f: 'start-partition', value: { n1: ['n3', 'n4'] } });
    writer.append({ process: 0, type: 'ok', f: 'cas', key: 'k2', value: [1, 4], node: 'n2' });
    await writer.close();
    expect(await readJsonlFile(path)).toEqual(writer.ops);
  });

  it('names the line of a malformed file read from disk', async () => {
    await expect(readJsonlFile(fixture('malformed-pairing.jsonl'))).rejects.toThrow(/^line 3: ok read of process 1 has no open invocation/);
  });

  it('allows nemesis events of any type and an invocation left open at the end', () => {
    const ops = parseJsonl([inv(0, 'nemesis', 'start-kill'), inv(1, 3, 'write')].map(line).join('\n'));
    expect(ops.map((o) => o.f)).toEqual(['start-kill', 'write']);
  });

  it('streams a 100k-op file', async () => {
    const path = join(dir, 'big.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i += 2) lines.push(line(inv(i, i % 50, 'write', i)), line(done(i + 1, i % 50, 'ok', 'write', i + 1)));
    writeFileSync(path, lines.join('\n') + '\n');
    const ops = await readJsonlFile(path);
    expect(ops).toHaveLength(100_000);
    expect(ops[99_999].index).toBe(99_999);
  });
});
