/** Exact numbers: one representation per value, and parsing that never rounds (issue 12). */
import { describe, expect, it } from 'vitest';
import { exactNumber, inexactReason, LosslessNumber, parseExactJson, stringifyExact } from './exact-json.js';

describe('exact-json', () => {
  it('keeps what a double holds exactly as a number, other integers as bigints, the rest as canonical decimals', () => {
    expect(exactNumber('42')).toBe(42);
    expect(exactNumber('-0.1')).toBe(-0.1);
    expect(exactNumber('1.50e2')).toBe(150);
    expect(exactNumber('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(exactNumber('9007199254740992')).toBe(2n ** 53n);
    expect(exactNumber('9007199254740993')).toBe(2n ** 53n + 1n);
    // One value, one representation, however it is written.
    expect(exactNumber('1e40')).toBe(10n ** 40n);
    expect(exactNumber('10000000000000000000000000000000000000000.0')).toBe(10n ** 40n);
    expect(exactNumber('0.10000000000000000000001')).toEqual(new LosslessNumber('1.0000000000000000000001e-1'));
    expect(exactNumber('1000000000000000000000.1e-22')).toEqual(exactNumber('0.10000000000000000000001'));
    expect(exactNumber('1e-400')).toEqual(new LosslessNumber('1e-400'));
    expect(exactNumber('1e999999999')).toEqual(new LosslessNumber('1e999999999'));
  });

  it('says why a number cannot be a plain JS number', () => {
    expect(inexactReason('12.5')).toBeUndefined();
    expect(inexactReason('9007199254740993')).toBe('integer 9007199254740993 is beyond ±(2^53-1)');
    expect(inexactReason('1e400')).toBe('integer 1e400 is beyond ±(2^53-1)');
    expect(inexactReason('1e99999')).toBe('number 1e99999 is beyond the range of a double');
    expect(inexactReason('0.10000000000000000000001')).toBe('number 0.10000000000000000000001 has more precision than a double keeps');
    expect(inexactReason('1e-400')).toMatch(/rounds to 0/);
  });

  it('parses JSON exactly on both paths and writes big numbers back as number tokens', () => {
    expect(parseExactJson('{"a":[1,-2,"x"],"b":null}')).toEqual({ a: [1, -2, 'x'], b: null });
    const text = '{"value":9007199254740993,"cas":[1e40,0.5],"s":"1e5","dup":1,"dup":2}';
    const value = parseExactJson(text);
    expect(value).toEqual({ value: 2n ** 53n + 1n, cas: [10n ** 40n, 0.5], s: '1e5', dup: 2 });
    expect(stringifyExact(value)).toBe('{"value":9007199254740993,"cas":[10000000000000000000000000000000000000000,0.5],"s":"1e5","dup":2}');
    expect(() => parseExactJson('{"value":1.5e400')).toThrow(SyntaxError);
  });
});
