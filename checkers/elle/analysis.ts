/**
 * What a workload-specific inference (list-append, rw-register) hands the generic part of the
 * checker: anomalies it saw directly, the data edges it inferred, and how to put an edge in words.
 */
import type { GraphBuilder } from './graph.js';
import type { Anomaly, Atom, Step, Txn } from './types.js';

export interface Analysis {
  anomalies: Anomaly[];
  /** ww / wr / rw edges between txns that certainly happened. */
  graph: GraphBuilder;
  /** Whether a txn is a node of the graph: committed, or indeterminate but seen to have happened. */
  inGraph: (t: Txn) => boolean;
  /** Why a data edge of the graph holds: the key and values behind it. */
  explain: (step: Step) => string;
}

/** At most this many anomalies of one name are listed; further ones of that name are not kept. */
export const MAX_PER_NAME = 20;

/** The anomalies an analysis found, and `report`, which lists at most MAX_PER_NAME of each name. */
export function anomalyList(): { anomalies: Anomaly[]; report: (a: Anomaly) => void } {
  const anomalies: Anomaly[] = [];
  const counts = new Map<string, number>();
  const report = (a: Anomaly) => {
    const n = (counts.get(a.name) ?? 0) + 1;
    counts.set(a.name, n);
    if (n <= MAX_PER_NAME) anomalies.push(a);
  };
  return { anomalies, report };
}

/** A value as Jepsen prints it: `nil`, numbers bare, lists in brackets. */
export function show(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  return String(v);
}

/** A micro-op as Jepsen prints it: `[append 1 2]`, `[r 1 [1 2]]`. */
export const showMop = (f: string, key: Atom, value: unknown) => `[${f} ${show(key)} ${show(value)}]`;
