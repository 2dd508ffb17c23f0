/** Exit codes, as Jepsen's: see ARCHITECTURE.md. */
import type { Validity } from './checker.js';

export const EXIT = { valid: 0, invalid: 1, unknown: 2, usage: 254, crash: 255 } as const;

export function exitCodeFor(valid: Validity): number {
  return valid === true ? EXIT.valid : valid === false ? EXIT.invalid : EXIT.unknown;
}

/** The worst of several exit codes (crash > usage > invalid > unknown > valid). */
export function worstExit(codes: number[]): number {
  const rank = (c: number) => [EXIT.valid, EXIT.unknown, EXIT.invalid, EXIT.usage, EXIT.crash].indexOf(c as never);
  return codes.reduce((a, b) => (rank(b) > rank(a) ? b : a), EXIT.valid as number);
}
