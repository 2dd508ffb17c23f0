/**
 * A `Model.refute` shared by models whose reads show what was written (registers, Porcupine's
 * append strings): a read misses a write that finished before the read was called, and no op
 * that could overwrite it could come between them. A write finished before a read began is
 * linearized before it, so the read sees the write's effect unless something placed between them
 * replaced it; with no candidate for that, no linearization exists. Cheap, exact in intent, and
 * checked against brute force and against the search by the tests.
 */
import type { TimedOp } from '../types.js';

export interface MissedWriteRules<I, O> {
  /** A read whose value was observed (not a crashed one). */
  isRead(input: I, output: O): boolean;
  /** A write whose effect is certain once it returned (not a crashed one). */
  isWrite(input: I, output: O): boolean;
  /** Could this op (crashed or not) replace what an earlier write left? */
  overwrites(input: I): boolean;
  /** Does the read's value show the write's effect (possibly among others)? */
  shows(read: TimedOp<I, O>, write: TimedOp<I, O>): boolean;
  describe(input: I, output: O): string;
}

/** How many of the writes that finished last before a read's call are compared with it: this
 *  keeps the test linear in the partition's size (fewer comparisons can only mean fewer proofs). */
const RECENT_WRITES = 32;

export function missedWrite<I, O>(rules: MissedWriteRules<I, O>): (ops: readonly TimedOp<I, O>[]) => string | undefined {
  return (ops) => {
    const atPosition = new Int32Array(2 * ops.length);
    ops.forEach((o, i) => {
      atPosition[o.call] = 2 * i;
      atPosition[o.return] = 2 * i + 1;
    });
    const overwriters = ops.filter((o) => rules.overwrites(o.input));
    // x placed after w and before r: possible iff x was called before r returned and returned
    // after w was called.
    const overwritable = (w: TimedOp<I, O>, r: TimedOp<I, O>) => overwriters.some((x) => x !== w && x.call < r.return && x.return > w.call);
    const recent: TimedOp<I, O>[] = [];
    for (const e of atPosition) {
      const o = ops[e >> 1];
      if (e & 1) {
        if (!rules.isWrite(o.input, o.output)) continue;
        recent.push(o);
        if (recent.length > RECENT_WRITES) recent.shift();
      } else if (rules.isRead(o.input, o.output)) {
        const missed = recent.find((w) => !rules.shows(o, w) && !overwritable(w, o));
        if (missed) {
          return `${rules.describe(o.input, o.output)} misses ${rules.describe(missed.input, missed.output)}, which returned before the read was called, and nothing could come between them to overwrite it`;
        }
      }
    }
    return undefined;
  };
}
