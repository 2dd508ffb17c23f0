/**
 * A simulated run's history: ops stamped with a dense index and the virtual time in ns (the
 * same fields and key order as harness/historyWriter.ts), kept in memory while the simulation
 * runs; sim/run.ts writes history.jsonl once it is over (a crash loses nothing the seed cannot replay).
 */
import type { History, Op } from '../../ground/history.js';
import type { OpFields } from '../historyWriter.js';
import type { Scheduler } from './scheduler.js';

export class SimHistory {
  readonly ops: History = [];

  constructor(private readonly sched: Scheduler) {}

  append(fields: OpFields): Op {
    const op: Op = { index: this.ops.length, time: this.sched.now() * 1e6, ...fields };
    this.ops.push(op);
    return op;
  }
}
