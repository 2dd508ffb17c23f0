/**
 * The graph machinery on its own: Tarjan's components against a brute-force reachability
 * answer on random graphs, a million-txn chain without stack overflow, the shortest cycle chosen
 * among several, and realtime edges as a transitive reduction that still orders every pair.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../ground/rng.js';
import { findCycles } from './cycles.js';
import { addOrderEdges, GraphBuilder } from './graph.js';
import { stronglyConnected } from './scc.js';
import { DATA, REALTIME, RW, WR, WW, type Txn } from './types.js';

function reach(n: number, edges: Array<[number, number]>): boolean[][] {
  const r = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => i === j));
  for (const [a, b] of edges) r[a][b] = true;
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (r[i][k] && r[k][j]) r[i][j] = true;
  return r;
}

describe('elle graph', () => {
  it('strongly connected components agree with mutual reachability on 200 random graphs', () => {
    const rng = new Rng(18);
    for (let round = 0; round < 200; round++) {
      const n = rng.int(2, 12);
      const b = new GraphBuilder(n);
      const edges: Array<[number, number]> = [];
      for (let i = rng.int(0, 2 * n); i > 0; i--) {
        const e: [number, number] = [rng.int(0, n - 1), rng.int(0, n - 1)];
        if (e[0] === e[1]) continue;
        edges.push(e);
        b.add(e[0], e[1], WW);
      }
      const r = reach(n, edges);
      const expected = new Set<string>();
      for (let i = 0; i < n; i++) {
        const comp = Array.from({ length: n }, (_, j) => j).filter((j) => r[i][j] && r[j][i]);
        if (comp.length > 1) expected.add(comp.join(','));
      }
      const got = new Set(stronglyConnected(b.freeze(), DATA).map((c) => c.sort((x, y) => x - y).join(',')));
      expect(got).toEqual(expected);
    }
  });

  it('a chain of a million txns closed into one cycle: one component, no stack overflow', () => {
    const n = 1_000_000;
    const b = new GraphBuilder(n);
    for (let i = 0; i < n; i++) b.add(i, (i + 1) % n, WW);
    const comps = stronglyConnected(b.freeze(), DATA);
    expect(comps).toHaveLength(1);
    expect(comps[0]).toHaveLength(n);
  });

  it('reports the shortest cycle of a class, and only edges of the types asked for', () => {
    // A 4-cycle and a 2-cycle of ww through txn 0; a wr edge closes a 2-cycle of another class.
    const b = new GraphBuilder(6);
    for (const [x, y] of [[0, 1], [1, 2], [2, 3], [3, 0], [0, 4], [4, 0]]) b.add(x, y, WW);
    b.add(5, 1, WR);
    b.add(1, 5, RW);
    const found = findCycles(b.freeze(), { order: 0 });
    const g0 = found.filter((c) => c.name === 'G0');
    expect(g0).toHaveLength(1);
    expect(g0[0].steps.map((s) => [s.from, s.to])).toEqual(expect.arrayContaining([[0, 4], [4, 0]]));
    expect(g0[0].steps).toHaveLength(2);
    expect(found.find((c) => c.name === 'G-single')!.steps.map((s) => s.type).sort()).toEqual(['rw', 'wr']);
    expect(found.map((c) => c.name).sort()).toEqual(['G-single', 'G0']);
  });

  it('realtime edges: a reduction, yet every txn completed before another was invoked reaches it', () => {
    const rng = new Rng(7);
    // 60 txns on 4 processes with random overlapping intervals, as positions in a history.
    const events: Array<{ id: number; at: number; invoke: boolean }> = [];
    const busyUntil = [0, 0, 0, 0];
    const txns: Txn[] = [];
    for (let id = 0; id < 60; id++) {
      const p = rng.int(0, 3);
      const start = busyUntil[p] + rng.int(1, 5);
      const end = start + rng.int(1, 20);
      busyUntil[p] = end;
      txns.push({ id, process: p, type: 'ok', invokeIndex: 0, completeIndex: 0, mops: [] });
      events.push({ id, at: start * 2, invoke: true }, { id, at: end * 2 + 1, invoke: false });
    }
    events.sort((a, b) => a.at - b.at);
    events.forEach((e, i) => (e.invoke ? (txns[e.id].invokeIndex = i) : (txns[e.id].completeIndex = i)));
    const b = new GraphBuilder(txns.length);
    addOrderEdges(b, txns, () => true, REALTIME);
    const g = b.freeze();
    const edges: Array<[number, number]> = [];
    for (let v = 0; v < g.nodes; v++) for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) edges.push([v, g.targets[e]]);
    const r = reach(txns.length, edges);
    for (const a of txns) for (const c of txns) expect(r[a.id][c.id], `T${a.id} -> T${c.id}`).toBe(a.id === c.id || a.completeIndex! < c.invokeIndex);
    expect(edges.length).toBeLessThan((txns.length * (txns.length - 1)) / 4);
  });
});
