/**
 * Stryker's mutants outside Stryker (for `npm run mutation:harness` and `mutation:recheck`): its
 * JSON report, a throw-away copy of the repo, and placing a mutant in a file's text by the whole
 * lines it spans in the source Stryker mutated (so the same mutant can be applied to an older
 * revision of that file as long as those lines are unchanged there).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** 1-based, as in Stryker's JSON report (mutation-testing-report-schema). */
export interface Position { line: number; column: number }

/** The parts of Stryker's report (mutation-testing-report-schema) read here. */
export interface ReportMutant { id: string; mutatorName: string; replacement?: string; status: string; killedBy?: string[]; location: { start: Position; end: Position } }
export interface Report { files: Record<string, { source: string; mutants: ReportMutant[] }>; testFiles?: Record<string, { tests: { id: string }[] }> }

/** Reads a Stryker JSON report; the error names the file and what is wrong with it. */
export function readStrykerReport(file: string): Report {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: cannot read it (run \`npm run mutation\` first)`);
  }
  try {
    const report = JSON.parse(text) as Report;
    if (typeof report.files !== 'object' || report.files === null) throw new Error('no files');
    return report;
  } catch (e) {
    throw new Error(`${file}: not a Stryker JSON report (${(e as Error).message})`);
  }
}

/** A copy of the repo's files (tracked and not ignored, or those of git revision `base`) with the real node_modules linked in. */
export function copyRepo(root: string, into: string, base?: string): void {
  if (base !== undefined) {
    const tar = execFileSync('git', ['archive', '--format=tar', base], { cwd: root, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', into], { input: tar });
  } else {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      if (!fs.existsSync(path.join(root, f))) continue; // deleted but not yet staged
      fs.mkdirSync(path.dirname(path.join(into, f)), { recursive: true });
      fs.copyFileSync(path.join(root, f), path.join(into, f));
    }
  }
  fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules')), path.join(into, 'node_modules'));
}

/** A mutant: the source it was made in, the range it replaces, and the replacement. */
export interface MutantText { source: string; start: Position; end: Position; replacement: string }

/** Character offset of a 1-based line/column. */
function offsetOf(source: string, p: Position): number {
  let at = 0;
  for (let line = 1; line < p.line; line++) at = source.indexOf('\n', at) + 1;
  return at + p.column - 1;
}

/** Offsets where `lines` occurs in `text` as whole lines. */
function wholeLineMatches(text: string, lines: string): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(lines); i >= 0; i = text.indexOf(lines, i + 1)) {
    if ((i === 0 || text[i - 1] === '\n') && (i + lines.length === text.length || text[i + lines.length] === '\n')) found.push(i);
  }
  return found;
}

/**
 * `target` with the mutant applied, placed by the whole lines it spans in the source Stryker
 * mutated. Lines that occur several times (`if (refuse(...)) return;` opens three handlers) are
 * told apart by their order: the k-th occurrence in the source is the k-th in `target`, provided
 * both hold the same number. Null when the lines are missing from `target` or their count differs
 * (an older revision that changed them).
 */
export function placeMutant(target: string, m: MutantText): string | null {
  const from = offsetOf(m.source, { line: m.start.line, column: 1 });
  const lineEnd = m.source.indexOf('\n', offsetOf(m.source, m.end));
  const to = lineEnd < 0 ? m.source.length : lineEnd;
  const lines = m.source.slice(from, to);
  const inSource = wholeLineMatches(m.source, lines);
  const inTarget = wholeLineMatches(target, lines);
  if (inTarget.length === 0 || inTarget.length !== inSource.length) return null;
  const at = inTarget[inSource.indexOf(from)];
  const start = at + offsetOf(m.source, m.start) - from;
  const end = at + offsetOf(m.source, m.end) - from;
  return target.slice(0, start) + m.replacement + target.slice(end);
}
