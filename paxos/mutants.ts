/**
 * Placing one of Stryker's mutants in a file's text (for `npm run mutation:harness`): by the whole
 * lines it spans in the source Stryker mutated, so the same mutant can be applied to an older
 * revision of that file as long as those lines are unchanged there.
 */

/** 1-based, as in Stryker's JSON report (mutation-testing-report-schema). */
export interface Position { line: number; column: number }

/** A mutant: the source it was made in, the range it replaces, and the replacement. */
export interface MutantText { source: string; start: Position; end: Position; replacement: string }

/** Character offset of a 1-based line/column. */
function offsetOf(source: string, p: Position): number {
  let at = 0;
  for (let line = 1; line < p.line; line++) at = source.indexOf('\n', at) + 1;
  return at + p.column - 1;
}

/**
 * `target` with the mutant applied, placed by the whole lines it spans in the source Stryker
 * mutated; null when those lines do not occur exactly once in `target` (an older revision).
 */
export function placeMutant(target: string, m: MutantText): string | null {
  const from = offsetOf(m.source, { line: m.start.line, column: 1 });
  const lineEnd = m.source.indexOf('\n', offsetOf(m.source, m.end));
  const to = lineEnd < 0 ? m.source.length : lineEnd;
  const lines = m.source.slice(from, to);
  const found: number[] = [];
  for (let i = target.indexOf(lines); i >= 0; i = target.indexOf(lines, i + 1)) {
    const wholeLines = (i === 0 || target[i - 1] === '\n') && (i + lines.length === target.length || target[i + lines.length] === '\n');
    if (wholeLines) found.push(i);
  }
  if (found.length !== 1) return null;
  const at = found[0];
  const start = at + offsetOf(m.source, m.start) - from;
  const end = at + offsetOf(m.source, m.end) - from;
  return target.slice(0, start) + m.replacement + target.slice(end);
}
