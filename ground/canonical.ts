/**
 * Canonical JSON (object keys sorted at every level) and a pure FNV-1a 64-bit digest of it:
 * how the core compares values and names decided log entries without node:crypto.
 */

/** JSON with sorted object keys; `undefined` members are omitted as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) throw new Error(`not JSON-serialisable: ${String(value)}`);
    return s;
  }
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  // Equal plain JSON implies equal values; only a difference needs the canonical (sorted) form.
  return JSON.stringify(a) === JSON.stringify(b) || canonicalJson(a) === canonicalJson(b);
}

const utf8 = new TextEncoder();
const TWO_32 = 4294967296;

/**
 * FNV-1a 64 over the UTF-8 bytes of `text`, as 16 hex digits. The 64-bit state is two 32-bit
 * halves in plain numbers: a BigInt per byte made this a tenth of a simulated run's CPU (the
 * core digests its state at every applied slot). The prime is 2^40 + 0x1b3, so h * prime is
 * h * 0x1b3 (exact in doubles: < 2^41 per half) plus the low half shifted into the high by 8.
 */
export function fnv1a64(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const byte of utf8.encode(text)) {
    lo = (lo ^ byte) >>> 0;
    const l = lo * 0x1b3;
    const carry = Math.floor(l / TWO_32);
    hi = (hi * 0x1b3 + carry + (lo & 0xffffff) * 256) % TWO_32;
    lo = l % TWO_32;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** The stable digest of any JSON value. */
export function digestOf(value: unknown): string {
  return fnv1a64(canonicalJson(value));
}
