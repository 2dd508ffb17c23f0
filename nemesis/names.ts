/**
 * Comma lists of names in the nemesis flags (--partition, --kill-targets, --clock-target,
 * --clock-mode): each name checked against the allowed ones, repeats dropped, order kept.
 */
import { UsageError } from '../ground/runtime.js';

/** `unknown` starts the error line, e.g. 'unknown partition shape' or '--clock-mode: unknown value'. */
export function parseNames<T extends string>(spec: string, allowed: readonly T[], unknown: string): T[] {
  const names = spec.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(allowed as readonly string[]).includes(n)) throw new UsageError(`${unknown} "${n}": use ${allowed.join('|')} (comma lists pick at random)`);
  }
  return [...new Set(names)] as T[];
}
