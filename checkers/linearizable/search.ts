/**
 * The search over one partition: Wing & Gong's backtracking with Lowe's cache, as Porcupine does
 * it. Calls and returns form a doubly linked list in real-time order (index-linked typed arrays,
 * node 0 is the head sentinel). Walking the list, a call whose op the model accepts is
 * "lifted" (its call and return unlinked) and pushed on a stack, unless the pair (linearized set,
 * new state) was explored before; reaching a return means that op cannot be placed before it, so
 * the search pops the last op and tries the next candidate. Empty list = linearizable; popping an
 * empty stack = not.
 *
 * Two refinements, both verdict-preserving (see the fields `readOnly` and `deferred`): a legal
 * read-only op decides its configuration (if what follows it fails, backtrack at once), and ops
 * that no return ever forces (crashed ops) are tried after the others.
 *
 * The search is resumable: `run(budget)` does at most `budget` steps and returns, so many
 * partitions can be interleaved in one thread (see check.ts).
 */
import { SearchCache } from './cache.js';
import type { PartitionHistory } from './partition.js';
import type { Model } from './types.js';

export const Status = { Running: 0, Ok: 1, Illegal: 2 } as const;
export type Status = (typeof Status)[keyof typeof Status];

/** The deepest point the search reached, recorded in verbose mode. */
export interface Deepest {
  /** Ops of the longest linearizable prefix, in linearization order. */
  prefix: number[];
  /** Ops whose call precedes `blocking`'s return at that point: the candidates that failed. */
  candidates: number[];
  /** The op whose return the search could not get past (undefined when complete). */
  blocking?: number;
}

const HEAD = 0;
const NONE = -1;

/** Zobrist values: a well-mixed 32-bit number per op, XORed into the bitset hash. */
function zobrist(n: number): Int32Array {
  const z = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let h = Math.imul(i + 1, 0x9e3779b1) ^ 0x7f4a7c15;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    z[i] = h ^ (h >>> 16);
  }
  return z;
}

export class PartitionSearch<S, I, O> {
  readonly n: number;
  status: Status = Status.Running;
  steps = 0;
  readonly cache: SearchCache<S>;
  deepest: Deepest | undefined;

  // Linked list of entries. Node k+1 is the k-th entry of `order`.
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Node -> op. */
  private readonly opOf: Int32Array;
  /** Call node -> its return node; NONE for return nodes. */
  private readonly returnOf: Int32Array;
  private readonly inputs: I[];
  private readonly outputs: O[];
  /**
   * Ops the model declares read-only (legal or not, they never change the state). Lowe's
   * observation: if a read-only op is legal in the current configuration, placing it right now
   * loses nothing (any successful continuation can be reordered to place it first, since it
   * changes no state and placing an op earlier never breaks a real-time constraint). So when the
   * configuration after it fails, the current one fails too: the search backtracks at once
   * instead of trying the other candidates. Same verdicts, far fewer steps on read-heavy
   * histories.
   */
  private readonly readOnly: Uint8Array;
  /**
   * Ops whose return comes after every call (crashed ops, return = Infinity): no return entry
   * ever forces them, so they can always wait. The candidates of a configuration are tried in
   * two passes, these last (a search order heuristic, the set of candidates is unchanged): on a
   * linearizable history the search places the ops that have deadlines first and reaches a
   * complete linearization with far less backtracking over where crashed ops go.
   */
  private readonly deferred: Uint8Array;
  /** 0: trying the ordinary candidates; 1: the deferred ones. */
  private pass = 0;
  private readonly zob: Int32Array;
  private readonly bits: Uint32Array;
  private bitsHash = 0;
  private readonly stackNode: Int32Array;
  private readonly stackState: (S | undefined)[];
  private depth = 0;
  private entry: number;
  private state: S;

  constructor(
    private readonly model: Model<S, I, O>,
    history: PartitionHistory<I, O>,
    private readonly verbose: boolean,
  ) {
    const n = history.ops.length;
    this.n = n;
    const nodes = 2 * n + 1;
    this.next = new Int32Array(nodes);
    this.prev = new Int32Array(nodes);
    this.opOf = new Int32Array(nodes).fill(NONE);
    this.returnOf = new Int32Array(nodes).fill(NONE);
    const callNode = new Int32Array(n).fill(NONE);
    for (let k = 0; k < history.order.length; k++) {
      const node = k + 1;
      const e = history.order[k];
      const op = e >> 1;
      this.opOf[node] = op;
      this.prev[node] = node - 1;
      this.next[node - 1] = node;
      if (e & 1) {
        if (callNode[op] === NONE) throw new Error(`internal: op ${op} returns before its call`);
        this.returnOf[callNode[op]] = node;
      } else {
        callNode[op] = node;
      }
    }
    this.next[nodes - 1] = NONE;
    this.inputs = history.ops.map((o) => o.input);
    this.outputs = history.ops.map((o) => o.output);
    this.readOnly = new Uint8Array(n);
    if (model.readOnly) for (let i = 0; i < n; i++) this.readOnly[i] = model.readOnly(this.inputs[i], this.outputs[i]) ? 1 : 0;
    this.deferred = new Uint8Array(n);
    let lastCall = -1;
    history.order.forEach((e, k) => {
      if (!(e & 1)) lastCall = k;
    });
    history.order.forEach((e, k) => {
      if (e & 1 && k > lastCall) this.deferred[e >> 1] = 1;
    });
    this.zob = zobrist(n);
    this.bits = new Uint32Array(Math.max(1, Math.ceil(n / 32)));
    this.stackNode = new Int32Array(n);
    this.stackState = new Array<S | undefined>(n).fill(undefined);
    this.cache = new SearchCache(model, n);
    this.state = model.init();
    this.entry = this.next[HEAD];
    if (n === 0) this.finish(Status.Ok);
  }

  /** Runs at most `budget` model steps; returns the status afterwards. */
  run(budget: number): Status {
    if (this.status !== Status.Running) return this.status;
    const { next, prev, opOf, returnOf, inputs, outputs, readOnly, deferred, zob, bits, stackNode, stackState, cache, model } = this;
    let { entry, state, depth, bitsHash, pass } = this;
    let steps = 0;
    let status: Status = Status.Running;
    /**
     * Whether this pass-0 walk skipped a deferred candidate: if not, a second pass would find
     * nothing to try, so the walk backtracks at once. Known only for walks that started at the
     * head (after a lift); assumed for walks resumed after a backtrack.
     */
    let sawDeferred = true;
    outer: while (next[HEAD] !== NONE) {
      const ret = returnOf[entry];
      if (ret !== NONE) {
        const op = opOf[entry];
        if (deferred[op] !== pass) {
          sawDeferred = true;
          entry = next[entry];
          continue;
        }
        if (steps === budget) break;
        steps++;
        const r = model.step(state, inputs[op], outputs[op]);
        if (!r[0]) {
          entry = next[entry];
          continue;
        }
        const word = op >>> 5;
        const bit = 1 << (op & 31);
        bits[word] |= bit;
        const h = bitsHash ^ zob[op];
        if (cache.addIfAbsent(bits, h, r[1])) {
          stackNode[depth] = entry;
          stackState[depth] = state;
          depth++;
          state = r[1];
          bitsHash = h;
          // lift: unlink the call, then its return
          next[prev[entry]] = next[entry];
          prev[next[entry]] = prev[entry];
          next[prev[ret]] = next[ret];
          if (next[ret] !== NONE) prev[next[ret]] = prev[ret];
          entry = next[HEAD];
          pass = 0;
          sawDeferred = false;
          continue;
        }
        bits[word] &= ~bit;
        if (!readOnly[op]) {
          entry = next[entry];
          continue;
        }
        // A read-only op that is legal here but whose successor configuration already failed:
        // this configuration fails too (see readOnly above). Backtrack.
      } else if (pass === 0 && sawDeferred) {
        // End of the first pass over the candidates: now the deferred ones.
        pass = 1;
        entry = next[HEAD];
        continue;
      } else if (this.verbose) {
        this.recordDeepest(depth, entry);
      }
      // Backtrack: undo the last placement, and keep undoing while the undone op was read-only.
      for (;;) {
        if (depth === 0) {
          status = Status.Illegal;
          break outer;
        }
        depth--;
        entry = stackNode[depth];
        state = stackState[depth] as S;
        stackState[depth] = undefined;
        const op = opOf[entry];
        bits[op >>> 5] &= ~(1 << (op & 31));
        bitsHash ^= zob[op];
        // unlift: relink the return, then the call
        const back = returnOf[entry];
        next[prev[back]] = back;
        if (next[back] !== NONE) prev[next[back]] = back;
        next[prev[entry]] = entry;
        prev[next[entry]] = entry;
        // Resume the pass this op was tried in, after it.
        pass = deferred[op];
        if (!readOnly[op]) break;
      }
      entry = next[entry];
      sawDeferred = true;
    }
    if (status === Status.Running && next[HEAD] === NONE) status = Status.Ok;
    this.entry = entry;
    this.state = state;
    this.depth = depth;
    this.bitsHash = bitsHash;
    this.pass = pass;
    this.steps += steps;
    if (status !== Status.Running) this.finish(status);
    return status;
  }

  /** The current linearization (complete when the status is Ok). */
  private stackOps(depth: number): number[] {
    const ops = new Array<number>(depth);
    for (let i = 0; i < depth; i++) ops[i] = this.opOf[this.stackNode[i]];
    return ops;
  }

  private recordDeepest(depth: number, blockingNode: number): void {
    if (this.deepest && this.deepest.prefix.length >= depth) return;
    const candidates: number[] = [];
    for (let node = this.next[HEAD]; node !== blockingNode && node !== NONE; node = this.next[node]) {
      if (this.returnOf[node] !== NONE) candidates.push(this.opOf[node]);
    }
    this.deepest = { prefix: this.stackOps(depth), candidates, blocking: this.opOf[blockingNode] };
  }

  private finish(status: Status): void {
    // Invariants: success placed every op; failure undid every placement.
    if (status === Status.Ok && this.depth !== this.n) throw new Error(`internal: linearizable with ${this.depth} of ${this.n} ops placed`);
    if (status === Status.Illegal && this.depth !== 0) throw new Error(`internal: illegal with ${this.depth} ops still placed`);
    this.status = status;
    if (status === Status.Ok && this.verbose) this.deepest = { prefix: this.stackOps(this.depth), candidates: [] };
    // The stack's states are not needed any more (the cache keeps what it must).
    this.stackState.fill(undefined);
  }

  /** Where the search stands (for an unfinished search: the deepest point so far). */
  snapshot(): Deepest | undefined {
    if (this.status === Status.Running && this.verbose && !this.deepest) return { prefix: this.stackOps(this.depth), candidates: [] };
    return this.deepest;
  }
}
