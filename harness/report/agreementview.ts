/**
 * The agreement failure view: the first slot where nodes' decided logs diverge, with each
 * node's value there. Taken from the agreement checker's result when it names the slot, else
 * recomputed from the decided logs the run saved (nodes/<n>/decided-log.json).
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
