/**
 * The Elle-style transactional checker (Kingsbury & Alvaro, "Elle: Inferring Isolation
 * Anomalies from Experimental Observations", VLDB 2020), our own implementation: history ->
 * transactions (txns.ts) -> a workload's inference of ww/wr/rw edges and direct anomalies
 * (list-append.ts, rw-register.ts) -> realtime and process edges (graph.ts) -> cycles by class
 * (cycles.ts) -> a verdict under the chosen consistency models (models.ts).
 */
import type { Checker, CheckResult } from '../../ground/checker.js';
import type { History } from '../../ground/history.js';
import { showMop } from './analysis.js';
import { findCycles } from './cycles.js';
import { addOrderEdges } from './graph.js';
import { analyzeListAppend } from './list-append.js';
import { DEFAULT_MODELS, forbiddenBy, orderEdges, type ConsistencyModel } from './models.js';
import { analyzeRwRegister } from './rw-register.js';
import { historyToTxns } from './txns.js';
import type { Anomaly, Txn } from './types.js';

export { ElleInputError } from './txns.js';
export { MODELS, parseModels, type ConsistencyModel } from './models.js';
export type { Anomaly, Step } from './types.js';

/** list-append: `[append k v]` / `[r k list]` micro-ops; rw-register: `[w k v]` / `[r k v]`. */
export type ElleWorkload = 'list-append' | 'rw-register';

export interface ElleOptions {
  models?: readonly ConsistencyModel[];
  /** Cycle search work per component (see cycles.ts). */
  budget?: number;
}

/** A txn as the report shows it: its ops in the history and its micro-ops. */
export interface TxnView {
  id: number;
  process: number | string;
  type: Txn['type'];
  invokeIndex: number;
  completeIndex?: number;
  mops: string;
}

export interface ElleResult extends CheckResult {
  models: readonly ConsistencyModel[];
  /** Every anomaly name seen, sorted; those that invalidate under the models. */
  anomalyTypes: string[];
  forbidden: string[];
  /** Up to 20 anomalies per name (the cycle ones with their steps explained). */
  anomalies: Record<string, Anomaly[]>;
  /** The txns the listed anomalies involve. */
  txns: Record<number, TxnView>;
  counts: { txns: number; ok: number; info: number; fail: number; edges: number };
}

export function checkElle(history: History, workload: ElleWorkload, opts: ElleOptions = {}): ElleResult {
  const models = opts.models ?? DEFAULT_MODELS;
  const txns = historyToTxns(history, workload === 'list-append' ? 'append' : 'rw');
  const analysis = workload === 'list-append' ? analyzeListAppend(txns) : analyzeRwRegister(txns);
  const order = orderEdges(models);
  if (order) addOrderEdges(analysis.graph, txns, analysis.inGraph, order);
  const graph = analysis.graph.freeze();
  const found: Anomaly[] = [...analysis.anomalies];
  for (const c of findCycles(graph, { order, budget: opts.budget })) {
    const steps = c.steps.map((s) => (s.type === 'rt' || s.type === 'process' ? s : { ...s, why: analysis.explain(s) }));
    const path = [`T${steps[0].from}`, ...steps.map((s) => `-${s.type}-> T${s.to}`)].join(' ');
    found.push({ name: c.name, message: path, txns: steps.map((s) => s.from), cycle: steps });
  }
  const anomalies: Record<string, Anomaly[]> = {};
  for (const a of found) (anomalies[a.name] ??= []).push(a);
  const anomalyTypes = Object.keys(anomalies).sort();
  const forbid = forbiddenBy(models);
  const forbidden = anomalyTypes.filter((n) => forbid.has(n));
  const views: Record<number, TxnView> = {};
  for (const a of found) for (const id of a.txns) views[id] ??= view(txns[id]);
  const count = (type: Txn['type']) => txns.filter((t) => t.type === type).length;
  return {
    valid: forbidden.length === 0,
    models,
    anomalyTypes,
    forbidden,
    anomalies,
    txns: views,
    counts: { txns: txns.length, ok: count('ok'), info: count('info'), fail: count('fail'), edges: graph.edges },
  };
}

const view = (t: Txn): TxnView => ({
  id: t.id,
  process: t.process,
  type: t.type,
  invokeIndex: t.invokeIndex,
  ...(t.completeIndex !== undefined ? { completeIndex: t.completeIndex } : {}),
  mops: `[${t.mops.map((m) => showMop(m.f, m.key, m.value)).join(' ')}]`,
});

/** One line: the forbidden anomalies and the first one's message. */
export function elleReason(r: ElleResult): string | undefined {
  if (r.valid === true) return undefined;
  const first = r.anomalies[r.forbidden[0]]?.[0];
  const names = r.forbidden.map((n) => `${n} (${r.anomalies[n].length})`).join(', ');
  return `${names} forbidden by ${r.models.join(', ')}${first ? `; ${first.name}: ${first.message}` : ''}`;
}

/** The cycle of an anomaly explained step by step, one line each (for logs and the report). */
export function explainCycle(a: Anomaly, txns: Record<number, TxnView>): string[] {
  return (a.cycle ?? []).map((s) => `T${s.from} ${txns[s.from]?.mops ?? ''} -${s.type}-> T${s.to}${s.why ? `: ${s.why}` : ''}`);
}

/** The checker a workload runs with (e.g. the `append` workload with list-append). */
export function elleChecker(workload: ElleWorkload, models?: readonly ConsistencyModel[]): Checker {
  return { name: workload === 'list-append' ? 'elle-append' : 'elle-wr', check: (history) => checkElle(history, workload, { models }) };
}

