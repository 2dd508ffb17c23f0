/**
 * The clock nemesis: skews wall clocks (through Runtime.setClockOffset, i.e. libfaketime
 * locally). Three modes, picked at random per start among the allowed ones:
 * - bump: each target's clock jumps to a random offset in the offset range (default
 *   [-maxOffsetMs, +maxOffsetMs], never 0);
 * - strobe: the targets' clocks flip between one such offset and 0 every periodMs until stop;
 * - drift: each target's clock runs at its own drawn rate (driftRates, default DRIFT_RATES:
 *   0.5x..0.9x or 1.1x..2x; never 1) from the start: its offset is moved to (rate - 1) x the time since the
 *   start every DRIFT_STEP_MS, so a slow leader's clock falls ever further behind.
 * Strobe and drift pace themselves on ctx.time, so they run alike on the wall clock and on the
 * simulator's virtual time.
 * Targets: Jepsen's node specs (one, minority, majority, all) or `leader`, the node the Db names
 * as leader (Jepsen's :primaries; a random node when none is known). Aiming at the leader is
 * what breaks a wall-clock lease: the leader's clock stepped back keeps its lease alive while a
 * partition lets the others elect a new leader (see compose.ts, `together`).
 * A node restarted while skewed keeps its skew (the offset lives in its node dir, as a real
 * machine's clock outlives a process). Stop resets every skewed clock to 0. Records start-clock
 * ({mode, offsets}, {mode, nodes, deltaMs, periodMs} or {mode, rates}) and stop-clock (the nodes reset).
 */
import type { NodeName } from '../ground/runtime.js';
import { UsageError } from '../ground/runtime.js';
import type { Nemesis, NemesisContext } from '../ground/nemesis.js';
import { NODE_TARGETS, resolveTargets, TARGETS, type NodeTarget } from './targets.js';

export const CLOCK_TARGETS = NODE_TARGETS;
export type ClockTarget = NodeTarget;
export const CLOCK_MODES = ['bump', 'strobe', 'drift'] as const;
export type ClockMode = (typeof CLOCK_MODES)[number];
/**
 * The modes drawn when none are named: drift only on request (--clock-mode drift). Its 20 ms
 * steps are one docker exec each on the docker runtime, and a default run's draws stay those
 * of the seeds before drift existed.
 */
export const DEFAULT_CLOCK_MODES: readonly ClockMode[] = ['bump', 'strobe'];
/** A drift moves its targets' offsets this often: small steps, as a clock's rate is smooth. */
export const DRIFT_STEP_MS = 20;
/** Default drift rates, in hundredths: slow ones and fast ones, 10% off 1 at least (a rate of 1 would be no fault). */
export const DRIFT_RATES = { slow: [50, 90], fast: [110, 200] } as const;

export interface ClockOptions {
  /** Largest skew, both directions (default 10 s); used when offsetMs is not given. */
  maxOffsetMs?: number;
  /** Signed offset range [min, max] in ms that bumps and strobes draw from (0 is never drawn). */
  offsetMs?: [number, number];
  /** Drift rate range [min, max] (hundredths count; 1 is never drawn); default DRIFT_RATES. */
  driftRates?: [number, number];
  /** Strobe flip period range (default 10..250 ms). */
  strobePeriodMs?: [number, number];
  modes?: ClockMode[];
  /** Which nodes each start skews, picked at random among these (default one|minority|majority|all). */
  targets?: ClockTarget[];
}

export function clockNemesis(opts: ClockOptions = {}): Nemesis {
  const max = opts.maxOffsetMs ?? 10_000;
  const [pLo, pHi] = opts.strobePeriodMs ?? [10, 250];
  const modes = opts.modes ?? [...DEFAULT_CLOCK_MODES];
  const targets = opts.targets ?? [...TARGETS];
  if (!Number.isInteger(max) || max < 1) throw new Error(`clock maxOffsetMs must be a positive integer, got ${max}`);
  const [lo, hi] = opts.offsetMs ?? [-max, max];
  if (!(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo <= hi && !(lo === 0 && hi === 0))) throw new Error(`bad clock offset range ${lo}..${hi}`);
  if (!(Number.isInteger(pLo) && pLo >= 1 && pHi >= pLo)) throw new Error(`bad strobe period range ${pLo}..${pHi}`);
  if (modes.length === 0 || targets.length === 0) throw new Error('the clock nemesis needs at least one mode and one target');
  let skewed: NodeName[] = [];
  /** Cancels the strobe's flips or the drift's steps in force. */
  let cancel: (() => Promise<void>) | null = null;

  const stop = async (ctx: NemesisContext) => {
    if (cancel) {
      await cancel();
      cancel = null;
    }
    if (skewed.length === 0) return;
    const nodes = skewed;
    await Promise.all(nodes.map((n) => ctx.runtime.setClockOffset(n, 0)));
    skewed = [];
    ctx.record('stop-clock', nodes);
  };

  /** A non-zero offset in [lo, hi] (a zero draw is redrawn; the range is not {0}). */
  const offset = (ctx: NemesisContext): number => {
    if (opts.offsetMs === undefined) {
      // The default range draws as it always has (magnitude, then sign): old seeds replay alike.
      const magnitude = ctx.rng.int(1, max);
      return ctx.rng.chance(0.5) ? magnitude : -magnitude;
    }
    for (;;) {
      const ms = ctx.rng.int(lo, hi);
      if (ms !== 0) return ms;
    }
  };

  return {
    name: 'clock',
    async start(ctx) {
      await stop(ctx);
      const { nodes, detail } = await resolveTargets(targets, ctx);
      skewed = nodes.slice();
      const mode = ctx.rng.pick(modes);
      // A step waits for a partition before it to settle; a drift does not (a lease renewed on a
      // slow clock only lasts longer, and a wait would eat the lease the drift must stretch).
      if (mode !== 'drift') await ctx.settled?.();
      if (mode === 'bump') {
        const offsets: Record<NodeName, number> = {};
        for (const n of nodes) offsets[n] = offset(ctx);
        await Promise.all(nodes.map((n) => ctx.runtime.setClockOffset(n, offsets[n])));
        ctx.record('start-clock', { mode: 'bump', offsets });
        ctx.injected?.('clock', `bump ${detail}`);
        return;
      }
      if (mode === 'drift') {
        const rates: Record<NodeName, number> = {};
        for (const n of nodes) rates[n] = driftRate(ctx, opts.driftRates);
        const began = ctx.time.now();
        const step = () => {
          const elapsed = ctx.time.now() - began;
          return Promise.all(nodes.map((n) => ctx.runtime.setClockOffset(n, Math.round((rates[n] - 1) * elapsed))));
        };
        cancel = ctx.time.every(DRIFT_STEP_MS, step);
        ctx.record('start-clock', { mode: 'drift', rates });
        ctx.injected?.('clock', `drift ${detail}`);
        return;
      }
      const deltaMs = offset(ctx);
      const periodMs = ctx.rng.int(pLo, pHi);
      let high = true;
      const flip = () => Promise.all(nodes.map((n) => ctx.runtime.setClockOffset(n, high ? deltaMs : 0)));
      await flip();
      cancel = ctx.time.every(periodMs, () => {
        high = !high;
        return flip();
      });
      ctx.record('start-clock', { mode: 'strobe', nodes, deltaMs, periodMs });
      ctx.injected?.('clock', `strobe ${detail}`);
    },
    stop,
  };
}

/** A drift rate in hundredths: uniform in `range` (never 1), else slow or fast at even odds within DRIFT_RATES. */
function driftRate(ctx: NemesisContext, range?: [number, number]): number {
  if (range) {
    for (;;) {
      const r = ctx.rng.int(Math.round(range[0] * 100), Math.round(range[1] * 100));
      if (r !== 100) return r / 100;
    }
  }
  const [lo, hi] = ctx.rng.chance(0.5) ? DRIFT_RATES.slow : DRIFT_RATES.fast;
  return ctx.rng.int(lo, hi) / 100;
}

/** Parses `--clock-drift MIN..MAX`: clock rates (e.g. 0.1..0.3: clocks run at 10-30% speed; one number R means R..R). */
export function parseClockDrift(spec: string): [number, number] {
  const m = /^\s*(\d+(?:\.\d{1,2})?)\s*(?:\.\.\s*(\d+(?:\.\d{1,2})?)\s*)?$/.exec(spec);
  if (!m) throw new UsageError(`--clock-drift must be MIN..MAX clock rates with at most two decimals, e.g. 0.1..0.3 (got ${JSON.stringify(spec)})`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 0.05 || hi > 20) throw new UsageError(`--clock-drift: rates must be within 0.05..20 (got ${spec})`);
  if (lo > hi) throw new UsageError(`--clock-drift: MIN must be <= MAX (got ${spec})`);
  if (lo === 1 && hi === 1) throw new UsageError('--clock-drift: the range must contain a rate other than 1');
  return [lo, hi];
}

/** Parses `--clock-offset MIN..MAX` (signed ms, e.g. -9000..-6000; one number N means N..N). */
export function parseClockOffset(spec: string): [number, number] {
  const m = /^\s*(-?\d+)\s*(?:\.\.\s*(-?\d+)\s*)?$/.exec(spec);
  if (!m) throw new UsageError(`--clock-offset must be MIN..MAX in signed milliseconds, e.g. -9000..-6000 (got ${JSON.stringify(spec)})`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || Math.abs(lo) > 86_400_000 || Math.abs(hi) > 86_400_000) throw new UsageError(`--clock-offset: offsets must be within a day (got ${spec})`);
  if (lo > hi) throw new UsageError(`--clock-offset: MIN must be <= MAX (got ${spec})`);
  if (lo === 0 && hi === 0) throw new UsageError('--clock-offset: the range must contain a non-zero offset');
  return [lo, hi];
}
