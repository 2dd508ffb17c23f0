/**
 * Exact numbers in history values (issue 12): the one place that decides how a number token of
 * JSON or EDN text becomes a value, so that readers, checkers and the store agree.
 *
 * A number is, by its mathematical value (so `1e2`, `100` and `100.0` are the same value):
 * - a plain JS `number` when the double keeps it exactly: a safe integer, or a finite non-integer
 *   whose shortest decimal form has the token's digits (0.1, 1.5e-3). The common, fast case.
 * - a `bigint` for any other integer (9007199254740993, 1e40), up to MAX_BIGINT_DIGITS digits;
 * - otherwise a lossless-json `LosslessNumber` holding a canonical decimal text
 *   (`1.0000000000000000000001e-1`): decimals beyond a double's precision, 1e-400, 1e999999.
 * One value has one representation, so equality is `===` on numbers and bigints and equality of
 * `text` on LosslessNumbers; `exactKey` gives the canonical key that checkers hash.
 */
import { isLosslessNumber, isSafeNumber, LosslessNumber, parse, splitNumber, stringify } from 'lossless-json';

export { isLosslessNumber, LosslessNumber };

/** Larger integers (a DoS risk as bigint: `1e999999999`) stay LosslessNumbers. */
const MAX_BIGINT_DIGITS = 4096;
/** A token JSON.parse already reads exactly: an integer of at most 15 digits. */
const SHORT_INTEGER = /^-?\d{1,15}$/;

/** The value of one JSON number token (EDN callers strip `+`, `N` and `M` first). */
export function exactNumber(token: string): number | bigint | LosslessNumber {
  if (SHORT_INTEGER.test(token) || isSafeNumber(token)) return Number(token);
  const { sign, digits, exponent } = splitNumber(token);
  // The value is d.ddd x 10^exponent: an integer when no digit falls after the point.
  if (digits.length - 1 <= exponent && exponent < MAX_BIGINT_DIGITS) return BigInt(sign + digits + '0'.repeat(exponent - digits.length + 1));
  return new LosslessNumber(`${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exponent}`);
}

/** Why a number token cannot be held exactly as a JS number (undefined when it can). */
export function inexactReason(token: string): string | undefined {
  const value = exactNumber(token);
  if (typeof value === 'number') return undefined;
  if (typeof value === 'bigint') return `integer ${token} is beyond ±(2^53-1)`;
  const n = Number(token);
  if (!Number.isFinite(n)) return `number ${token} is beyond the range of a double`;
  return `number ${token} has more precision than a double keeps${n === 0 ? ' (it rounds to 0)' : ''}`;
}

/**
 * A number token JSON.parse reads exactly can only be missing these: a digit followed by `.`,
 * `e` or `E` (every non-integer token), or 16 digits in a row (every long integer). Text with
 * neither (strings may trigger it too: that only costs the slower exact parse) is read natively.
 */
const MAY_BE_INEXACT = /\d[.eE]|\d{16}/;

/** Duplicate keys: the last one wins, as with JSON.parse. */
const lastWins = { onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue };

/**
 * JSON.parse with every number exact (see the module comment). `parseNumber` may be given to
 * refuse numbers instead (the store). Throws SyntaxError for text that is not JSON.
 */
export function parseExactJson(text: string, parseNumber: (token: string) => unknown = exactNumber): unknown {
  if (!MAY_BE_INEXACT.test(text)) return JSON.parse(text);
  return parse(text, null, { ...lastWins, parseNumber });
}

/** JSON text of a value holding bigints and LosslessNumbers (written as plain number tokens). */
export function stringifyExact(value: unknown, space?: number): string {
  return stringify(value, null, space) ?? 'undefined';
}

/** The canonical key of a scalar (bigints and LosslessNumbers as their number text). */
export function exactScalarKey(value: unknown): string {
  if (typeof value === 'bigint') return String(value);
  if (isLosslessNumber(value)) return (value as LosslessNumber).value;
  return JSON.stringify(value) ?? 'undefined';
}

/** Whether a value is a number of any of the three representations. */
export const isExactNumber = (v: unknown): v is number | bigint | LosslessNumber => typeof v === 'number' || typeof v === 'bigint' || isLosslessNumber(v);
