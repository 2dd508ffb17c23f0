/**
 * Reading a simulated history's fault marks, for tests: the nemesis ops of one kind, and the
 * virtual-time windows between each `start-<fault>` and the `stop-<fault>` after it.
 */
import type { Op } from '../../ground/history.js';

/** An op's time in virtual ms. */
export const ms = (op: Op): number => op.time / 1e6;

/** The nemesis ops named `f`. */
export const marks = (h: Op[], f: string): Op[] => h.filter((o) => o.process === 'nemesis' && o.f === f);

/** [start, stop] windows (virtual ms) of `fault` in the history. */
export function windows(h: Op[], fault: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let open: number | null = null;
  for (const o of h) {
    if (o.process !== 'nemesis') continue;
    if (o.f === `start-${fault}` && open === null) open = ms(o);
    if (o.f === `stop-${fault}` && open !== null) {
      out.push([open, ms(o)]);
      open = null;
    }
  }
  return out;
}
