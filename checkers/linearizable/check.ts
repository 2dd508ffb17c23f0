/**
 * checkOperations / checkEvents: split the history into partitions (P-compositionality); if the
 * model refutes some partitions outright (a cheap, sound proof such as a read missing a finished
 * write), the history is illegal at once. Otherwise build one resumable search per partition
 * and run them interleaved in this thread, a slice of steps each in turn, until one is illegal
 * (it wins at once: a hard partition cannot hide an easy illegal one), all are ok, or the time
 * or memory budget runs out ('unknown').
 * The search is a generator that pauses about every BREATH_MS: checkOperations/checkEvents run it
 * straight through; their Async twins let the event loop run at each pause (a SIGINT handler
 * can fire) and stop with 'unknown' once `signal` is aborted.
 */
import { buildInfo } from './info.js';
import { DEFAULT_MEMORY_LIMIT_MB } from '../memory.js';
import { partitionEvents, partitionOperations, type PartitionHistory } from './partition.js';
import { PartitionSearch, Status } from './search.js';
import type { CheckOptions, CheckOutcome, CheckVerdict, Event, Model, Operation, PartitionResult, TimedOp } from './types.js';

/**
 * Model steps per slice: small enough for fairness, large enough that the clock is rarely read.
 * The first round's slices are shorter and double each round up to this: partitions that end
 * within a few dozen steps (an easy illegal one among many hard ones) are done sooner.
 * Fair shares cost this: an illegal partition that needs k steps is found after about
 * (partitions x k) steps in all (kv c50-bad: key "3" needs 5.5k of its 58k). Nothing seen early
 * in a search (depth, cache growth, concurrency) told c50-bad's illegal keys from its hard ones,
 * so no partition is favoured. What does tell them apart is the model's `refute` (9 of c50-bad's
 * 10 keys miss a finished append), which runs before any search.
 */
const SLICE_STEPS = 1024;
const FIRST_SLICE_STEPS = 64;
/** Verbose mode searches a refuted partition this long for the prefix the report draws. */
const REFUTED_VERBOSE_STEPS = 1 << 17;
/** How often the search pauses (a clock read per slice decides; resuming costs nothing measurable). */
const BREATH_MS = 50;
export { DEFAULT_MEMORY_LIMIT_MB };

export function checkOperations<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], opts: CheckOptions = {}): CheckOutcome {
  validateOptions(opts);
  const started = performance.now();
  return runThrough(search(model, partitionOperations(model, ops), opts, started));
}

export function checkEvents<S, I, O>(model: Model<S, I, O>, events: Event<I, O>[], opts: CheckOptions = {}): CheckOutcome {
  validateOptions(opts);
  const started = performance.now();
  return runThrough(search(model, partitionEvents(model, events), opts, started));
}

/** checkOperations, giving the event loop a turn about every BREATH_MS (so opts.signal can stop it). */
export async function checkOperationsAsync<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], opts: CheckOptions = {}): Promise<CheckOutcome> {
  validateOptions(opts);
  const started = performance.now();
  return breathe(search(model, partitionOperations(model, ops), opts, started));
}

/** checkEvents, giving the event loop a turn about every BREATH_MS (so opts.signal can stop it). */
export async function checkEventsAsync<S, I, O>(model: Model<S, I, O>, events: Event<I, O>[], opts: CheckOptions = {}): Promise<CheckOutcome> {
  validateOptions(opts);
  const started = performance.now();
  return breathe(search(model, partitionEvents(model, events), opts, started));
}

type Search = Generator<void, CheckOutcome, void>;

function runThrough(s: Search): CheckOutcome {
  for (;;) {
    const r = s.next();
    if (r.done) return r.value;
  }
}

async function breathe(s: Search): Promise<CheckOutcome> {
  for (;;) {
    const r = s.next();
    if (r.done) return r.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function validateOptions(opts: CheckOptions): void {
  if (opts.timeoutMs !== undefined && !(typeof opts.timeoutMs === 'number' && opts.timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be a positive number, got ${String(opts.timeoutMs)}`);
  }
  if (opts.memoryLimitMb !== undefined && !(typeof opts.memoryLimitMb === 'number' && opts.memoryLimitMb > 0)) {
    throw new RangeError(`memoryLimitMb must be a positive number, got ${String(opts.memoryLimitMb)}`);
  }
}

function* search<S, I, O>(model: Model<S, I, O>, histories: PartitionHistory<I, O>[], opts: CheckOptions, started: number): Search {
  const verbose = opts.verbose === true;
  const deadline = opts.timeoutMs === undefined ? Infinity : started + opts.timeoutMs;
  const memoryLimit = (opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB) * 1024 * 1024;
  if (histories.length === 0) return { result: 'ok', partitions: [], elapsedMs: performance.now() - started, peakCacheBytes: 0 };
  const refutations = histories.map((h) => model.refute?.(timedOps(h)));
  const refuted = refutations.findIndex((r) => r !== undefined);
  let illegal: number | undefined = refuted >= 0 ? refuted : undefined;
  // A refuted history needs no search; verbose mode searches the first refuted partition alone,
  // briefly, for a prefix to draw.
  const searches = histories.map((h, i) => (illegal === undefined || (verbose && i === illegal) ? new PartitionSearch(model, h, verbose) : undefined));
  let running = searches.filter((s): s is PartitionSearch<S, I, O> => s?.status === Status.Running);
  const budget = illegal !== undefined ? REFUTED_VERBOSE_STEPS : Infinity;
  let stopped: 'memory' | 'time' | 'cancelled' | undefined = opts.signal?.aborted ? 'cancelled' : undefined;
  let breathed = started;
  // Cache bytes are tracked incrementally so that the ceiling is checked after every slice.
  let cacheBytes = searches.reduce((sum, s) => sum + (s?.cache.bytes ?? 0), 0);
  const totalBytes = () => cacheBytes + (model.retainedBytes?.() ?? 0);
  let peakBytes = totalBytes();

  let slice = FIRST_SLICE_STEPS;
  search: while (running.length > 0 && stopped === undefined) {
    for (const s of running) {
      if (s.steps >= budget) break search;
      const before = s.cache.bytes;
      const status = s.run(slice);
      cacheBytes += s.cache.bytes - before;
      const bytes = totalBytes();
      if (bytes > peakBytes) peakBytes = bytes;
      if (status === Status.Illegal && illegal === undefined) {
        illegal = searches.indexOf(s);
        break search;
      }
      // The refutation is a proof: the search agreeing is the assertion.
      if (status !== Status.Running && illegal !== undefined) {
        if (status === Status.Ok) throw new Error(`internal: model ${model.name} refuted partition ${illegal}, which is linearizable (${refutations[illegal]})`);
        break search;
      }
      const now = performance.now();
      if (bytes > memoryLimit) stopped = 'memory';
      else if (now > deadline) stopped = 'time';
      else if (now - breathed > BREATH_MS) {
        yield;
        breathed = performance.now();
        if (opts.signal?.aborted) stopped = 'cancelled';
      }
      if (stopped !== undefined) break search;
    }
    running = running.filter((s) => s.status === Status.Running);
    slice = Math.min(SLICE_STEPS, 2 * slice);
  }
  const unfinished = histories.length - searches.filter((s) => s !== undefined && s.status !== Status.Running).length;
  // Out of budget just as the last partition finished, or refuted: the verdict is complete.
  if (unfinished === 0 || illegal !== undefined) stopped = undefined;
  const progress = `${unfinished} of ${searches.length} partitions unfinished`;

  const partitions: PartitionResult[] = searches.map((s, index): PartitionResult => {
    const refutation = refutations[index];
    const result: CheckVerdict = s?.status === Status.Ok ? 'ok' : s?.status === Status.Illegal || refutation !== undefined ? 'illegal' : 'unknown';
    const key = histories[index].key;
    return {
      index,
      ...(key !== undefined ? { key } : {}),
      result,
      ...(refutation !== undefined ? { refutation } : {}),
      operations: histories[index].ops.length,
      steps: s?.steps ?? 0,
      cacheEntries: s?.cache.size ?? 0,
      ...(verbose ? { info: { ...buildInfo(model, histories[index], result, s?.snapshot()), ...(refutation !== undefined ? { refutation } : {}) } } : {}),
    };
  });
  const result: CheckVerdict = illegal !== undefined ? 'illegal' : stopped !== undefined ? 'unknown' : 'ok';
  let message: string | undefined;
  if (stopped === 'memory') message = `memory ceiling reached: the search caches hold about ${mb(peakBytes)} MB (limit ${mb(memoryLimit)} MB); ${progress}`;
  if (stopped === 'time') message = `timed out after ${opts.timeoutMs} ms; ${progress}`;
  if (stopped === 'cancelled') message = `cancelled; ${progress}`;
  if (illegal !== undefined) {
    const key = histories[illegal].key;
    const refutation = refutations[illegal];
    message = `partition ${illegal}${key !== undefined ? ` (key ${JSON.stringify(key)})` : ''} is not linearizable${refutation !== undefined ? `: ${refutation}` : ''}`;
  }
  return {
    result,
    partitions,
    ...(message !== undefined ? { message } : {}),
    elapsedMs: performance.now() - started,
    peakCacheBytes: peakBytes,
  };
}

/** The partition's operations with their positions in its real-time order. */
function timedOps<I, O>(h: PartitionHistory<I, O>): TimedOp<I, O>[] {
  const ops: TimedOp<I, O>[] = h.ops.map((o) => ({ input: o.input, output: o.output, call: -1, return: -1 }));
  h.order.forEach((e, position) => {
    if (e & 1) ops[e >> 1].return = position;
    else ops[e >> 1].call = position;
  });
  return ops;
}

const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);
