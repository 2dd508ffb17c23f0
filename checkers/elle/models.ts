/**
 * Consistency models and the anomalies each forbids (after Adya's and Elle's tables). A history
 * is invalid under a set of models when it shows an anomaly any of them forbids; anomalies a
 * model allows are still reported, they just do not invalidate.
 *
 *   model                        forbids
 *   read-uncommitted             G0
 *   read-committed               G0 G1a G1b G1c
 *   snapshot-isolation           read-committed's + G-single G-nonadjacent
 *   repeatable-read              read-committed's + G-single G-nonadjacent G2-item
 *   serializable                 repeatable-read's
 *   strong-session-serializable  serializable's + the same cycles through process edges (*-process)
 *   strict-serializable          strong-session's + through realtime edges (*-realtime), lost-append
 *
 * Every model forbids what no execution can produce: internal, garbage-read, duplicate-elements,
 * incompatible-order.
 */
import { PROCESS, REALTIME } from './types.js';

/** The consistency models the checker knows, weakest first (the session / strict ones last). */
export const MODELS = ['read-uncommitted', 'read-committed', 'snapshot-isolation', 'repeatable-read', 'serializable', 'strong-session-serializable', 'strict-serializable'] as const;
/** One of MODELS: what a history is judged against (see the table above). */
export type ConsistencyModel = (typeof MODELS)[number];

/** Elle's default, and what Jepsen's transactional tests usually claim. */
export const DEFAULT_MODELS: readonly ConsistencyModel[] = ['strict-serializable'];

const IMPOSSIBLE = ['internal', 'garbage-read', 'duplicate-elements', 'incompatible-order'];
const G1 = ['G0', 'G1a', 'G1b', 'G1c'];
const SERIAL = [...G1, 'G-single', 'G-nonadjacent', 'G2-item'];
const CYCLES = ['G0', 'G1c', 'G-single', 'G2-item'];

const FORBIDS: Record<ConsistencyModel, string[]> = {
  'read-uncommitted': ['G0'],
  'read-committed': G1,
  'snapshot-isolation': [...G1, 'G-single', 'G-nonadjacent'],
  'repeatable-read': SERIAL,
  serializable: SERIAL,
  'strong-session-serializable': [...SERIAL, ...CYCLES.map((c) => `${c}-process`)],
  'strict-serializable': [...SERIAL, ...CYCLES.map((c) => `${c}-process`), ...CYCLES.map((c) => `${c}-realtime`), 'lost-append'],
};

/** The anomaly names any of `models` forbids. */
export function forbiddenBy(models: readonly ConsistencyModel[]): Set<string> {
  return new Set([...IMPOSSIBLE, ...models.flatMap((m) => FORBIDS[m])]);
}

/** The order edges (PROCESS, REALTIME bits) checking these models needs: 0 for none. */
export function orderEdges(models: readonly ConsistencyModel[]): number {
  if (models.includes('strict-serializable')) return PROCESS | REALTIME;
  return models.includes('strong-session-serializable') ? PROCESS : 0;
}

export function parseModels(text: string): ConsistencyModel[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(MODELS as readonly string[]).includes(n)) throw new Error(`unknown consistency model ${JSON.stringify(n)} (known: ${MODELS.join(', ')})`);
  if (names.length === 0) throw new Error(`name at least one consistency model (${MODELS.join(', ')})`);
  return names as ConsistencyModel[];
}
