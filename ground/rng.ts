/**
 * The one seeded PRNG of the project (pure-rand's xoroshiro128+): every random choice of a
 * run (op mix, keys, values, faults, simulator deliveries) comes from here, so a seed replays.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

/** The seeded PRNG every random choice of a run draws from (reproducible from --seed). */
export class Rng {
  private readonly gen;

  /** A generator seeded with `seed`. */
  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    this.gen = xoroshiro128plus(mix32(seed));
    // xoroshiro's first outputs from low-entropy seeds are poorly spread: skip them.
    for (let i = 0; i < 16; i++) this.gen.next();
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return uniformInt(this.gen, lo, hi);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One of `items`, uniformly (throws on an empty list). */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** An independent stream for a sub-component (e.g. one per simulated node). */
  fork(): Rng {
    return new Rng(this.int(0, 0x7fffffff));
  }
}

/** Folds a safe integer into 32 well-mixed bits (murmur3's finaliser), so seeds 1, 2, 3 differ. */
function mix32(seed: number): number {
  let h = (seed ^ Math.floor(seed / 0x100000000)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
