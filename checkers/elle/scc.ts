/**
 * Tarjan's strongly connected components over the edges whose type is in a mask, iteratively
 * (a million-node chain must not overflow the stack). Only components of two or more txns are
 * returned: a cycle needs at least two (edges never loop on one txn).
 */
import type { Graph } from './graph.js';

export function stronglyConnected(g: Graph, mask: number): number[][] {
  const n = g.nodes;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  // The DFS's own stack: node and the position of the next edge to look at.
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  const out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = g.offsets[root];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth];
      const end = g.offsets[v + 1];
      let e = callEdge[depth];
      let descended = false;
      for (; e < end; e++) {
        if ((g.types[e] & mask) === 0) continue;
        const w = g.targets[e];
        if (index[w] === -1) {
          callEdge[depth] = e + 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = g.offsets[w];
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          descended = true;
          break;
        }
        if (onStack[w] && index[w] < low[v]) low[v] = index[w];
      }
      if (descended) continue;
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) out.push(component);
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
    }
  }
  return out;
}
