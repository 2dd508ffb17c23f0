/**
 * The final-reads checker: after recovery the harness reads every key the workload touched from
 * every node (Workload.finalOps, after the FINAL_READS_MARK op); the nodes must agree. For each
 * (f, key) it takes each node's last ok read after the mark and fails when two nodes read
 * different values, naming the key and node -> value. The same reads also go to the workload's
 * own checker (they are ordinary ops of the history). A history without the mark (no final
 * reads, or recorded before they existed) is skipped, saying so.
 */
import { canonicalJson } from '../ground/canonical.js';
import { FINAL_READS_MARK, isClientOp, type History } from '../ground/history.js';
import type { CheckResult, Checker } from '../ground/checker.js';

/** How many disagreeing keys are listed (the count is exact). */
const MAX_LISTED = 10;

/** After recovery every node read the same value of every key (a disagreement names key and node -> value). */
export function finalReadsChecker(): Checker {
  return { name: 'final-reads', check: (history) => checkFinalReads(history) };
}

export function checkFinalReads(history: History): CheckResult {
  const mark = history.findIndex((op) => op.process === 'nemesis' && op.f === FINAL_READS_MARK);
  if (mark < 0) return { valid: true, skipped: 'final reads: none in this history' };
  // "f key" -> node -> the value of that node's last ok read.
  const reads = new Map<string, Map<string, unknown>>();
  let count = 0;
  for (const op of history.slice(mark + 1)) {
    if (!isClientOp(op) || op.type !== 'ok' || op.node === undefined) continue;
    const what = op.key === undefined ? op.f : `${op.f} ${op.key}`;
    let byNode = reads.get(what);
    if (!byNode) reads.set(what, (byNode = new Map()));
    byNode.set(op.node, op.value ?? null);
    count++;
  }
  const nodes = [...new Set([...reads.values()].flatMap((m) => [...m.keys()]))].sort();
  const disagreements: Array<{ key: string; values: Record<string, unknown> }> = [];
  for (const what of [...reads.keys()].sort()) {
    const byNode = reads.get(what)!;
    if (new Set([...byNode.values()].map((v) => canonicalJson(v))).size > 1) {
      disagreements.push({ key: what, values: Object.fromEntries([...byNode].sort(([a], [b]) => a.localeCompare(b))) });
    }
  }
  // A node that answered some final reads but not this one: listed, not a failure (it may have been slow).
  const incomplete = [...reads].filter(([, m]) => m.size < nodes.length).map(([what, m]) => ({ key: what, missing: nodes.filter((n) => !m.has(n)) }));
  const first = disagreements[0];
  return {
    valid: disagreements.length === 0,
    ...(first ? { error: `nodes disagree on the final read of ${first.key}: ${describeDisagreement(first.values)}` } : {}),
    reads: count,
    keys: reads.size,
    nodes,
    disagreementCount: disagreements.length,
    disagreements: disagreements.slice(0, MAX_LISTED),
    ...(incomplete.length ? { incomplete: incomplete.slice(0, MAX_LISTED), incompleteCount: incomplete.length } : {}),
  };
}

/** Short enough for one line whatever the values: a set read names what differs, not the sets. */
function describeDisagreement(values: Record<string, unknown>): string {
  const groups = new Map<string, { value: unknown; nodes: string[] }>();
  for (const [node, value] of Object.entries(values)) {
    const key = canonicalJson(value);
    const g = groups.get(key) ?? { value, nodes: [] };
    g.nodes.push(node);
    groups.set(key, g);
  }
  const [common, ...others] = [...groups.values()].sort((a, b) => b.nodes.length - a.nodes.length);
  const short = (v: unknown) => {
    const text = JSON.stringify(v) ?? String(v);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  const parts = others.map((g) => {
    if (Array.isArray(g.value) && Array.isArray(common.value)) {
      const mine = new Set(g.value.map((x) => canonicalJson(x)));
      const theirs = new Set(common.value.map((x) => canonicalJson(x)));
      const extra = [...mine].filter((x) => !theirs.has(x));
      const lacks = [...theirs].filter((x) => !mine.has(x));
      const list = (xs: string[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ` and ${xs.length - 5} more` : ''}`;
      const diff = [extra.length ? `has ${list(extra)}` : '', lacks.length ? `lacks ${list(lacks)}` : ''].filter(Boolean).join('; ');
      return `${g.nodes.join(', ')} ${diff || 'differ in order'}`;
    }
    return `${g.nodes.join(', ')} -> ${short(g.value)}`;
  });
  return `${parts.join('; ')} (${common.nodes.join(', ')} -> ${short(common.value)})`;
}
