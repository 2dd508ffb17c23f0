/**
 * What `--runtime sim` runs, and the one line that refuses the rest before anything starts:
 * the built-in paxos suite (its core; not a user's --test module, not etcd), the register and
 * kv workloads (the in-process client, client.ts, speaks their ops), every nemesis and --schedule
 * (clocks in bump mode only: strobe flips on a real interval timer), and the core's
 * planted bugs (not the node's: the simulator does not run paxos/node.ts).
 */
import { UsageError } from '../../ground/runtime.js';
import { BUGS } from '../../paxos/core/types.js';
import type { TestConfig } from '../options.js';

export const SIM_WORKLOADS = ['register', 'kv'];
export const SIM_FAULTS = ['partition', 'kill', 'pause', 'clock', 'lose-unsynced', 'slow-disk', 'packet', 'burst'];

/** Throws a UsageError naming the first option the simulator cannot run. */
export function refuseUnsimulated(c: TestConfig): void {
  const no = (what: string) => {
    throw new UsageError(`--runtime sim: ${what}`);
  };
  if (c.test !== undefined) no('runs the built-in paxos suite only, not a --test module');
  if ((c.db ?? 'paxos') !== 'paxos') no(`simulates paxos/core only, not --db ${c.db}`);
  if (!SIM_WORKLOADS.includes(c.workload)) no(`workload ${c.workload} is not simulated (simulated: ${SIM_WORKLOADS.join(', ')})`);
  const unsupported = c.nemesis.filter((f) => !SIM_FAULTS.includes(f));
  if (unsupported.length > 0) no(`nemesis ${unsupported.join(',')} is not simulated (simulated: ${SIM_FAULTS.join(', ')})`);
  // compose.ts waits SLOW_DISK_LEAD_MS on a real timer between a slow disk and the faults injected with it.
  if (c.nemesisTogether && c.nemesis.includes('slow-disk') && c.nemesis.length > 1) no('--nemesis-together with slow-disk is not simulated (its lead before the other faults is a real-time sleep)');
  if (c.clockModes?.includes('strobe')) no('--clock-mode strobe is not simulated (bump is)');
  if (c.bug !== null && !(BUGS as readonly string[]).includes(c.bug)) no(`--bug ${c.bug} is a bug of paxos/node.ts, which the simulator does not run (core bugs: ${BUGS.join(', ')})`);
  if (c.leaveDbRunning) no('--leave-db-running: simulated nodes live only inside the run');
}
