/**
 * Performance data for the HTML report (Jepsen's `perf`): not a verdict, so `valid` is always
 * true; the numbers are what matters. From the history alone:
 * - latencies: one point per completed client op [invoke time s, latency ms, type, f], sampled
 *   down to `maxPoints` by an even stride (every info op is kept: those are the interesting ones);
 * - throughput: completions per second, per "f type" series;
 * - nemesis windows: a `start-X` (or Jepsen's `start`) opens a window for X, the next `stop-X`
 *   closes it; a window still open at the end has `stopS: null`; other nemesis ops are instants;
 * - quantiles: p50/p95/p99/max latency (ms) per f and completion type.
 * Times are seconds since the first event of the history (history time is nanoseconds).
 * The output is compact: tuples and per-second count arrays, a few MB at most for 100k ops.
 */
import { pairOps, type History, type OpType } from '../ground/history.js';
import type { CheckResult, Checker } from '../ground/checker.js';

/** What the perf checker's latency data covers. */
export interface PerfOptions {
  /** Most latency points kept (default 10,000). */
  maxPoints?: number;
}

export type LatencyPoint = [timeS: number, latencyMs: number, type: Exclude<OpType, 'invoke'>, f: string];

export interface Quantiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface NemesisWindow {
  f: string;
  startS: number;
  stopS: number | null;
  value?: unknown;
}

export interface PerfData {
  durationS: number;
  latencies: { points: LatencyPoint[]; total: number; sampled: boolean };
  /** Completions per second: series "f type" -> counts, index = second since start. */
  throughput: { bucketS: 1; series: Record<string, number[]> };
  nemesis: { windows: NemesisWindow[]; events: Array<{ f: string; timeS: number; value?: unknown }> };
  /** f -> completion type -> latency quantiles in ms. */
  quantiles: Record<string, Partial<Record<Exclude<OpType, 'invoke'>, Quantiles>>>;
}

const NS_PER_S = 1e9;
const NS_PER_MS = 1e6;
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Latency and throughput data for the report; always valid. */
export function perfChecker(opts: PerfOptions = {}): Checker {
  return { name: 'perf', check: (history) => ({ valid: true, ...perfData(history, opts) }) as CheckResult };
}

export function perfData(history: History, opts: PerfOptions = {}): PerfData {
  const maxPoints = opts.maxPoints ?? 10_000;
  if (!(maxPoints >= 1)) throw new Error(`perf: maxPoints must be at least 1, got ${maxPoints}`);
  // Time is monotonic per process, not necessarily across the file: take the extremes.
  let t0 = Infinity;
  let end = -Infinity;
  for (const op of history) {
    if (op.time < t0) t0 = op.time;
    if (op.time > end) end = op.time;
  }
  if (history.length === 0) t0 = end = 0;
  const seconds = (ns: number) => (ns - t0) / NS_PER_S;

  const completed = pairOps(history).filter((p) => p.complete !== undefined);
  const stride = completed.length > maxPoints ? completed.length / maxPoints : 1;
  const points: LatencyPoint[] = [];
  const latencies = new Map<string, number[]>();
  const series: Record<string, number[]> = {};
  const buckets = Math.floor(seconds(end)) + 1;
  let nextKept = 0;
  completed.forEach(({ invoke, complete }, i) => {
    const type = complete!.type as Exclude<OpType, 'invoke'>;
    const latencyMs = (complete!.time - invoke.time) / NS_PER_MS;
    if (i >= nextKept || type === 'info') points.push([round(seconds(invoke.time), 6), round(latencyMs, 3), type, invoke.f]);
    if (i >= nextKept) nextKept += stride;
    const key = `${invoke.f} ${type}`;
    let list = latencies.get(key);
    if (!list) latencies.set(key, (list = []));
    list.push(latencyMs);
    (series[key] ??= new Array<number>(buckets).fill(0))[Math.floor(seconds(complete!.time))]++;
  });

  const quantiles: PerfData['quantiles'] = {};
  for (const [key, list] of latencies) {
    const [f, type] = [key.slice(0, key.lastIndexOf(' ')), key.slice(key.lastIndexOf(' ') + 1) as Exclude<OpType, 'invoke'>];
    (quantiles[f] ??= {})[type] = quantilesOf(list);
  }

  return {
    durationS: round(seconds(end), 6),
    latencies: { points, total: completed.length, sampled: stride > 1 },
    throughput: { bucketS: 1, series },
    nemesis: nemesisActivity(history, seconds),
    quantiles,
  };
}

/** Nearest-rank quantiles of latencies in ms. */
export function quantilesOf(latenciesMs: number[]): Quantiles {
  if (latenciesMs.length === 0) throw new Error('quantilesOf: no latencies');
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)], 3);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[sorted.length - 1], 3) };
}

function nemesisActivity(history: History, seconds: (ns: number) => number): PerfData['nemesis'] {
  const windows: NemesisWindow[] = [];
  const events: PerfData['nemesis']['events'] = [];
  const open = new Map<string, NemesisWindow>();
  for (const op of history) {
    if (op.process !== 'nemesis') continue;
    const m = /^(start|stop)(?:-(.+))?$/.exec(op.f);
    if (!m) {
      events.push({ f: op.f, timeS: seconds(op.time), ...(op.value !== undefined ? { value: op.value } : {}) });
      continue;
    }
    const fault = m[2] ?? 'nemesis';
    const current = open.get(fault);
    if (m[1] === 'start') {
      // Jepsen records an invoke and an info per fault; a second start while open extends nothing.
      if (current) continue;
      const w: NemesisWindow = { f: fault, startS: seconds(op.time), stopS: null, ...(op.value !== undefined && op.value !== null ? { value: op.value } : {}) };
      open.set(fault, w);
      windows.push(w);
    } else if (current) {
      current.stopS = seconds(op.time);
      open.delete(fault);
    }
  }
  return { windows, events };
}
