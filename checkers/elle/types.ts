/**
 * The vocabulary of the Elle-style transactional checker (checkers/elle/): transactions made of
 * micro-operations, dependency edge types, and the anomalies reported.
 */

/** A key or value of a micro-op, normalised so that equal EDN/JSON values are equal Map keys. */
export type Atom = number | string | null;

/** One micro-operation of a transaction: `[:append k v]`, `[:r k v]`, `[:w k v]`. */
export interface Mop {
  f: 'append' | 'r' | 'w';
  key: Atom;
  /** append/w: the value written; r: the value read (a list for list-append, null when unknown). */
  value: unknown;
}

/** invoke -> ok (committed), fail (did not happen), info (may or may not have happened). */
export type TxnType = 'ok' | 'fail' | 'info';

/** One transaction of the history: an invocation and its completion. */
export interface Txn {
  /** Dense 0-based id: the node of the dependency graph. */
  id: number;
  process: number | string;
  type: TxnType;
  /** The ops of the history: the invocation's index and the completion's (undefined if none). */
  invokeIndex: number;
  completeIndex: number | undefined;
  /** The completion's value for ok txns (reads filled in); the invocation's otherwise. */
  mops: Mop[];
}

/** Dependency edge types, as bits so one pair of txns can carry several. */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;
export const DATA = WW | WR | RW;

export const EDGE_NAMES: Record<number, string> = { [WW]: 'ww', [WR]: 'wr', [RW]: 'rw', [PROCESS]: 'process', [REALTIME]: 'rt' };

/** One step of a cycle: `from` must precede `to` because of an edge of this type. */
export interface Step {
  from: number;
  type: 'ww' | 'wr' | 'rw' | 'process' | 'rt';
  to: number;
  /** Why, in words: the key and values that make the edge (data edges). */
  why?: string;
}

/** One anomaly found. `cycle` for the cycle anomalies (G0 ... G2-item and their variants). */
export interface Anomaly {
  name: string;
  /** One line saying what was seen. */
  message: string;
  /** The txns involved, by id. */
  txns: number[];
  cycle?: Step[];
}
