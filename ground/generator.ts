/**
 * Generators: schedules of operations on a timeline, after Jepsen's jepsen.generator (our own
 * design, not a port). A generator yields ops and sleeps; combinators build schedules from
 * smaller ones (phases, mix, stagger, timeLimit, repeat, flipFlop, untilOk, ...). It is pure
 * and deterministic: every random choice comes from the Rng it is opened with, and time is
 * whatever the interpreter says it is, so the same seed gives the same op sequence, whether a
 * real run interprets it (nemesis/schedule.ts, wall-clock sleeps) or `simulate` lists it
 * without waiting. Imports nothing above ground/.
 *
 * A generator is opened once per consumer: the nemesis, or the client threads. `onNemesis(g)`
 * and `onClients(g)` route: the other consumer sees `g` as empty. So one schedule can say what
 * both do, and each interpreter only ever sees its own ops (unlike Jepsen's phases, a phase of
 * one consumer does not wait for the other's ops to finish).
 *
 * @module
 */
import type { Rng } from './rng.js';

/** Who draws ops from an opened generator. */
export type Consumer = 'nemesis' | 'clients';

/** One operation a generator asks for: what to do (`f`) and with what (`value`). */
export interface GenOp {
  /** What to do, e.g. `start-kill`, `heal`, `read`. */
  f: string;
  /** Its argument, if any (nodes, a value to write). */
  value?: unknown;
  /** The key a client op acts on, if any. */
  key?: string;
}

/** What an opened generator yields next: an op to perform, or time to let pass. */
export type Emit =
  | {
      /** Perform this op, then report its outcome (Cursor.completed). */
      op: GenOp;
    }
  | {
      /** Let this many ms pass before the next pull. */
      sleepMs: number;
    };

/** How a performed op ended, told back to the generator that yielded it (see untilOk). */
export type Outcome = 'ok' | 'fail' | 'info';

/** What a generator is opened with: the random stream of its choices, and its consumer. */
export interface GenEnv {
  /** The source of every random choice the generator makes (mix, stagger). */
  rng: Rng;
  /** Who pulls it: routes onNemesis / onClients. */
  consumer: Consumer;
}

/**
 * An opened generator, pulled by one interpreter. `next(nowMs)` gets the time on the schedule's
 * timeline (ms since it began) and returns the next emit, or null once exhausted; after an op
 * is performed, `completed` reports its outcome before the next pull.
 */
export interface Cursor {
  /** The next emit at `nowMs` on the schedule's timeline; null once exhausted. */
  next(nowMs: number): Emit | null;
  /** How the op last yielded ended (before the next pull). */
  completed?(op: GenOp, outcome: Outcome): void;
}

/** A schedule of ops: a value that can be opened any number of times, each time from the start. */
export interface Generator {
  /** A fresh cursor over the schedule, from its start. */
  open(env: GenEnv): Cursor;
}

/** Makes a generator from a function that opens it (the building block of every combinator). */
export const generator = (open: (env: GenEnv) => Cursor): Generator => ({ open });

/** Nothing: exhausted at once. */
export const empty: Generator = generator(() => ({ next: () => null }));

/** One op, once: `once(op('start-kill'))`, or any generator's first op: `once(mix(a, b))`. */
export function once(g: Generator | GenOp): Generator {
  const inner = asGenerator(g);
  return generator((env) => {
    const cursor = inner.open(env);
    let done = false;
    return {
      next(now) {
        if (done) return null;
        const e = cursor.next(now);
        if (e === null || 'op' in e) done = true;
        return e;
      },
      completed: (o, outcome) => cursor.completed?.(o, outcome),
    };
  });
}

/** The generator of a single op `{f, value}` (Jepsen's op maps; a plain `{f, key, value}` works too). */
export function op(f: string, value?: unknown): Generator {
  return asGenerator(value === undefined ? { f } : { f, value });
}

/** Lets `ms` pass on the timeline (the interpreter waits; `simulate` just advances time). */
export function sleep(ms: number): Generator {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`sleep needs a finite ms >= 0, got ${ms}`);
  return generator(() => {
    let done = false;
    return {
      next() {
        if (done) return null;
        done = true;
        return { sleepMs: ms };
      },
    };
  });
}

/** Each generator in turn, the next once the previous is exhausted (Jepsen's phases). */
export function phases(...gens: Array<Generator | GenOp>): Generator {
  const parts = gens.map(asGenerator);
  return generator((env) => {
    let i = 0;
    let cursor: Cursor | null = null;
    return {
      next(now) {
        while (i < parts.length) {
          cursor ??= parts[i].open(env);
          const e = cursor.next(now);
          if (e !== null) return e;
          i++;
          cursor = null;
        }
        return null;
      },
      completed: (o, outcome) => cursor?.completed?.(o, outcome),
    };
  });
}

/**
 * A random one of `gens` for every op (the seed's Rng decides), until all are exhausted. A
 * sleep of the chosen one is passed on and the choice kept until its op comes.
 */
export function mix(...gens: Array<Generator | GenOp>): Generator {
  const parts = gens.map(asGenerator);
  return generator((env) => {
    const live = parts.map((g) => g.open(env));
    let current: Cursor | null = null;
    let last: Cursor | null = null;
    return {
      next(now) {
        while (live.length > 0) {
          current ??= env.rng.pick(live);
          const e = current.next(now);
          if (e === null) {
            live.splice(live.indexOf(current), 1);
            current = null;
            continue;
          }
          if ('op' in e) {
            last = current;
            current = null;
          }
          return e;
        }
        return null;
      },
      completed: (o, outcome) => last?.completed?.(o, outcome),
    };
  });
}

/** Alternates ops of `a` and `b` (a, b, a, ...), ending when the one whose turn it is runs out (Jepsen's flip-flop). */
export function flipFlop(a: Generator | GenOp, b: Generator | GenOp): Generator {
  const pair = [asGenerator(a), asGenerator(b)];
  return generator((env) => {
    const cursors = pair.map((g) => g.open(env));
    let turn = 0;
    let last: Cursor | null = null;
    return {
      next(now) {
        const cursor = cursors[turn];
        const e = cursor.next(now);
        if (e !== null && 'op' in e) {
          last = cursor;
          turn = 1 - turn;
        }
        return e;
      },
      completed: (o, outcome) => last?.completed?.(o, outcome),
    };
  });
}

/** `g` from its start, `times` times over (or forever); a pass that yields nothing ends it. */
export function repeat(times: number | 'forever', g: Generator | GenOp): Generator {
  if (times !== 'forever' && !(Number.isInteger(times) && times >= 0)) throw new RangeError(`repeat needs a whole count or 'forever', got ${times}`);
  const inner = asGenerator(g);
  return generator((env) => {
    let passes = 0;
    let cursor: Cursor | null = null;
    let emittedThisPass = false;
    return {
      next(now) {
        while (times === 'forever' || passes < times) {
          cursor ??= inner.open(env);
          const e = cursor.next(now);
          if (e !== null) {
            emittedThisPass = true;
            return e;
          }
          passes++;
          cursor = null;
          if (!emittedThisPass) return null; // an empty pass would loop forever
          emittedThisPass = false;
        }
        return null;
      },
      completed: (o, outcome) => cursor?.completed?.(o, outcome),
    };
  });
}

/** `g` over and over, for ever (bound it with timeLimit). */
export const cycle = (g: Generator | GenOp): Generator => repeat('forever', g);

/**
 * `g` until `ms` have passed since its first pull: a sleep that would run past the limit is cut
 * to end at it, and nothing is yielded after (Jepsen's time-limit).
 */
export function timeLimit(ms: number, g: Generator | GenOp): Generator {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`timeLimit needs a finite ms >= 0, got ${ms}`);
  const inner = asGenerator(g);
  return generator((env) => {
    const cursor = inner.open(env);
    let startedAt: number | null = null;
    return {
      next(now) {
        startedAt ??= now;
        const left = startedAt + ms - now;
        if (left <= 0) return null;
        const e = cursor.next(now);
        if (e !== null && 'sleepMs' in e && e.sleepMs > left) return { sleepMs: left };
        return e;
      },
      completed: (o, outcome) => cursor.completed?.(o, outcome),
    };
  });
}

/** Before every op of `g`, a sleep drawn uniformly from [0, 2 x meanMs): ops about meanMs apart, at random (Jepsen's stagger). */
export function stagger(meanMs: number, g: Generator | GenOp): Generator {
  if (!(meanMs >= 0 && Number.isFinite(meanMs))) throw new RangeError(`stagger needs a finite mean >= 0 ms, got ${meanMs}`);
  return gapped(g, (rng) => rng.float() * 2 * meanMs);
}

/** Before every op of `g`, a sleep of exactly `ms` (Jepsen's delay). */
export function delay(ms: number, g: Generator | GenOp): Generator {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`delay needs a finite ms >= 0, got ${ms}`);
  return gapped(g, () => ms);
}

/** `g`'s ops at `perSecond` ops per second, evenly spaced: delay(1000 / perSecond, g). */
export function rate(perSecond: number, g: Generator | GenOp): Generator {
  if (!(perSecond > 0 && Number.isFinite(perSecond))) throw new RangeError(`rate needs ops per second > 0, got ${perSecond}`);
  return delay(1000 / perSecond, g);
}

/** `g`'s ops, each after a sleep of gapMs(rng); g's own sleeps pass through. */
function gapped(g: Generator | GenOp, gapMs: (rng: Rng) => number): Generator {
  const inner = asGenerator(g);
  return generator((env) => {
    const cursor = inner.open(env);
    let pending: Emit | null = null;
    return {
      next(now) {
        if (pending !== null) {
          const e = pending;
          pending = null;
          return e;
        }
        const e = cursor.next(now);
        if (e === null || 'sleepMs' in e) return e;
        pending = e;
        return { sleepMs: gapMs(env.rng) };
      },
      completed: (o, outcome) => cursor.completed?.(o, outcome),
    };
  });
}

/** `g`'s ops until one of them completes ok (Jepsen's until-ok): `untilOk(cycle(op('read')))` retries a read. */
export function untilOk(g: Generator | GenOp): Generator {
  const inner = asGenerator(g);
  return generator((env) => {
    const cursor = inner.open(env);
    let ok = false;
    return {
      next: (now) => (ok ? null : cursor.next(now)),
      completed(o, outcome) {
        if (outcome === 'ok') ok = true;
        cursor.completed?.(o, outcome);
      },
    };
  });
}

/** `g` for the nemesis only: the client threads see nothing (Jepsen's gen/nemesis). */
export const onNemesis = (g: Generator | GenOp): Generator => routed('nemesis', g);

/** `g` for the client threads only: the nemesis sees nothing (Jepsen's gen/clients). */
export const onClients = (g: Generator | GenOp): Generator => routed('clients', g);

function routed(consumer: Consumer, g: Generator | GenOp): Generator {
  const inner = asGenerator(g);
  return generator((env) => (env.consumer === consumer ? inner.open(env) : empty.open(env)));
}

/** A generator as is; a plain op `{f, value}` as the generator of that one op. */
export function asGenerator(g: Generator | GenOp): Generator {
  if ('open' in g && typeof g.open === 'function') return g;
  const one = { ...(g as GenOp) };
  return generator(() => {
    let done = false;
    return {
      next() {
        if (done) return null;
        done = true;
        return { op: { ...one } };
      },
    };
  });
}

/** One op of a simulated schedule, at the virtual time it was yielded. */
export interface TimedOp extends GenOp {
  /** When it was yielded: virtual ms since the schedule began. */
  atMs: number;
}

/** How `simulate` runs a generator: for whom, how long, and what the ops do. */
export interface SimulateOptions {
  /** The consumer to simulate (default nemesis). */
  consumer?: Consumer;
  /** Stop after this much virtual time (default: until exhausted). */
  untilMs?: number;
  /** Stop after this many ops (default 10,000: a guard against an endless schedule). */
  maxOps?: number;
  /** Each op's outcome, told back to the generator (default: every op ok). */
  outcome?(op: GenOp, atMs: number): Outcome;
  /** Virtual ms an op takes to perform (default 0). */
  opMs?: number;
}

/**
 * Runs a generator on a virtual clock, without waiting, and lists what it yields: the same rng
 * seed gives the same list (what the tests assert), and what a real run would do, given ops
 * that take `opMs` and end as `outcome` says.
 */
export function simulate(g: Generator, rng: Rng, opts: SimulateOptions = {}): TimedOp[] {
  const cursor = g.open({ rng, consumer: opts.consumer ?? 'nemesis' });
  const out: TimedOp[] = [];
  const maxOps = opts.maxOps ?? 10_000;
  let now = 0;
  while (out.length < maxOps && (opts.untilMs === undefined || now < opts.untilMs)) {
    const e = cursor.next(now);
    if (e === null) break;
    if ('sleepMs' in e) {
      now += e.sleepMs;
      continue;
    }
    out.push({ ...e.op, atMs: now });
    now += opts.opMs ?? 0;
    cursor.completed?.(e.op, opts.outcome?.(e.op, now) ?? 'ok');
  }
  return out;
}
