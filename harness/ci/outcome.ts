/**
 * The outcome of one stored run as a CI job reports it: verdict, first failing checker and its
 * one-line reason, seed, commit, replay command, duration, report. Read from the run's
 * test.json / results.json / history.jsonl only, so runs merged from many machines read the same.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CheckResult } from '../../ground/checker.js';

export type Verdict = 'VALID' | 'INVALID' | 'UNKNOWN' | 'CRASHED' | 'INTERRUPTED' | 'NO RESULTS';

export interface RunOutcome {
  /** The run directory. */
  dir: string;
  /** The test's name (the store's <test-name> directory). */
  name: string;
  seed: number | null;
  verdict: Verdict;
  /** Seconds of history (the time of its last op); 0 when there is none. */
  seconds: number;
  /** The first checker that found the history invalid, and why, in one line. */
  failure: { checker: string; reason: string } | null;
  /** Why there is no verdict (crash, interruption, an unknown checker), in one line. */
  error: string | null;
  replay: string | null;
  commit: string | null;
  startedAt: string | null;
  /** The run's report.html, when it was written. */
  report: string | null;
  /** Completed ok client ops per second of history (null: no stats). */
  throughput: number | null;
  /** The worst p99 latency in ms of ok ops over the op kinds (null: no perf data). */
  p99Ms: number | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_REASON = 300;

function json(path: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}

function oneLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

/** The fields in which checkers explain a verdict, most telling first. */
const REASON_FIELDS = ['error', 'message', 'reason', 'summary'] as const;

/** A checker's verdict in one line: its explanation, else its first scalar details ("missing: 3 · lost: 2"). */
export function reasonOf(result: CheckResult): string {
  for (const f of REASON_FIELDS) if (typeof result[f] === 'string' && result[f]) return oneLine(result[f] as string);
  const scalars = Object.entries(result).filter(([k, v]) => k !== 'valid' && (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length < MAX_REASON)));
  return oneLine(scalars.slice(0, 6).map(([k, v]) => `${k}: ${String(v)}`).join(' · ')) || 'no details';
}

/** The time of the history's last op, in seconds; 0 without one. Reads only the file's tail (histories can be large). */
export function historySeconds(path: string): number {
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, TAIL_BYTES));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
  for (const line of text.trim().split('\n').reverse()) {
    try {
      const op = JSON.parse(line) as { time?: unknown };
      if (typeof op.time === 'number') return op.time / 1e9;
    } catch {
      continue;
    }
  }
  return 0;
}

const TAIL_BYTES = 8192;

export function readOutcome(dir: string): RunOutcome {
  return outcomeOf(dir, json(join(dir, 'test.json')) ?? {}, json(join(dir, 'results.json')));
}

/** The outcome from a run's already parsed test.json and results.json (null: missing or unreadable). */
export function outcomeOf(dir: string, test: Record<string, unknown>, results: Record<string, unknown> | null): RunOutcome {
  const config = isObj(test.config) ? test.config : {};
  const seed = typeof test.seed === 'number' ? test.seed : typeof config.seed === 'number' ? config.seed : null;
  const checks = results && isObj(results.results) ? (results.results as Record<string, CheckResult>) : {};
  const failing = Object.entries(checks).find(([, r]) => isObj(r) && r.valid === false);
  const unknown = Object.entries(checks).find(([, r]) => isObj(r) && r.valid === 'unknown');
  let verdict: Verdict;
  let error: string | null = null;
  if (!results) {
    verdict = 'NO RESULTS';
    error = 'results.json is missing or unreadable: the run ended before its verdict';
  } else if (typeof results.crashed === 'string' && results.crashed) {
    verdict = 'CRASHED';
    error = oneLine(results.crashed);
  } else if (results.interrupted === true) {
    verdict = 'INTERRUPTED';
    error = 'the run was interrupted before its verdict';
  } else if (results.valid === true) verdict = 'VALID';
  else if (results.valid === false) verdict = 'INVALID';
  else {
    verdict = 'UNKNOWN';
    error = unknown ? `${unknown[0]}: ${reasonOf(unknown[1])}` : 'no checker reached a verdict';
  }
  const git = isObj(test.git) ? test.git : null;
  const seconds = historySeconds(join(dir, 'history.jsonl'));
  const report = join(dir, 'report.html');
  return {
    dir,
    name: typeof test.name === 'string' ? test.name : basename(dirname(dir)),
    seed,
    verdict,
    seconds,
    failure: verdict === 'INVALID' && failing ? { checker: failing[0], reason: reasonOf(failing[1]) } : null,
    error,
    replay: typeof test.command === 'string' ? test.command : null,
    commit: git && typeof git.commit === 'string' ? `${git.commit}${git.dirty ? ' (dirty)' : ''}` : null,
    startedAt: typeof test.startedAt === 'string' ? test.startedAt : null,
    report: existsSync(report) ? report : null,
    throughput: throughputOf(checks.stats, seconds),
    p99Ms: p99Of(checks.perf),
  };
}

function throughputOf(stats: CheckResult | undefined, seconds: number): number | null {
  const ok = isObj(stats) && isObj(stats.total) ? stats.total.ok : undefined;
  return typeof ok === 'number' && seconds > 0 ? ok / seconds : null;
}

function p99Of(perf: CheckResult | undefined): number | null {
  if (!isObj(perf) || !isObj(perf.quantiles)) return null;
  const p99s = Object.values(perf.quantiles).flatMap((byType) => (isObj(byType) && isObj(byType.ok) && typeof byType.ok.p99 === 'number' ? [byType.ok.p99] : []));
  return p99s.length ? Math.max(...p99s) : null;
}
