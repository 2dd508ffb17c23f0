/**
 * Client: how a workload talks to one node. An operation whose outcome is unknown (timeout,
 * connection reset after sending) completes as `info`, never `fail`: `fail` means it certainly
 * did not happen.
 */
import type { Op } from './history.js';
import type { NodeEndpoint } from './runtime.js';

/** How an invoked op ended, as the client saw it. */
export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value?: unknown;
  error?: string;
  node?: string;
}

/** How a workload's thread talks to one node: opened once on its node, one op at a time, closed at the end. */
export interface Client {
  /** Connects to `node` (the thread's node for the whole run). */
  open(node: NodeEndpoint): Promise<void>;
  /** Runs one op: ok (it happened), fail (it certainly did not), info (unknown: a timeout, a reset after sending). */
  invoke(op: Op): Promise<Completion>;
  /** Releases the connection; called once, also after a crash. */
  close(): Promise<void>;
}
