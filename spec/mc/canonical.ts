/**
 * Canonical keys for model-checker states: the same abstract state must always give the same
 * string, whatever order its objects' keys were built in. Sets are modelled as arrays kept
 * sorted by their elements' canonical keys (see `setAdd`), so they need no special case here.
 */

/** JSON with object keys sorted at every level; `undefined` fields are dropped, as in JSON. */
export function canonicalKey(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null';
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`canonicalKey: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalKey(value[i]);
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  // Objects built from a canonical string (JSON.parse) already have sorted keys: check first.
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1] < keys[i];
  if (!sorted) keys.sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + (SIMPLE_KEY.test(k) ? '"' + k + '"' : JSON.stringify(k)) + ':' + canonicalKey(v);
    first = false;
  }
  return out + '}';
}

/** Keys that JSON.stringify would print unchanged between quotes. */
const SIMPLE_KEY = /^[\w:.-]*$/;

const memo = new WeakMap<object, string>();

/**
 * canonicalKey, cached per object: for IMMUTABLE values only (specs that share sub-objects
 * between states, like messages in a set, key each one once). Mutating a value after keying it
 * would return a stale key.
 */
export function memoKey(value: unknown): string {
  if (value === null || typeof value !== 'object') return canonicalKey(value);
  const known = memo.get(value);
  if (known !== undefined) return known;
  let key: string;
  if (Array.isArray(value)) key = '[' + value.map(memoKey).join(',') + ']';
  else {
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(obj).sort()) if (obj[k] !== undefined) parts.push(JSON.stringify(k) + ':' + memoKey(obj[k]));
    key = '{' + parts.join(',') + '}';
  }
  memo.set(value, key);
  return key;
}

/**
 * A set as a sorted array (by canonical key), so that equal sets are equal arrays. Returns the
 * same array when `item` is already present (adding it again is a no-op, as for TLA+'s
 * `msgs \cup {m}`), otherwise a new array. Elements are keyed with memoKey: treat them as
 * immutable.
 */
export function setAdd<T>(set: readonly T[], item: T): readonly T[] {
  const k = memoKey(item);
  let lo = 0;
  let hi = set.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const mk = memoKey(set[mid]);
    if (mk === k) return set;
    if (mk < k) lo = mid + 1;
    else hi = mid;
  }
  return [...set.slice(0, lo), item, ...set.slice(lo)];
}
