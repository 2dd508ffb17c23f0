/**
 * The Markdown summary of a set of runs (`--summary FILE`, e.g. $GITHUB_STEP_SUMMARY): counts,
 * then the runs that failed first, each with its reason and the command that replays it, then
 * the verdict table of every run.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeText } from '../store.js';
import type { RunOutcome } from './outcome.js';

/** Markdown table cells must not break the row: pipes escaped, newlines flattened. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

const ICON: Record<RunOutcome['verdict'], string> = { VALID: '✅', INVALID: '❌', UNKNOWN: '❔', CRASHED: '💥', INTERRUPTED: '⏹', 'NO RESULTS': '💥' };

export function markdownSummary(title: string, outcomes: readonly RunOutcome[]): string {
  const count = (v: RunOutcome['verdict']) => outcomes.filter((o) => o.verdict === v).length;
  const bad = outcomes.filter((o) => o.verdict !== 'VALID');
  const lines = [`## ${title}`, '', `${outcomes.length} runs: ${count('VALID')} valid, ${count('INVALID')} invalid, ${outcomes.length - count('VALID') - count('INVALID')} without a verdict`, ''];
  if (bad.length) {
    lines.push('### Failures', '');
    for (const o of bad) {
      const why = o.failure ? `${o.failure.checker}: ${o.failure.reason}` : (o.error ?? o.verdict);
      lines.push(`- ${ICON[o.verdict]} **${o.verdict}** \`${o.name}\` seed ${o.seed ?? '?'}: ${cell(why)}`);
      if (o.replay) lines.push('', '  ```', `  ${o.replay}`, '  ```');
      lines.push(`  run: \`${o.dir}\``);
    }
    lines.push('');
  }
  lines.push('### Runs', '', '| verdict | test | seed | seconds | run |', '|---|---|---|---:|---|');
  for (const o of [...bad, ...outcomes.filter((x) => x.verdict === 'VALID')]) {
    lines.push(`| ${ICON[o.verdict]} ${o.verdict} | ${cell(o.name)} | ${o.seed ?? '?'} | ${o.seconds.toFixed(1)} | ${cell(o.dir)} |`);
  }
  return lines.join('\n') + '\n';
}

/** Appends to `file` when it exists (GitHub's step summary is shared by the job's steps), else creates it. */
export function writeSummary(file: string, title: string, outcomes: readonly RunOutcome[]): void {
  mkdirSync(dirname(file), { recursive: true });
  let before = '';
  try {
    before = readFileSync(file, 'utf8');
  } catch {
    before = '';
  }
  writeText(file, before + (before && !before.endsWith('\n') ? '\n' : '') + markdownSummary(title, outcomes));
}
