/**
 * Small helpers shared by the models' history adapters: error messages that name the op, and
 * canonical keys for plain-data values.
 */
import { exactScalarKey, isLosslessNumber, stringifyExact } from '../../../ground/exact-json.js';
import type { Op } from '../../../ground/history.js';

/** A value as short JSON text (exact numbers as themselves). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = stringifyExact(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function historyError(op: Op, what: string): Error {
  return new Error(`history op ${op.index} (process ${String(op.process)}, ${op.type} ${op.f}): ${what}`);
}

export function expectCasPair(op: Op): [unknown, unknown] {
  const v = op.value;
  if (!Array.isArray(v) || v.length !== 2) throw historyError(op, `a cas value must be [from, to], got ${describeValue(v)}`);
  return [v[0], v[1]];
}

/**
 * A canonical, injective string for history values (plain JSON data and harness/exact-json's
 * numbers): object keys sorted, so {a,b} and {b,a} give the same key. Used as a state hash.
 */
export function canonicalKey(v: unknown): string {
  if (v === null || typeof v !== 'object' || isLosslessNumber(v)) return exactScalarKey(v);
  if (Array.isArray(v)) return `[${v.map(canonicalKey).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalKey(obj[k])}`).join(',')}}`;
}
