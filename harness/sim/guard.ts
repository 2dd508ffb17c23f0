/**
 * Enforces that a simulation reads no real time and no real randomness: while it runs, the
 * wall and monotonic clocks (Date.now, new Date(), performance.now, process.hrtime), Math.random
 * and the real timers (setTimeout, setInterval, setImmediate) throw WallClockRead. A run that
 * reached one would not replay from its seed; this way it crashes instead, naming the culprit.
 * Everything is put back afterwards, also when the simulation throws.
 */
export class WallClockRead extends Error {
  override name = 'WallClockRead';
}

const forbidden = (what: string) => () => {
  throw new WallClockRead(`the simulation read ${what}: a simulated run may use only virtual time and the seeded Rng`);
};

export async function withoutWallClock<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<string, unknown>;
  const RealDate = Date;
  const saved = {
    Date: g.Date,
    random: Math.random,
    now: performance.now,
    hrtime: process.hrtime,
    setTimeout: g.setTimeout,
    setInterval: g.setInterval,
    setImmediate: g.setImmediate,
  };
  class GuardedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) forbidden('new Date()')();
      super(...(args as [number]));
    }
    static override now = forbidden('Date.now');
  }
  const hrtime = Object.assign(forbidden('process.hrtime'), { bigint: forbidden('process.hrtime.bigint') });
  g.Date = GuardedDate;
  Math.random = forbidden('Math.random');
  performance.now = forbidden('performance.now');
  process.hrtime = hrtime as unknown as typeof process.hrtime;
  g.setTimeout = forbidden('setTimeout');
  g.setInterval = forbidden('setInterval');
  g.setImmediate = forbidden('setImmediate');
  try {
    return await fn();
  } finally {
    g.Date = saved.Date;
    Math.random = saved.random;
    performance.now = saved.now;
    process.hrtime = saved.hrtime;
    g.setTimeout = saved.setTimeout;
    g.setInterval = saved.setInterval;
    g.setImmediate = saved.setImmediate;
  }
}
