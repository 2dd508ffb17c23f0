/**
 * The per-bug schedules of the simulator sweeps: for each planted core bug (paxos/core/types.ts
 * BUGS), the `test` flags that find it on (nearly) every seed, and why. Shared by
 * `npm run bench:sim-sweep` (sweep-bench.ts) and the CI sweep test (sweep.test.ts). The correct
 * core is swept under every schedule here: it must be VALID on all of them.
 */
import type { BugName } from '../../paxos/core/types.js';
import { paxosTest } from '../../paxos/suite.js';
import { toTestConfig, type TestConfig } from '../options.js';

export interface BugSchedule {
  bug: BugName;
  /** `test` flags (kebab names, as the CLI takes them; the workload register unless given), --runtime sim and --seed added by the sweep. */
  flags: Record<string, string | boolean>;
  /** Why this schedule finds the bug. */
  why: string;
}

export const SCHEDULES: BugSchedule[] = [
  { bug: 'stale-read', flags: { nemesis: 'partition', 'nemesis-interval': '1', 'time-limit': '6' }, why: 'a cut-off leader keeps answering reads from its own state: partitions every second, short op timeouts so reads land there' },
  { bug: 'no-adopt', flags: { nemesis: 'partition,kill', 'kill-targets': 'leader', 'nemesis-interval': '1', 'time-limit': '20' }, why: 'a new leader must meet accepted-but-undecided values: kill the leader under load, often, for long enough' },
  { bug: 'early-ack', flags: { nemesis: 'partition,kill', 'nemesis-interval': '1', 'time-limit': '8' }, why: 'a write acked before a majority accepted is lost when the leader is cut off or killed right after' },
  { bug: 'volatile-acceptor', flags: { nemesis: 'lose-unsynced', 'kill-targets': 'all', 'nemesis-interval': '0.5', 'time-limit': '40' }, why: 'promises and accepts are forgotten only when a majority restarts: power loss of every node, twice a second; 40 s so that even the correct core gets a cas through (at 25 s, 2 of 1,000 seeds had none: stats INVALID)' },
  { bug: 'lease-skew', flags: { nemesis: 'partition,clock', 'nemesis-together': true, partition: 'leader', 'clock-target': 'leader', 'clock-mode': 'bump', 'clock-offset': '-9000..-6000', 'nemesis-interval': '2', 'time-limit': '8', 'recovery-time': '2', concurrency: '20', rate: '100' }, why: "README's schedule: cut the leader off and step its clock back at once, so it trusts an expired lease" },
  { bug: 'skip-apply', flags: { 'time-limit': '6' }, why: 'n5 drops a command of every 16th slot: any run that decides 16 slots shows it, no fault needed' },
  { bug: 'forget-promise-on-recovery', flags: { nemesis: 'partition,kill', partition: 'leader', 'kill-targets': 'minority', 'nemesis-interval': '0.5', 'op-timeout': '1', 'time-limit': '10' }, why: 'cutting the leader off makes acceptors that missed the new prepare accept above their promise; killing a minority then restarts them with the lower promise, which the acceptor check (node-errors) sees at recovery. A 1 s op timeout (not a third of the interval) keeps indeterminate writes few enough for the linearizability search (2 of 1,000 seeds exceeded it)' },
  { bug: 'batch-drop', flags: { nemesis: 'pause', 'nemesis-interval': '1', 'time-limit': '3', rate: '600', concurrency: '20' }, why: 'a slot must hold more than 5 commands: a high rate fills batches while a paused leader lets requests pile up' },
  { bug: 'stale-txn-read', flags: { workload: 'append', nemesis: 'partition', 'nemesis-interval': '1', 'time-limit': '6' }, why: "a txn's reads lag two slots behind its writes: at 50 txns/s on 5 active keys, most txns read a key one of the two slots before theirs appended to, so Elle sees cycles within seconds; the partitions add leader changes and indeterminate txns, which the correct core must come through VALID" },
];

/** One run per seed 1..`seeds` of a schedule, in --runtime sim, with its bug planted or (null) the correct core. */
export function scheduleConfigs(flags: BugSchedule['flags'], bug: BugName | null, seeds: number, results = 'unused'): TestConfig[] {
  return Array.from({ length: seeds }, (_, i) => toTestConfig({ runtime: 'sim', workload: 'register', ...flags, ...(bug ? { bug } : {}), seed: String(i + 1), results }, paxosTest));
}
