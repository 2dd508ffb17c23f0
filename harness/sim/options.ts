/**
 * What `--runtime sim` runs, and the one line that refuses the rest before anything starts:
 * the built-in paxos suite (its core; not etcd) with every one of its workloads (register, kv,
 * set, bank, append, wr: the in-process client, client.ts, runs each op as the real client's
 * exchange, paxos/exchanges.ts) and the core's planted bugs (not the node's: the simulator does
 * not run paxos/node.ts), or a --test module whose definition has a `sim` system (ground/sim.ts:
 * its own client mapping, any of its workloads and bugs); either under every nemesis, --schedule
 * and --swarm (both clusters run on host.ts, so a user's nodes take the faults paxos/core's do;
 * every clock mode: the nemeses pace themselves on NemesisContext.time, virtual here).
 */
import { UsageError } from '../../ground/runtime.js';
import { BUGS } from '../../paxos/core/types.js';
import type { TestDefinition } from '../../ground/test.js';
import type { TestConfig } from '../options.js';
import { SIM_PROTOCOLS } from './client.js';

/** The paxos suite's workloads the simulated client speaks (all of them). */
export const SIM_WORKLOADS = Object.keys(SIM_PROTOCOLS);
export const SIM_FAULTS = ['partition', 'kill', 'pause', 'clock', 'lose-unsynced', 'slow-disk', 'packet', 'burst'];

/** Throws a UsageError naming the first option the simulator cannot run (`test`: the chosen definition). */
export function refuseUnsimulated(c: TestConfig, test?: TestDefinition): void {
  const no = (what: string) => {
    throw new UsageError(`--runtime sim: ${what}`);
  };
  const user = test?.sim !== undefined;
  if (c.test !== undefined && !user) no('this --test module has no `sim` system (see README: Your own system in the simulator)');
  if (!user && (c.db ?? 'paxos') !== 'paxos') no(`simulates paxos/core only, not --db ${c.db}`);
  if (test?.schedule) no(`${test.name}'s own schedule is not simulated yet (use --nemesis)`);
  if (!user && !SIM_WORKLOADS.includes(c.workload)) no(`workload ${c.workload} is not simulated (simulated: ${SIM_WORKLOADS.join(', ')})`);
  const unsupported = c.nemesis.filter((f) => !SIM_FAULTS.includes(f));
  if (unsupported.length > 0) no(`nemesis ${unsupported.join(',')} is not simulated (simulated: ${SIM_FAULTS.join(', ')})`);
  if (!user && c.bug !== null && !(BUGS as readonly string[]).includes(c.bug)) no(`--bug ${c.bug} is a bug of paxos/node.ts, which the simulator does not run (core bugs: ${BUGS.join(', ')})`);
  if (c.leaveDbRunning) no('--leave-db-running: simulated nodes live only inside the run');
}
