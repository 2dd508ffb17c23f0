/**
 * Cycle search and classification. For each kind of cycle, the graph is cut down to the edge
 * types that kind may use, split into strongly connected components (Tarjan), and within each
 * component a breadth-first search over (txn, how many rw edges so far, whether a wr edge was
 * used, whether a process/rt edge was used) finds the shortest closed walk of the kind through a
 * start txn. Adya's / Elle's classes, by the data edges of the cycle:
 *
 *   G0        ww only                    G1c       ww and wr, at least one wr
 *   G-single  exactly one rw             G2-item   two or more rw
 *   G-nonadjacent  two or more rw, never two in a row (a simple cycle; also a G2-item)
 *
 * The same classes found only with process or realtime edges get a `-process` / `-realtime`
 * suffix (G-single-realtime, ...): forbidden only by the session / strict models.
 * Only simple cycles are reported (a walk through a txn twice is two cycles of their own classes).
 * Every component gets at most one cycle per class; a huge component is searched from a bounded
 * number of start txns (the cycle reported is then the shortest found, not necessarily the
 * shortest there is).
 */
import type { Graph } from './graph.js';
import { stronglyConnected } from './scc.js';
import { DATA, EDGE_NAMES, PROCESS, REALTIME, RW, WR, WW, type Step } from './types.js';

/** States per txn: rw count (0, 1, 2+) x wr used x order edge used. */
const STATES = 12;
const encode = (local: number, rw: number, wr: number, x: number) => local * STATES + rw * 4 + wr * 2 + x;

interface Goal {
  name: string;
  /** Does a closed walk ending in these flags belong to the class? */
  accepts: (rw: number, wr: number, x: number) => boolean;
}

interface Pass {
  mask: number;
  /** Also look for G-nonadjacent (rw edges, never two in a row): the snapshot-isolation class. */
  nonadjacent?: boolean;
  /** Edges that make this pass's class: start txns at their sources first. */
  special: number;
  goals: Goal[];
}

const base = (x: number, order: number): Pass[] => {
  const extra = x ? order : 0;
  const suffix = x ? '*' : ''; // replaced by -realtime / -process once the cycle is known
  const xOk = (fx: number) => fx === x;
  return [
    { mask: WW | extra, special: x ? order : WW, goals: [{ name: `G0${suffix}`, accepts: (rw, wr, fx) => rw === 0 && wr === 0 && xOk(fx) }] },
    { mask: WW | WR | extra, special: x ? order : WR, goals: [{ name: `G1c${suffix}`, accepts: (rw, wr, fx) => rw === 0 && wr === 1 && xOk(fx) }] },
    {
      mask: DATA | extra,
      nonadjacent: !x,
      special: x ? order : RW,
      goals: [
        { name: `G-single${suffix}`, accepts: (rw, _wr, fx) => rw === 1 && xOk(fx) },
        { name: `G2-item${suffix}`, accepts: (rw, _wr, fx) => rw === 2 && xOk(fx) },
      ],
    },
  ];
};

export interface CycleOptions {
  /** Also search cycles through these order edges (PROCESS, REALTIME: the session / strict models). */
  order: number;
  /** BFS state expansions allowed per component and pass (bounds the search in huge components). */
  budget?: number;
}

export interface FoundCycle {
  name: string;
  steps: Step[];
}

/** Every class of cycle the graph holds, one shortest (found) cycle per component and class. */
export function findCycles(g: Graph, opts: CycleOptions): FoundCycle[] {
  const found: FoundCycle[] = [];
  const passes = [...base(0, 0), ...(opts.order ? base(1, opts.order) : [])];
  // The widest mask first: no component there means no cycle of any class (the usual case).
  if (stronglyConnected(g, DATA | opts.order).length === 0) return found;
  const local = new Int32Array(g.nodes).fill(-1);
  for (const pass of passes) {
    for (const component of stronglyConnected(g, pass.mask)) {
      component.forEach((v, i) => (local[v] = i));
      found.push(...searchComponent(g, component, local, pass, opts.budget ?? 4_000_000));
      for (const v of component) local[v] = -1;
    }
  }
  return found;
}

function searchComponent(g: Graph, component: number[], local: Int32Array, pass: Pass, budget: number): FoundCycle[] {
  const size = component.length;
  const dist = new Int32Array(size * STATES);
  const prev = new Int32Array(size * STATES);
  const prevEdge = new Int32Array(size * STATES);
  const best = new Map<string, Step[]>();
  // Sources of the pass's defining edges first: a cycle of the class passes through one.
  const starts = component.filter((v) => hasEdge(g, v, pass.special, local));
  const rest = component.filter((v) => !hasEdge(g, v, pass.special, local));
  let spent = 0;
  for (const s of [...starts, ...rest]) {
    if (spent >= budget || best.size === pass.goals.length) break;
    spent += bfs(g, component, s, local, pass, dist, prev, prevEdge, best);
  }
  if (pass.nonadjacent) {
    spent = 0;
    // Only txns with an outgoing rw edge can start such a cycle at its first rw edge.
    for (const s of starts) {
      if (spent >= budget || best.has(NONADJACENT)) break;
      spent += bfsNonadjacent(g, component, s, local, dist, prev, prevEdge, best);
    }
  }
  return [...best].map(([name, steps]) => ({ name: name.endsWith('*') ? name.slice(0, -1) + (steps.some((s) => s.type === 'rt') ? '-realtime' : '-process') : name, steps }));
}

const hasEdge = (g: Graph, v: number, mask: number, local: Int32Array) => {
  for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) if (g.types[e] & mask && local[g.targets[e]] !== -1) return true;
  return false;
};

/** One BFS from s; records a cycle per goal when shorter than the best so far. Returns its work. */
function bfs(g: Graph, component: number[], s: number, local: Int32Array, pass: Pass, dist: Int32Array, prev: Int32Array, prevEdge: Int32Array, best: Map<string, Step[]>): number {
  dist.fill(-1);
  const queue: number[] = [];
  const sLocal = local[s];
  let work = dist.length; // the fill counts too: a huge component costs per start
  // The walk starts at s with no flags; s's states are goals, never expanded again.
  const expand = (v: number, rw: number, wr: number, x: number, from: number, d: number) => {
    for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) {
      work++;
      const t = g.types[e];
      if ((t & pass.mask) === 0) continue;
      const w = local[g.targets[e]];
      if (w === -1) continue;
      const nrw = t === RW ? Math.min(rw + 1, 2) : rw;
      const nwr = t === WR ? 1 : wr;
      const nx = t & (PROCESS | REALTIME) ? 1 : x;
      const st = encode(w, nrw, nwr, nx);
      if (dist[st] !== -1) continue;
      dist[st] = d + 1;
      prev[st] = from;
      prevEdge[st] = e;
      if (w !== sLocal) queue.push(st);
    }
  };
  expand(s, 0, 0, 0, -1, 0);
  for (let head = 0; head < queue.length; head++) {
    const st = queue[head];
    const l = Math.floor(st / STATES);
    const f = st % STATES;
    expand(component[l], f >> 2, (f >> 1) & 1, f & 1, st, dist[st]);
  }
  for (let f = 0; f < STATES; f++) {
    const st = sLocal * STATES + f;
    if (dist[st] === -1) continue;
    for (const goal of pass.goals) {
      if (!goal.accepts(f >> 2, (f >> 1) & 1, f & 1)) continue;
      const known = best.get(goal.name);
      if (known && known.length <= dist[st]) continue;
      const steps = walkBack(g, component, st, prev, prevEdge, s);
      // A walk through a txn twice is two cycles joined, each of its own class: not this one.
      if (isSimple(steps)) best.set(goal.name, steps);
    }
  }
  return work;
}

const NONADJACENT = 'G-nonadjacent';

const isSimple = (steps: Step[]) => new Set(steps.map((x) => x.from)).size === steps.length;

/**
 * One BFS from s for G-nonadjacent: two or more rw edges, no two consecutive (the last and the
 * first count as consecutive). The 12 states per txn read here as rw count (0, 1, 2+) x "the
 * last edge was rw" x "the first edge was rw".
 */
function bfsNonadjacent(g: Graph, component: number[], s: number, local: Int32Array, dist: Int32Array, prev: Int32Array, prevEdge: Int32Array, best: Map<string, Step[]>): number {
  dist.fill(-1);
  const queue: number[] = [];
  const sLocal = local[s];
  let work = dist.length;
  const expand = (v: number, rw: number, last: number, first: number, from: number, d: number) => {
    for (let e = g.offsets[v]; e < g.offsets[v + 1]; e++) {
      work++;
      const t = g.types[e];
      if ((t & DATA) === 0) continue;
      const w = local[g.targets[e]];
      if (w === -1) continue;
      const isRw = t === RW ? 1 : 0;
      if (isRw && last) continue;
      const st = encode(w, isRw ? Math.min(rw + 1, 2) : rw, isRw, d === 0 ? isRw : first);
      if (dist[st] !== -1) continue;
      dist[st] = d + 1;
      prev[st] = from;
      prevEdge[st] = e;
      if (w !== sLocal) queue.push(st);
    }
  };
  expand(s, 0, 0, 0, -1, 0);
  for (let head = 0; head < queue.length; head++) {
    const st = queue[head];
    const f = st % STATES;
    expand(component[Math.floor(st / STATES)], f >> 2, (f >> 1) & 1, f & 1, st, dist[st]);
  }
  for (const [last, first] of [[0, 0], [0, 1], [1, 0]]) {
    const st = encode(sLocal, 2, last, first);
    if (dist[st] === -1) continue;
    const known = best.get(NONADJACENT);
    if (known && known.length <= dist[st]) continue;
    const steps = walkBack(g, component, st, prev, prevEdge, s);
    if (isSimple(steps)) best.set(NONADJACENT, steps);
  }
  return work;
}

function walkBack(g: Graph, component: number[], st: number, prev: Int32Array, prevEdge: Int32Array, s: number): Step[] {
  const steps: Step[] = [];
  let at = st;
  while (at !== -1) {
    const e = prevEdge[at];
    const from = prev[at] === -1 ? s : component[Math.floor(prev[at] / STATES)];
    steps.push({ from, type: EDGE_NAMES[g.types[e]] as Step['type'], to: g.targets[e] });
    at = prev[at];
  }
  return steps.reverse();
}
