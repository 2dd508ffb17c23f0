/**
 * State fingerprints for the model checker: a 53-bit hash of a state's canonical key, stored
 * as a JS number (so the seen-set is a Map of numbers, not of long strings).
 *
 * Like TLC's 64-bit fingerprints this is probabilistic: two distinct states may collide, and
 * the checker would then skip one. With n states the chance of any collision is about
 * n^2 / 2^54 (1e6 states: ~6e-5). `exactKeys` in the checker's options trades memory for
 * certainty by keying the seen-set on the full canonical string instead.
 */

/** Two independent 32-bit multiply-xor lanes over the UTF-16 code units, then an avalanche. */
export function fingerprint(key: string): number {
  let h1 = 0x9e3779b9 ^ key.length;
  let h2 = 0x85ebca6b ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) ^ Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b) ^ Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  // 21 high bits from lane 2, 32 bits from lane 1: an exact integer below 2^53.
  return (h2 >>> 11) * 0x100000000 + (h1 >>> 0);
}

/**
 * A set of fingerprints (or exact keys) mapping each to a dense state id. Sharded because one
 * V8 Map holds at most 2^24 entries; bigger runs would otherwise die at ~16.7M states.
 */
export class SeenSet<K extends number | string> {
  private readonly shards: Map<K, number>[] = [];
  private count = 0;

  constructor(private readonly shardCount = 64) {
    for (let i = 0; i < shardCount; i++) this.shards.push(new Map());
  }

  get size(): number {
    return this.count;
  }

  get(key: K): number | undefined {
    return this.shard(key).get(key);
  }

  /** Adds `key` with id `size` and returns that id, or returns the existing id. */
  add(key: K): { id: number; fresh: boolean } {
    const shard = this.shard(key);
    const known = shard.get(key);
    if (known !== undefined) return { id: known, fresh: false };
    const id = this.count++;
    shard.set(key, id);
    return { id, fresh: true };
  }

  private shard(key: K): Map<K, number> {
    if (typeof key === 'number') return this.shards[key % this.shardCount];
    return this.shards[(key.length + key.charCodeAt(key.length >> 1)) % this.shardCount];
  }
}
