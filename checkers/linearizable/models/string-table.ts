/**
 * Interned strings for models whose state is a string built by appends (Porcupine's kv model).
 * A state is a small integer id, so the search cache hashes and compares it in O(1), and the
 * table holds no per-state JS objects (typed arrays only: nothing for the garbage collector to
 * trace, no string flattening in the search loop):
 * - an id is (parent id, suffix id): its string is the parent's plus the suffix; id 0 is "";
 * - ids are exact (equal strings always get the same id): each id carries its length and a
 *   64-bit polynomial hash (two 32-bit lanes), extended by an append in O(|suffix|) once per
 *   distinct (id, suffix) transition; a new string is compared by content only with ids of equal
 *   length and hash (rebuilding the strings: practically only for truly equal ones);
 * - transitions (id, suffix) -> id are memoised in an open-addressing table.
 * One table per model instance (per check): it lives as long as the model.
 */
const B1 = 0x01000193;
const B2 = 0x5bd1e995;
const NONE = -1;
/** Fields of an id's row. One row per id, interleaved: interning or extending an id touches one
 *  cache line, not one per field. */
const PARENT = 0;
const SUFFIX = 1;
const LENGTH = 2;
const H1 = 3;
const H2 = 4;
/** The next id in the same hash bucket. */
const CHAIN = 5;
const ROW = 6;

export class StringTable {
  static readonly EMPTY = 0;

  private size = 1;
  private rows = new Int32Array(1024 * ROW);
  /** Ids chained by hash: head of each bucket (by h1). */
  private buckets = new Int32Array(2048).fill(NONE);
  /** Transitions: open addressing, [from id, suffix id, to id] per slot; from = NONE: empty. */
  private moves = new Int32Array(3 * 2048).fill(NONE);
  private moveCount = 0;

  private readonly suffixes: string[] = [];
  /** Total length of `suffixes` (kept as they are added: `bytes` is read after every slice). */
  private suffixChars = 0;
  private readonly suffixIds = new Map<string, number>();
  /** Per suffix: its hash lanes and B^length in each lane. */
  private sh1: number[] = [];
  private sh2: number[] = [];
  private sp1: number[] = [];
  private sp2: number[] = [];

  constructor() {
    this.rows[PARENT] = NONE;
    this.rows[SUFFIX] = NONE;
    this.rows[CHAIN] = NONE;
    this.buckets[0] = 0;
  }

  lengthOf(id: number): number {
    return this.rows[id * ROW + LENGTH];
  }

  /** The string itself (rebuilt: for descriptions and rare comparisons, not the search loop). */
  str(id: number): string {
    const parts: string[] = [];
    for (let at = id; at > 0; at = this.rows[at * ROW + PARENT]) parts.push(this.suffixes[this.rows[at * ROW + SUFFIX]]);
    return parts.reverse().join('');
  }

  /** The id of a string given whole (a put's value, a get's result). */
  idOf(s: string): number {
    return this.append(StringTable.EMPTY, s);
  }

  append(id: number, text: string): number {
    if (text.length === 0) return id;
    const sfx = this.suffixId(text);
    const moves = this.moves;
    const mask = moves.length / 3 - 1;
    let slot = Math.imul(id ^ Math.imul(sfx, 0x9e3779b1), 0x85ebca6b) & mask;
    for (;;) {
      const from = moves[3 * slot];
      if (from === NONE) break;
      if (from === id && moves[3 * slot + 1] === sfx) return moves[3 * slot + 2];
      slot = (slot + 1) & mask;
    }
    const row = id * ROW;
    const h1 = (Math.imul(this.rows[row + H1], this.sp1[sfx]) + this.sh1[sfx]) | 0;
    const h2 = (Math.imul(this.rows[row + H2], this.sp2[sfx]) + this.sh2[sfx]) | 0;
    const next = this.intern(id, sfx, this.rows[row + LENGTH] + text.length, h1, h2);
    moves[3 * slot] = id;
    moves[3 * slot + 1] = sfx;
    moves[3 * slot + 2] = next;
    if (++this.moveCount * 2 > mask + 1) this.growMoves();
    return next;
  }

  /** Approximate bytes held: the typed arrays at capacity, the suffix strings. */
  get bytes(): number {
    return this.rows.byteLength + this.buckets.byteLength + this.moves.byteLength + 2 * this.suffixChars + 120 * this.suffixes.length;
  }

  private suffixId(text: string): number {
    let id = this.suffixIds.get(text);
    if (id !== undefined) return id;
    let h1 = 0;
    let h2 = 0;
    let p1 = 1;
    let p2 = 1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i) + 1;
      h1 = (Math.imul(h1, B1) + c) | 0;
      h2 = (Math.imul(h2, B2) + c) | 0;
      p1 = Math.imul(p1, B1);
      p2 = Math.imul(p2, B2);
    }
    id = this.suffixes.length;
    this.suffixes.push(text);
    this.suffixChars += text.length;
    this.suffixIds.set(text, id);
    this.sh1.push(h1);
    this.sh2.push(h2);
    this.sp1.push(p1);
    this.sp2.push(p2);
    return id;
  }

  /** The id of parent + suffix, given its length and hash: an existing equal string, or new. */
  private intern(parent: number, sfx: number, length: number, h1: number, h2: number): number {
    const bucketMask = this.buckets.length - 1;
    const bucket = (h1 ^ (h1 >>> 15)) & bucketMask;
    let candidate: string | undefined;
    let rows = this.rows;
    for (let at = this.buckets[bucket]; at !== NONE; at = rows[at * ROW + CHAIN]) {
      const row = at * ROW;
      if (rows[row + H1] !== h1 || rows[row + H2] !== h2 || rows[row + LENGTH] !== length) continue;
      if (rows[row + PARENT] === parent && rows[row + SUFFIX] === sfx) return at;
      candidate ??= this.str(parent) + this.suffixes[sfx];
      if (this.str(at) === candidate) return at;
    }
    const id = this.size++;
    if (this.size * ROW > rows.length) {
      rows = new Int32Array(2 * rows.length);
      rows.set(this.rows);
      this.rows = rows;
    }
    const row = id * ROW;
    rows[row + PARENT] = parent;
    rows[row + SUFFIX] = sfx;
    rows[row + LENGTH] = length;
    rows[row + H1] = h1;
    rows[row + H2] = h2;
    rows[row + CHAIN] = this.buckets[bucket];
    this.buckets[bucket] = id;
    if (this.size > this.buckets.length) this.growBuckets();
    return id;
  }

  private growBuckets(): void {
    this.buckets = new Int32Array(this.buckets.length * 2).fill(NONE);
    const mask = this.buckets.length - 1;
    const rows = this.rows;
    for (let id = 0; id < this.size; id++) {
      const h1 = rows[id * ROW + H1];
      const bucket = (h1 ^ (h1 >>> 15)) & mask;
      rows[id * ROW + CHAIN] = this.buckets[bucket];
      this.buckets[bucket] = id;
    }
  }

  private growMoves(): void {
    const old = this.moves;
    this.moves = new Int32Array(old.length * 2).fill(NONE);
    const mask = this.moves.length / 3 - 1;
    for (let s = 0; s < old.length; s += 3) {
      const from = old[s];
      if (from === NONE) continue;
      let slot = Math.imul(from ^ Math.imul(old[s + 1], 0x9e3779b1), 0x85ebca6b) & mask;
      while (this.moves[3 * slot] !== NONE) slot = (slot + 1) & mask;
      this.moves[3 * slot] = from;
      this.moves[3 * slot + 1] = old[s + 1];
      this.moves[3 * slot + 2] = old[s + 2];
    }
  }
}
