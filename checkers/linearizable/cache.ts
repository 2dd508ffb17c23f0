/**
 * The search cache: the set of (linearized-ops bitset, model state) pairs already explored in one
 * partition (Lowe's memoisation, as in Porcupine). For speed and bounded memory it lives in typed
 * arrays and creates no objects per lookup:
 * - an open-addressing index of two ints per slot, [full hash, entry number + 1], so a probe
 *   touches one cache line and growing it moves 8 bytes per slot;
 * - the entries themselves, appended to a pool as [state tag, state int, bitset words...] and
 *   read only when the full hashes match (a hit, or a 2^-32 false match).
 * Fresh memory is what costs here (page faults, rehashing), not the probes: c50-bad's ten
 * partitions make ten caches, so both arrays start small and double.
 *
 * A state is identified by the model's `hash` key (exact by contract): a 32-bit integer key is
 * stored inline; any other key (a string, a non-int number) is interned to a small exact id.
 * The slot hash mixes the incremental bitset hash with the state's int: collisions only cost
 * time, equality is always exact. Models without `hash` fall back to `equal`, comparing
 * against the states seen one by one (slow: for small models only).
 */
import type { Model } from './types.js';

const INT_KEY = 1;
const INTERNED = 2;
/** Entry fields before the bitset words. */
const HEADER = 2;
const MAX_LOAD = 0.5;

export class SearchCache<S> {
  private readonly words: number;
  private readonly stride: number;
  /** [hash, entry + 1] per slot; entry + 1 = 0: empty. */
  private index: Int32Array;
  private pool: Int32Array;
  /** Non-int state keys -> small exact ids. */
  private readonly interned = new Map<string | number, number>();
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
    const capacity = Math.min(4096, Math.max(16, 2 ** Math.ceil(Math.log2(4 * Math.max(1, ops)))));
    this.mask = capacity - 1;
    this.index = new Int32Array(2 * capacity);
    this.pool = new Int32Array((capacity / 2) * this.stride);
    // An arrow that calls the method (not a bound function): V8 inlines it in the hot loop.
    this.keyOf = model.hash ? (state) => model.hash!(state) : equalityInterner(model);
    const sizeOf = model.sizeOf?.bind(model);
    this.sizeOf = (state, key) => (sizeOf ? sizeOf(state) : typeof key === 'string' ? 32 + 2 * key.length : 16);
  }

  /** Estimated bytes held: both arrays at their capacity plus the interned states. */
  get bytes(): number {
    return this.index.byteLength + this.pool.byteLength + this.stateBytes;
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
    const { index, pool, mask, stride, words } = this;
    let slot = hash & mask;
    for (;;) {
      const entry = index[2 * slot + 1];
      if (entry === 0) break;
      if (index[2 * slot] === hash) {
        const base = (entry - 1) * stride;
        if (pool[base] === tag && pool[base + 1] === id) {
          let w = 0;
          while (w < words && pool[base + HEADER + w] === (bits[w] | 0)) w++;
          if (w === words) return false;
        }
      }
      slot = (slot + 1) & mask;
    }
    const entry = this.size++;
    if ((entry + 1) * stride > pool.length) this.growPool();
    const p = this.pool;
    const base = entry * stride;
    p[base] = tag;
    p[base + 1] = id;
    for (let w = 0; w < words; w++) p[base + HEADER + w] = bits[w];
    index[2 * slot] = hash;
    index[2 * slot + 1] = entry + 1;
    if (this.size > (mask + 1) * MAX_LOAD) this.growIndex();
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

  private growPool(): void {
    const pool = new Int32Array(2 * this.pool.length);
    pool.set(this.pool);
    this.pool = pool;
  }

  private growIndex(): void {
    const old = this.index;
    const mask = (this.mask = old.length - 1); // twice the slots: (2 * capacity) - 1
    const index = (this.index = new Int32Array(2 * old.length));
    for (let s = 0; s < old.length; s += 2) {
      const entry = old[s + 1];
      if (entry === 0) continue;
      let slot = old[s] & mask;
      while (index[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      index[2 * slot] = old[s];
      index[2 * slot + 1] = entry;
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
