/**
 * Placing a Stryker mutant by its lines: in the file it was made in, in a revision where those
 * lines moved, and never where they are missing, repeated or only part of a longer line.
 */
import { describe, expect, it } from 'vitest';
import { placeMutant } from './mutants.js';

const source = ['function f(a, b) {', '  if (a > b) return a;', '  return b;', '}', ''].join('\n');
// `>` on line 2, columns 9..10 (1-based, end exclusive), becomes `>=`.
const mutant = { source, start: { line: 2, column: 9 }, end: { line: 2, column: 10 }, replacement: '>=' };

describe('placeMutant', () => {
  it('applies the mutant to the source it was made in', () => {
    expect(placeMutant(source, mutant)).toBe(source.replace('a > b', 'a >= b'));
  });

  it('finds the same lines elsewhere in an older revision', () => {
    const older = `// an older header\n\n${source}`;
    expect(placeMutant(older, mutant)).toBe(older.replace('a > b', 'a >= b'));
  });

  it('spans several lines', () => {
    const multi = { source, start: { line: 2, column: 3 }, end: { line: 3, column: 12 }, replacement: '' };
    expect(placeMutant(source, multi)).toBe(['function f(a, b) {', '  ', '}', ''].join('\n'));
  });

  it('tells repeated lines apart by their order', () => {
    const twice = `${source}${source}`;
    const second = { ...mutant, source: twice, start: { line: 6, column: 9 }, end: { line: 6, column: 10 } };
    expect(placeMutant(twice, second)).toBe(`${source}${source.replace('a > b', 'a >= b')}`);
    expect(placeMutant(`// older\n${twice}`, second)).toBe(`// older\n${source}${source.replace('a > b', 'a >= b')}`);
  });

  it('refuses lines that are missing, repeated a different number of times, or only part of a longer line', () => {
    expect(placeMutant(source.replace('a > b', 'b < a'), mutant)).toBeNull();
    expect(placeMutant(`${source}${source}`, mutant)).toBeNull();
    expect(placeMutant(source.replace('  if (a > b) return a;', '  if (a > b) return a; // longer'), mutant)).toBeNull();
  });
});
