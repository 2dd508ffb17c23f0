/**
 * The node-errors checker of a simulated run: a node whose handler threw (an assertion of
 * paxos/core or of a user's SimNode) took itself down, which the history alone may never show;
 * for paxos/core also an acceptor invariant the simulator watches from outside (a restarted
 * node recovering a promise below a ballot it acknowledged, or acknowledging a lower ballot
 * after a higher one). Any such error makes the run INVALID, each listed with its node,
 * virtual time and message.
 */
import type { Checker } from '../../ground/checker.js';

export function nodeErrorsChecker(errors: readonly string[]): Checker {
  return {
    name: 'node-errors',
    check: () => (errors.length === 0 ? { valid: true, count: 0 } : { valid: false, count: errors.length, errors: [...errors] }),
  };
}
