/**
 * Human-readable output of the model checker: a counterexample trace as numbered steps (the
 * first state in full, then for each step its label and only the fields that changed), and a
 * one-paragraph summary with the statistics.
 */
import type { CheckResult, Spec, Stats, Step } from './checker.js';
import { canonicalKey } from './canonical.js';

export function formatTrace<S>(spec: Pick<Spec<S>, 'show'>, trace: readonly Step<S>[]): string {
  const view = (s: S): Record<string, unknown> => (spec.show ? spec.show(s) : { state: s });
  const lines: string[] = [];
  let previous: Record<string, unknown> | null = null;
  trace.forEach((step, i) => {
    const current = view(step.state);
    lines.push(`${i + 1}. ${step.label}`);
    const fields = Object.keys(current);
    const changed = previous === null ? fields : fields.filter((f) => canonicalKey(current[f]) !== canonicalKey(previous![f]));
    if (previous !== null && changed.length === 0) lines.push('     (stutter: nothing changed)');
    for (const f of changed) lines.push(...describeChange(f, previous?.[f], current[f]));
    previous = current;
  });
  return lines.join('\n');
}

/** A grown set-like array prints only its new elements ("msgs += ..."); anything else in full. */
function describeChange(field: string, before: unknown, after: unknown): string[] {
  if (Array.isArray(before) && Array.isArray(after) && after.length > before.length) {
    const old = new Set(before.map(canonicalKey));
    const added = after.map(canonicalKey).filter((k) => !old.has(k));
    if (added.length === after.length - before.length) return added.map((k) => `     ${field} += ${plain(k)}`);
  }
  return [`     ${field} = ${typeof after === 'string' ? after : canonicalKey(after)}`];
}

/** A key of a string element prints as the string itself (no quotes, no escapes). */
function plain(key: string): string {
  return key.startsWith('"') ? (JSON.parse(key) as string) : key;
}

export function formatStats(stats: Stats): string {
  return (
    `${stats.distinct} distinct states, ${stats.generated} generated, depth ${stats.depth}, ` +
    `${stats.seconds.toFixed(2)} s, ${stats.statesPerSecond} states/s, ` +
    `peak rss ${stats.peakRssMB} MB (heap ${stats.peakHeapMB} MB)`
  );
}

export function formatResult<S>(spec: Pick<Spec<S>, 'show'>, result: CheckResult<S>): string {
  const out: string[] = [];
  const verdict = result.valid === true ? 'OK' : result.valid === false ? 'VIOLATION' : 'INCOMPLETE';
  const scope = result.complete
    ? 'whole bounded state space explored'
    : result.stoppedBy === 'max-states'
      ? 'stopped at the state budget'
      : result.stoppedBy === 'violation'
        ? 'stopped at the first violation'
        : 'depth bound reached before the state space was exhausted';
  out.push(`${result.spec}: ${verdict} (${scope})`);
  out.push(`  ${formatStats(result.stats)}`);
  for (const [name, witness] of Object.entries(result.witnesses)) {
    out.push(`  sometimes ${name}: ${witness ? `reached in ${witness.length - 1} steps` : 'not reached'}`);
  }
  for (const v of result.violations) {
    out.push('');
    out.push(`${v.kind === 'step' ? 'Step property' : v.kind === 'invariant' ? 'Invariant' : 'Reachability'} ${v.property} violated: ${v.detail}`);
    if (v.trace.length > 0) {
      out.push(`Counterexample (${v.trace.length - 1} steps):`);
      out.push(formatTrace(spec, v.trace));
    }
  }
  return out.join('\n');
}
