/**
 * The model checker on toy specs whose state graphs are known by hand: counting (distinct,
 * generated with duplicates, depth), shortest counterexamples, step properties, reachability,
 * budgets, and the trace printer.
 */
import { describe, expect, it } from 'vitest';
import { check, type Spec } from './checker.js';
import { formatResult, formatTrace } from './report.js';
import { canonicalKey, setAdd } from './canonical.js';
import { fingerprint } from './fingerprint.js';

interface Pair { x: number; y: number }

/** x and y each count 0..3 independently; a third action is a stutter (x + 0). 16 states. */
function grid(extra: Partial<Spec<Pair>> = {}): Spec<Pair> {
  return {
    name: 'grid',
    init: () => [{ x: 0, y: 0 }],
    actions: [
      { name: 'IncX', successors: function* (s) { if (s.x < 3) yield { label: `IncX(${s.x + 1})`, state: { ...s, x: s.x + 1 } }; } },
      { name: 'IncY', successors: function* (s) { if (s.y < 3) yield { label: `IncY(${s.y + 1})`, state: { ...s, y: s.y + 1 } }; } },
      { name: 'Stay', successors: function* (s) { yield { label: 'Stay', state: { ...s } }; } },
    ],
    key: canonicalKey,
    show: (s) => ({ x: s.x, y: s.y }),
    ...extra,
  };
}

describe('check', () => {
  it('counts distinct states, every generated successor (stutters included) and TLC depth', () => {
    const r = check(grid());
    expect(r.valid).toBe(true);
    expect(r.complete).toBe(true);
    expect(r.stats.distinct).toBe(16);
    // 1 initial + each of 16 states: Stay (16) + IncX where x<3 (12) + IncY where y<3 (12).
    expect(r.stats.generated).toBe(1 + 16 + 12 + 12);
    // Longest shortest path: (0,0) -> (3,3) is 6 steps = 7 states.
    expect(r.stats.depth).toBe(7);
  });

  it('finds a shortest counterexample to an invariant and prints it step by step', () => {
    const spec = grid({ invariants: [{ name: 'NotCorner', holds: (s) => !(s.x === 2 && s.y === 1) || `reached (${s.x}, ${s.y})` }] });
    const r = check(spec);
    expect(r.valid).toBe(false);
    expect(r.stoppedBy).toBe('violation');
    const [v] = r.violations;
    expect(v.property).toBe('NotCorner');
    expect(v.detail).toBe('reached (2, 1)');
    expect(v.trace.map((s) => s.label)).toHaveLength(4); // Init + 3 steps: the shortest path
    expect(v.trace[0].label).toBe('Init');
    expect(v.trace.at(-1)!.state).toEqual({ x: 2, y: 1 });
    const text = formatResult(spec, r);
    expect(text).toContain('Invariant NotCorner violated: reached (2, 1)');
    expect(text).toMatch(/1\. Init\n {5}x = 0\n {5}y = 0\n2\. Inc/);
  });

  it('checks step properties on every transition, including ones into known states', () => {
    // Stay into the same state is a step too: a property forbidding stutters must catch it at once.
    const spec = grid({ stepProperties: [{ name: 'NoStutter', holds: (from, step) => canonicalKey(from) !== canonicalKey(step.state) }] });
    const r = check(spec);
    expect(r.valid).toBe(false);
    expect(r.violations[0].kind).toBe('step');
    expect(r.violations[0].trace.map((s) => s.label)).toEqual(['Init', 'Stay']);
    expect(formatTrace(spec, r.violations[0].trace)).toContain('(stutter: nothing changed)');
  });

  it('keeps going after a violation when asked, reporting each property once', () => {
    const spec = grid({
      invariants: [
        { name: 'XBelow2', holds: (s) => s.x < 2 },
        { name: 'YBelow3', holds: (s) => s.y < 3 },
      ],
    });
    const r = check(spec, { continueAfterViolation: true });
    expect(r.violations.map((v) => [v.property, v.trace.length])).toEqual([['XBelow2', 3], ['YBelow3', 4]]);
    expect(r.stats.distinct).toBe(16);
  });

  it('reports reachability: a witness when reached, a violation when the full space never reaches it', () => {
    const spec = grid({
      sometimes: [
        { name: 'Diagonal', reached: (s) => s.x === 3 && s.y === 3 },
        { name: 'Impossible', reached: (s) => s.x > 3 },
      ],
    });
    const r = check(spec);
    expect(r.witnesses.Diagonal).toHaveLength(7);
    expect(r.witnesses.Impossible).toBeNull();
    expect(r.valid).toBe(false);
    expect(r.violations).toMatchObject([{ kind: 'never-reached', property: 'Impossible' }]);
  });

  it('is unknown, not valid, when a state or depth budget cuts the search short', () => {
    const byStates = check(grid(), { maxStates: 5 });
    expect(byStates).toMatchObject({ complete: false, stoppedBy: 'max-states', valid: 'unknown' });
    expect(byStates.stats.distinct).toBe(5);
    const byDepth = check(grid(), { maxDepth: 3 });
    expect(byDepth).toMatchObject({ complete: false, depthBounded: true, valid: 'unknown' });
    expect(byDepth.stats.distinct).toBe(6); // (0,0); (1,0) (0,1); (2,0) (1,1) (0,2)
    // A never-reached property under a budget is not a violation: we did not look everywhere.
    const r = check(grid({ sometimes: [{ name: 'Impossible', reached: () => false }] }), { maxStates: 5 });
    expect(r.valid).toBe('unknown');
  });

  it('does not expand states outside the constraint, but still checks them', () => {
    const r = check(grid({ constraint: (s) => s.x + s.y < 2 }));
    // Expanded: (0,0) (1,0) (0,1); found also (2,0) (1,1) (0,2).
    expect(r.stats.distinct).toBe(6);
    expect(r.stats.generated).toBe(1 + 3 * 3);
    expect(r.complete).toBe(true);
  });

  it('gives the same answer with exact keys as with fingerprints', () => {
    expect(check(grid(), { exactKeys: true }).stats).toMatchObject({ distinct: 16, generated: 41, depth: 7 });
  });
});

describe('canonical keys and fingerprints', () => {
  it('ignores object key order and undefined fields', () => {
    expect(canonicalKey({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe(canonicalKey({ a: [1, { d: 2 }], b: 1 }));
  });

  it('keeps sets sorted and duplicate-free', () => {
    let s: readonly object[] = [];
    for (const m of [{ t: 2 }, { t: 1 }, { t: 2 }, { t: 3 }]) s = setAdd(s, m);
    expect(s).toEqual([{ t: 1 }, { t: 2 }, { t: 3 }]);
    expect(setAdd(s, { t: 1 })).toBe(s);
  });

  it('fingerprints are deterministic 53-bit integers that separate near-identical keys', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20000; i++) {
      const f = fingerprint(`{"x":${i},"y":[${i % 7}]}`);
      expect(Number.isSafeInteger(f) && f >= 0).toBe(true);
      seen.add(f);
    }
    expect(seen.size).toBe(20000);
    expect(fingerprint('abc')).toBe(fingerprint('abc'));
  });
});
