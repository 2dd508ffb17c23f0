/**
 * The project's explicit-state model checker: breadth-first search over every reachable state
 * of a small spec, each state hashed canonically, checking
 *  - invariants ("always"): a predicate on every reachable state;
 *  - step properties: a predicate on every transition (how refinement is checked: each step of
 *    the implementation must map to a spec step or a stutter);
 *  - reachability ("sometimes"): some reachable state satisfies the predicate (non-vacuity).
 * Breadth-first order makes the first counterexample found a shortest one. Traces are rebuilt
 * TLC's way: only fingerprints and parent ids are stored per state, and the trace is replayed
 * from the initial state by re-running the actions.
 *
 * A spec is plain data + functions (see `Spec`); this file knows nothing of Paxos.
 */
import { fingerprint, SeenSet } from './fingerprint.js';

/** One way an action can fire from a state: a readable label and the successor state. */
export interface Step<S> {
  label: string;
  state: S;
}

export interface Action<S> {
  name: string;
  /**
   * Every successor, ONE PER WAY the action can fire (per value of each existential choice),
   * duplicates and stutters included: that is what `generated` counts (see `check`).
   */
  successors(state: S): Iterable<Step<S>>;
}

/** A verdict on one state or step: true = holds; false or a string (why) = violated. */
export type Holds = boolean | string;

export interface Invariant<S> {
  name: string;
  holds(state: S): Holds;
}

export interface StepProperty<S> {
  name: string;
  holds(from: S, step: Step<S>): Holds;
}

export interface Reachability<S> {
  name: string;
  reached(state: S): boolean;
}

export interface Spec<S> {
  name: string;
  init(): S[];
  actions: Action<S>[];
  /** The canonical key: equal abstract states give equal strings. */
  key(state: S): string;
  invariants?: Invariant<S>[];
  stepProperties?: StepProperty<S>[];
  sometimes?: Reachability<S>[];
  /**
   * A state constraint (TLC's CONSTRAINT): a state failing it is kept and checked but not
   * expanded. This is how bounds like "at most 2 ballots" are stated.
   */
  constraint?(state: S): boolean;
  /** A view of a state for printed traces: named fields, compared field by field between steps. */
  show?(state: S): Record<string, unknown>;
}

export interface CheckOptions {
  /** Stop after this many distinct states (the run is then incomplete). */
  maxStates?: number;
  /**
   * Do not expand states at this depth or deeper. Depth counts states on a shortest path, the
   * initial states being depth 1 (TLC's convention), so maxDepth = k allows k-1 steps.
   */
  maxDepth?: number;
  /** Keep searching after the first violation (each property reports its first one). */
  continueAfterViolation?: boolean;
  /** Key the seen-set on full canonical strings instead of 53-bit fingerprints. */
  exactKeys?: boolean;
  /** Called about every `progressEvery` distinct states. */
  onProgress?: (stats: Stats) => void;
  progressEvery?: number;
}

export interface Stats {
  /** Distinct states found. */
  distinct: number;
  /** Initial states + every successor of every expanded state, duplicates included (TLC's "generated"). */
  generated: number;
  /** Largest depth reached, initial states at depth 1 (TLC's "depth of the complete state graph search"). */
  depth: number;
  seconds: number;
  statesPerSecond: number;
  peakRssMB: number;
  peakHeapMB: number;
}

export interface Violation<S> {
  kind: 'invariant' | 'step' | 'never-reached';
  property: string;
  detail: string;
  /** Shortest trace from an initial state (empty for never-reached). */
  trace: Step<S>[];
}

export interface CheckResult<S> {
  spec: string;
  /** True when the whole bounded state space was explored (no budget cut it short, no early stop). */
  complete: boolean;
  /** Why the run is incomplete, if it is. */
  stoppedBy: 'max-states' | 'violation' | null;
  /** Some state at maxDepth had unexplored successors. */
  depthBounded: boolean;
  stats: Stats;
  violations: Violation<S>[];
  /** For each `sometimes` property: a shortest witness trace, or null if never reached. */
  witnesses: Record<string, Step<S>[] | null>;
  /** true: no violation and every `sometimes` reached; false: a violation; 'unknown': cut short with none found. */
  valid: boolean | 'unknown';
}

const INIT_LABEL = 'Init';

/**
 * Explores the spec breadth-first. The counting rule for `generated` is TLC's, made explicit
 * because the golden test matches TLC's figures exactly: generated = number of initial states
 * + for every distinct state that is expanded, the number of (action, choice) pairs enabled in
 * it, counting successors already seen, successors equal to the state itself (stutters), and
 * equal successors reached through different choices, each once per occurrence. States failing
 * the constraint or at maxDepth are not expanded and so contribute nothing to `generated`.
 */
export function check<S>(spec: Spec<S>, options: CheckOptions = {}): CheckResult<S> {
  const search = explore(spec, options);
  for (;;) {
    const r = search.next();
    if (r.done) return r.value;
  }
}

/**
 * `check`, giving the event loop a turn about every 50 ms: for long runs inside a process that
 * must stay responsive (a test runner's worker answers its parent's RPCs).
 */
export async function checkAsync<S>(spec: Spec<S>, options: CheckOptions = {}): Promise<CheckResult<S>> {
  const search = explore(spec, options);
  let last = performance.now();
  for (;;) {
    const r = search.next();
    if (r.done) return r.value;
    if (performance.now() - last > 50) {
      await new Promise((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}

/** The search itself; it yields every 256 generated states so that callers may pause it. */
function* explore<S>(spec: Spec<S>, options: CheckOptions): Generator<void, CheckResult<S>> {
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
  const progressEvery = options.progressEvery ?? 50_000;
  const seen = new SeenSet<number | string>();
  const toSeenKey = (s: S): number | string => (options.exactKeys ? spec.key(s) : fingerprint(spec.key(s)));
  // Per state id: its seen-set key and its parent's id (-1 for initial states), for trace replay.
  const keys: Array<number | string> = [];
  const parents: number[] = [];

  const started = performance.now();
  let peakRss = 0;
  let peakHeap = 0;
  const sampleMemory = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  let generated = 0;
  let depth = 0;
  let stoppedBy: CheckResult<S>['stoppedBy'] = null;
  let depthBounded = false;
  const violations: Violation<S>[] = [];
  const violated = new Set<string>();
  const reachedAt = new Map<string, number>();
  const stats = (): Stats => {
    const seconds = (performance.now() - started) / 1000;
    return {
      distinct: seen.size,
      generated,
      depth,
      seconds,
      statesPerSecond: seconds > 0 ? Math.round(seen.size / seconds) : seen.size,
      peakRssMB: Math.round(peakRss / 1048576),
      peakHeapMB: Math.round(peakHeap / 1048576),
    };
  };

  /** Checks a newly found state; returns false when the search must stop. */
  const onNewState = (id: number, state: S): boolean => {
    for (const inv of spec.invariants ?? []) {
      if (violated.has(inv.name)) continue;
      const verdict = inv.holds(state);
      if (verdict !== true) {
        violated.add(inv.name);
        violations.push({ kind: 'invariant', property: inv.name, detail: explain(verdict, inv.name), trace: rebuild(id) });
        if (!options.continueAfterViolation) return false;
      }
    }
    for (const p of spec.sometimes ?? []) {
      if (!reachedAt.has(p.name) && p.reached(state)) reachedAt.set(p.name, id);
    }
    if ((id + 1) % progressEvery === 0) {
      sampleMemory();
      options.onProgress?.(stats());
    }
    return true;
  };

  /** Replays the actions along the parent chain to recover labels and states. */
  const rebuild = (id: number): Step<S>[] => {
    const chain: number[] = [];
    for (let at = id; at !== -1; at = parents[at]) chain.push(at);
    chain.reverse();
    const first = spec.init().find((s) => toSeenKey(s) === keys[chain[0]]);
    if (first === undefined) throw new Error(`${spec.name}: trace replay found no initial state (is key() deterministic?)`);
    const trace: Step<S>[] = [{ label: INIT_LABEL, state: first }];
    for (const next of chain.slice(1)) {
      const from = trace[trace.length - 1].state;
      const step = allSteps(spec, from).find((st) => toSeenKey(st.state) === keys[next]);
      if (step === undefined) throw new Error(`${spec.name}: trace replay lost the path (are actions deterministic?)`);
      trace.push(step);
    }
    return trace;
  };

  // The frontier holds full states with their ids; everything older is fingerprints only.
  let frontier: Array<{ id: number; state: S }> = [];
  let search = true;
  for (const state of spec.init()) {
    generated++;
    const key = toSeenKey(state);
    const { id, fresh } = seen.add(key);
    if (!fresh) continue;
    keys.push(key);
    parents.push(-1);
    depth = 1;
    frontier.push({ id, state });
    if (!onNewState(id, state)) { search = false; stoppedBy = 'violation'; break; }
    if (seen.size >= maxStates) { search = false; stoppedBy = 'max-states'; break; }
  }

  let level = 1;
  while (search && frontier.length > 0) {
    const nextFrontier: Array<{ id: number; state: S }> = [];
    for (const { id: fromId, state: from } of frontier) {
      if (spec.constraint && !spec.constraint(from)) continue;
      if (level >= maxDepth) { depthBounded ||= allSteps(spec, from).length > 0; continue; }
      for (const action of spec.actions) {
        for (const step of action.successors(from)) {
          generated++;
          if ((generated & 255) === 0) yield;
          for (const prop of spec.stepProperties ?? []) {
            if (violated.has(prop.name)) continue;
            const verdict = prop.holds(from, step);
            if (verdict !== true) {
              violated.add(prop.name);
              violations.push({ kind: 'step', property: prop.name, detail: explain(verdict, prop.name), trace: [...rebuild(fromId), step] });
              if (!options.continueAfterViolation) { search = false; stoppedBy = 'violation'; }
            }
          }
          const key = toSeenKey(step.state);
          const { id, fresh } = seen.add(key);
          if (fresh) {
            keys.push(key);
            parents.push(fromId);
            depth = level + 1;
            nextFrontier.push({ id, state: step.state });
            if (!onNewState(id, step.state)) { search = false; stoppedBy = 'violation'; }
            else if (seen.size >= maxStates) { search = false; stoppedBy = 'max-states'; }
          }
          if (!search) break;
        }
        if (!search) break;
      }
      if (!search) break;
    }
    frontier = nextFrontier;
    level++;
  }
  sampleMemory();

  const complete = stoppedBy === null && !depthBounded;
  const witnesses: Record<string, Step<S>[] | null> = {};
  for (const p of spec.sometimes ?? []) {
    const at = reachedAt.get(p.name);
    witnesses[p.name] = at === undefined ? null : rebuild(at);
    if (at === undefined && complete) {
      violations.push({ kind: 'never-reached', property: p.name, detail: `no reachable state satisfies "${p.name}"`, trace: [] });
    }
  }
  // Complete with no violation means every `sometimes` was reached (else never-reached above).
  const valid = violations.length > 0 ? false : complete ? true : 'unknown';
  return { spec: spec.name, complete, stoppedBy, depthBounded, stats: stats(), violations, witnesses, valid };
}

/** All steps of all actions from a state, in action order. */
export function allSteps<S>(spec: Spec<S>, state: S): Step<S>[] {
  const out: Step<S>[] = [];
  for (const action of spec.actions) for (const step of action.successors(state)) out.push(step);
  return out;
}

function explain(verdict: Holds, name: string): string {
  return typeof verdict === 'string' ? verdict : `${name} is false`;
}
