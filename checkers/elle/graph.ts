/**
 * The dependency graph between transactions: typed edges collected in growable typed arrays,
 * then frozen into compressed adjacency (CSR) so a million txns and their edges fit in a few
 * hundred MB and are walked without per-edge objects. Edges carry one type bit each; the same
 * pair may appear several times with different (or equal) types.
 */
import { PROCESS, REALTIME, type Txn } from './types.js';

export class GraphBuilder {
  private from = new Int32Array(1024);
  private to = new Int32Array(1024);
  private type = new Uint8Array(1024);
  private n = 0;

  constructor(readonly nodes: number) {}

  add(from: number, to: number, type: number): void {
    if (from === to) return;
    if (this.n === this.from.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.from = grow(this.from, (n) => new Int32Array(n));
      this.to = grow(this.to, (n) => new Int32Array(n));
      this.type = grow(this.type, (n) => new Uint8Array(n));
    }
    this.from[this.n] = from;
    this.to[this.n] = to;
    this.type[this.n] = type;
    this.n++;
  }

  /** The CSR graph; the builder is empty afterwards. */
  freeze(): Graph {
    const offsets = new Int32Array(this.nodes + 1);
    for (let i = 0; i < this.n; i++) offsets[this.from[i] + 1]++;
    for (let v = 0; v < this.nodes; v++) offsets[v + 1] += offsets[v];
    const fill = offsets.slice(0, this.nodes);
    const targets = new Int32Array(this.n);
    const types = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const at = fill[this.from[i]]++;
      targets[at] = this.to[i];
      types[at] = this.type[i];
    }
    // The edge lists are in the graph now: let them go (a million txns have millions of edges).
    this.from = new Int32Array(0);
    this.to = new Int32Array(0);
    this.type = new Uint8Array(0);
    this.n = 0;
    return new Graph(this.nodes, offsets, targets, types);
  }

}

export class Graph {
  constructor(
    readonly nodes: number,
    /** Edges of node v are at [offsets[v], offsets[v+1]). */
    readonly offsets: Int32Array,
    readonly targets: Int32Array,
    readonly types: Uint8Array,
  ) {}

  get edges(): number {
    return this.targets.length;
  }
}

/**
 * Real-time edges: T1 -> T2 when T1 completed (ok) before T2 was invoked. Only a transitive
 * reduction is added: each invocation links from the current frontier (completed txns not yet
 * followed by a later completed one), so edges grow with concurrency, not quadratically.
 * `info` txns never completed, so they only receive edges. Process edges link a process's
 * committed txn to its next txn (after an `info` the txn may still be running, so none from it).
 * `mask` says which of the two kinds to add.
 */
export function addOrderEdges(g: GraphBuilder, txns: Txn[], inGraph: (t: Txn) => boolean, mask: number): void {
  // History positions -> events (2 * id for an invocation, 2 * id + 1 for a completion): the
  // history is already in real-time order, so no sort.
  let last = 0;
  for (const t of txns) last = Math.max(last, t.completeIndex ?? t.invokeIndex);
  const at = new Int32Array(last + 1).fill(-1);
  for (const t of txns) {
    if (!inGraph(t)) continue;
    at[t.invokeIndex] = 2 * t.id;
    if (t.type === 'ok' && t.completeIndex !== undefined) at[t.completeIndex] = 2 * t.id + 1;
  }
  let frontier: number[] = [];
  const predecessors: Array<number[] | undefined> = [];
  const implied = new Uint8Array(txns.length);
  const lastOfProcess = new Map<Txn['process'], number>();
  for (let i = 0; i <= last; i++) {
    const e = at[i];
    if (e === -1) continue;
    const id = e >> 1;
    const t = txns[id];
    if ((e & 1) === 0) {
      if (mask & REALTIME) {
        for (const p of frontier) g.add(p, id, REALTIME);
        predecessors[id] = frontier.slice();
      }
      const prev = lastOfProcess.get(t.process);
      if (prev !== undefined && mask & PROCESS) g.add(prev, id, PROCESS);
      if (t.type === 'ok') lastOfProcess.set(t.process, id);
    } else if (mask & REALTIME) {
      // Whatever preceded this txn is now implied through it.
      const preds = predecessors[id] ?? [];
      for (const p of preds) implied[p] = 1;
      frontier = frontier.filter((p) => implied[p] === 0);
      for (const p of preds) implied[p] = 0;
      predecessors[id] = undefined;
      frontier.push(id);
    }
  }
}
