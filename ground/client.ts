/**
 * Client: how a workload talks to one node. An operation whose outcome is unknown (timeout,
 * connection reset after sending) completes as `info`, never `fail`: `fail` means it certainly
 * did not happen.
 */
import type { Op } from './history.js';
import type { NodeEndpoint } from './runtime.js';

export interface Completion {
  type: 'ok' | 'fail' | 'info';
  value?: unknown;
  error?: string;
  node?: string;
}

export interface Client {
  open(node: NodeEndpoint): Promise<void>;
  invoke(op: Op): Promise<Completion>;
  close(): Promise<void>;
}
