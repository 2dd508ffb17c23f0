/**
 * Fault coverage: what a run's nemesis actually injected, by kind and by what it hit (shape or
 * target), next to the kinds that were asked for. A VALID verdict means little for a fault
 * kind that never happened, so the summary warns about every requested kind left out.
 */
export interface FaultCoverage {
  /** The fault kinds the run asked for (--nemesis, expanded). */
  requested: string[];
  /** kind -> how many starts injected it, and how many of them by shape/target. */
  injected: Record<string, { count: number; by: Record<string, number> }>;
}

export function emptyCoverage(requested: readonly string[]): FaultCoverage {
  return { requested: [...requested], injected: {} };
}

/** Counts one injected fault (NemesisContext.injected). */
export function countFault(coverage: FaultCoverage, kind: string, detail: string): void {
  const entry = (coverage.injected[kind] ??= { count: 0, by: {} });
  entry.count++;
  entry.by[detail] = (entry.by[detail] ?? 0) + 1;
}

/** One line: `partition 3 (leader 2, one 1), kill 1 (minority 1)`; `none` when nothing was injected. */
export function coverageLine(coverage: FaultCoverage): string {
  const kinds = [...new Set([...coverage.requested, ...Object.keys(coverage.injected)])];
  const parts = kinds.map((kind) => {
    const e = coverage.injected[kind];
    if (!e) return `${kind} 0`;
    const by = Object.entries(e.by)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([d, n]) => `${d} ${n}`);
    return `${kind} ${e.count} (${by.join(', ')})`;
  });
  return parts.length ? parts.join(', ') : 'none';
}

/** One warning per requested kind that was never injected. */
export function coverageWarnings(coverage: FaultCoverage): string[] {
  return coverage.requested
    .filter((kind) => !coverage.injected[kind])
    .map((kind) => `warning: the ${kind} fault was requested but never injected (a longer --time-limit or a shorter --nemesis-interval gives every kind its turn)`);
}
