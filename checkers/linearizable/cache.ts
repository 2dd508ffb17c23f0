/**
 * The search cache: the set of (linearized-ops bitset, model state) pairs already explored in one
 * partition (Lowe's memoisation, as in Porcupine). For speed and bounded memory it is one
 * open-addressing table in a typed array, each slot holding [hash, state tag, state int, bitset
 * words...] inline, so a lookup touches one or two cache lines and creates no objects.
 *
 * A state is identified by the model's `hash` key (exact by contract): a 32-bit integer key is
 * stored inline; any other key (a string, a non-int number) is interned to a small exact id.
 * The slot hash mixes the incremental bitset hash with the state's int: collisions only cost
 * time, equality is always exact. Models without `hash` fall back to `equal`, comparing
 * against the states seen one by one (slow: for small models only).
 */
import type { Model } from './types.js';

const EMPTY = 0;
const INT_KEY = 1;
const INTERNED = 2;
/** Slot fields before the bitset words. */
const HEADER = 3;
const MAX_LOAD = 0.5;

export class SearchCache<S> {
  private readonly words: number;
  private readonly stride: number;
  private table: Int32Array;
  /** Non-int state keys -> small exact ids. */
  private readonly interned = new Map<string | number, number>();
  private capacity: number;
  private mask: number;
  size = 0;
  /** Estimated bytes retained by interned states (and their keys). */
  private stateBytes = 0;
  private readonly keyOf: (state: S) => string | number;
  private readonly sizeOf: (state: S, key: string | number) => number;

  constructor(model: Model<S, any, any>, ops: number) {
    this.words = Math.max(1, Math.ceil(ops / 32));
    this.stride = HEADER + this.words;
    // Start small for small partitions: a history with many keys makes many caches.
    this.capacity = Math.min(1024, Math.max(16, 2 ** Math.ceil(Math.log2(8 * Math.max(1, ops)))));
    this.mask = this.capacity - 1;
    this.table = new Int32Array(this.capacity * this.stride);
    // An arrow that calls the method (not a bound function): V8 inlines it in the hot loop.
    this.keyOf = model.hash ? (state) => model.hash!(state) : equalityInterner(model);
    const sizeOf = model.sizeOf?.bind(model);
    this.sizeOf = (state, key) => (sizeOf ? sizeOf(state) : typeof key === 'string' ? 32 + 2 * key.length : 16);
  }

  /** Estimated bytes held: the table at its capacity plus the interned states. */
  get bytes(): number {
    return this.table.byteLength + this.stateBytes;
  }

  /**
   * Adds (bits, state) unless present; `bitsHash` is the caller's incremental hash of `bits`.
   * Returns true when the pair is new.
   */
  addIfAbsent(bits: Uint32Array, bitsHash: number, state: S): boolean {
    const key = this.keyOf(state);
    let tag: number;
    let id: number;
    if (typeof key === 'number' && (key | 0) === key) {
      tag = INT_KEY;
      id = key;
    } else {
      tag = INTERNED;
      id = this.intern(key, state);
    }
    const hash = mix(bitsHash ^ Math.imul(id ^ (tag << 30), 0x9e3779b1));
    const { table, mask, stride, words } = this;
    let slot = hash & mask;
    for (;;) {
      const base = slot * stride;
      const t = table[base + 1];
      if (t === EMPTY) break;
      if (table[base] === hash && t === tag && table[base + 2] === id) {
        let w = 0;
        while (w < words && table[base + HEADER + w] === (bits[w] | 0)) w++;
        if (w === words) return false;
      }
      slot = (slot + 1) & mask;
    }
    const base = slot * stride;
    table[base] = hash;
    table[base + 1] = tag;
    table[base + 2] = id;
    for (let w = 0; w < words; w++) table[base + HEADER + w] = bits[w];
    if (++this.size > this.capacity * MAX_LOAD) this.grow();
    return true;
  }

  /** Exact ids for non-int keys (strings are hashed once by the Map, then compared exactly). */
  private intern(key: string | number, state: S): number {
    const found = this.interned.get(key);
    if (found !== undefined) return found;
    // A hash that is not a string or number would make unequal states look equal: refuse it.
    if (typeof key !== 'string' && typeof key !== 'number') throw new Error(`model hash must return a string or a number, got ${typeof key}`);
    const id = this.interned.size;
    this.interned.set(key, id);
    this.stateBytes += 64 + this.sizeOf(state, key);
    return id;
  }

  private grow(): void {
    const { table: old, stride } = this;
    const oldCapacity = this.capacity;
    // Small tables grow 4x: fewer rehashes while they fill fast.
    this.capacity *= this.capacity < 65536 ? 4 : 2;
    const mask = (this.mask = this.capacity - 1);
    const table = (this.table = new Int32Array(this.capacity * stride));
    for (let s = 0; s < oldCapacity; s++) {
      const from = s * stride;
      if (old[from + 1] === EMPTY) continue;
      let slot = old[from] & mask;
      while (table[slot * stride + 1] !== EMPTY) slot = (slot + 1) & mask;
      const to = slot * stride;
      for (let k = 0; k < stride; k++) table[to + k] = old[from + k];
    }
  }
}

/** For models without `hash`: a state's key is the index of the first `equal` state seen. */
function equalityInterner<S>(model: Model<S, any, any>): (state: S) => number {
  const seen: S[] = [];
  const equal = model.equal ?? Object.is;
  return (state) => {
    for (let i = 0; i < seen.length; i++) if (equal(seen[i], state)) return i;
    seen.push(state);
    return seen.length - 1;
  };
}

/** Murmur3's 32-bit finalizer: spreads the bits of a hash over the table index. */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
