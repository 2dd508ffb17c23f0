/**
 * The agreement failure view: the first slot where nodes' decided logs diverge, with each
 * node's value there. Taken from the agreement checker's result when it names the slot, else
 * recomputed from the decided logs the run saved (nodes/<n>/decided-log.json). When the logs
 * agree but a replica's applied state does not (the result's `state`), that divergence instead.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeFiles } from './load.js';
import { esc, escShow } from './escape.js';

export interface Divergence {
  slot: number;
  /** node -> what it decided at the slot (undefined: nothing decided there). */
  values: Record<string, unknown>;
  source: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Looks for `{slot: number, values|byNode|nodes: {node: value} | [{node, value}]}` inside a checker result. */
export function findDivergence(result: unknown, depth = 0): Divergence | undefined {
  if (depth > 4 || !isObj(result)) return undefined;
  if (typeof result.slot === 'number') {
    for (const field of ['values', 'byNode', 'nodes', 'decided']) {
      const v = result[field];
      if (isObj(v)) return { slot: result.slot, values: v, source: 'the agreement checker' };
      if (Array.isArray(v) && v.every((e) => isObj(e) && typeof e.node === 'string')) {
        return { slot: result.slot, values: Object.fromEntries(v.map((e) => [e.node as string, e.value ?? e.command ?? e.digest])), source: 'the agreement checker' };
      }
    }
  }
  for (const value of Object.values(result)) {
    const found = findDivergence(value, depth + 1);
    if (found) return found;
  }
  return undefined;
}

type Decided = { slot: number; digest: string; command: unknown };

/** First slot where two nodes that both decided it hold different digests. */
export async function divergenceFromDecidedLogs(runDir: string, nodes: NodeFiles[]): Promise<Divergence | undefined> {
  const logs: Record<string, Map<number, Decided>> = {};
  for (const node of nodes) {
    const file = node.files.find((f) => /decided/i.test(f.path) && f.path.endsWith('.json'));
    if (!file) continue;
    try {
      const entries = JSON.parse(await readFile(join(runDir, file.path), 'utf8')) as unknown;
      if (!Array.isArray(entries)) continue;
      logs[node.name] = new Map(entries.filter((e): e is Decided => isObj(e) && typeof e.slot === 'number').map((e) => [e.slot, e]));
    } catch {
      continue;
    }
  }
  const slots = [...new Set(Object.values(logs).flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  for (const slot of slots) {
    const digests = new Set(Object.values(logs).map((m) => m.get(slot)?.digest).filter((d) => d !== undefined));
    if (digests.size > 1) {
      return { slot, values: Object.fromEntries(Object.entries(logs).map(([n, m]) => [n, m.get(slot)?.command ?? m.get(slot)?.digest])), source: 'the decided logs' };
    }
  }
  return undefined;
}

export function divergenceView(d: Divergence): string {
  const distinct = [...new Set(Object.values(d.values).map((v) => JSON.stringify(v)))];
  const rows = Object.entries(d.values).map(([node, value]) => {
    const group = distinct.indexOf(JSON.stringify(value));
    return `<tr><td>${esc(node)}</td><td><span class="grp grp-${group % 6}">${value === undefined ? '<i>nothing decided</i>' : `<code>${escShow(value, 400)}</code>`}</span></td></tr>`;
  }).join('');
  return `<p>First diverging slot: <b class="slot">${d.slot}</b> (from ${esc(d.source)}). Nodes grouped by colour decided the same value.</p><table class="divergence"><tr><th>node</th><th>decided at slot ${d.slot}</th></tr>${rows}</table>`;
}

export interface StateFailure {
  summary: string;
  firstDivergence?: { node: string; index: number; key?: string; value?: unknown; expected?: unknown; changedAtIndex?: Array<{ key: string; value: unknown; expected: unknown }> };
}

/** The agreement result's failed replica-state check (checkers/replicastate.ts), if it failed. */
export function findStateFailure(result: unknown): StateFailure | undefined {
  const state = isObj(result) ? result.state : undefined;
  if (!isObj(state) || state.valid !== false || typeof state.summary !== 'string') return undefined;
  return { summary: state.summary, ...(isObj(state.firstDivergence) ? { firstDivergence: state.firstDivergence as StateFailure['firstDivergence'] } : {}) };
}

export function stateFailureView(f: StateFailure): string {
  const d = f.firstDivergence;
  const cell = (v: unknown) => (v === undefined ? '<i>nothing</i>' : `<code>${escShow(v, 200)}</code>`);
  let table = '';
  if (d?.key !== undefined) {
    table = `<table class="divergence"><tr><th>key</th><th>${esc(d.node)} holds</th><th>a replay of its decided log holds</th></tr><tr><td>${esc(d.key)}</td><td>${cell(d.value)}</td><td>${cell(d.expected)}</td></tr></table>`;
  } else if (d?.changedAtIndex?.length) {
    const rows = d.changedAtIndex.map((k) => `<tr><td>${esc(k.key)}</td><td>${cell(k.value)}</td><td>${cell(k.expected)}</td></tr>`).join('');
    table = `<table class="divergence"><tr><th>key a correct replica changes at index ${d.index}</th><th>from</th><th>to</th></tr>${rows}</table>`;
  }
  return `<p>The decided logs agree; a replica's applied state does not. ${esc(f.summary)}</p>${table}`;
}
