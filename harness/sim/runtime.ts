/**
 * The Runtime interface (ground/runtime.ts) over a simulated cluster, so the nemeses a real run
 * composes (nemesis/: partition, kill, pause, clock, lose-unsynced) act on the simulation
 * unchanged. Each call takes effect at once, in virtual time, and resolves at once. What the
 * simulator does not model (packet shaping, slow disks) throws; sim/options.ts refuses those
 * flags before a run starts.
 */
import { Rng } from '../../ground/rng.js';
import { UsageError, type Grudge, type NodeEndpoint, type NodeName, type Runtime, type RuntimeNeeds } from '../../ground/runtime.js';
import type { SimCluster } from './cluster.js';

/** Where a simulated node "listens": no socket, a name. */
export const simEndpoint = (name: NodeName): NodeEndpoint => ({ name, clientUrl: `sim://${name}` });

/** What the nemeses act on: paxos/core's cluster or a user's (user-cluster.ts). */
export type SimControl = Pick<SimCluster, 'ids' | 'start' | 'kill' | 'powerLoss' | 'pause' | 'resume' | 'partition' | 'heal' | 'setClockOffset'>;

export function simRuntime(cluster: SimControl): Runtime {
  return {
    name: 'sim',
    async preflight(needs: RuntimeNeeds) {
      if (needs.packet) throw new UsageError('--runtime sim does not simulate the packet nemesis');
    },
    async setup() {
      for (const n of cluster.ids) cluster.start(n);
      return cluster.ids.map(simEndpoint);
    },
    async start(node) {
      cluster.start(node);
    },
    async kill(node) {
      cluster.kill(node);
    },
    async powerLoss(node, { torn, seed }) {
      return cluster.powerLoss(node, torn, new Rng(seed));
    },
    async slowDisk() {
      throw new Error('--runtime sim does not simulate slow disks');
    },
    async pause(node) {
      cluster.pause(node);
    },
    async resume(node) {
      cluster.resume(node);
    },
    async partition(grudge: Grudge) {
      cluster.partition(grudge);
    },
    async heal() {
      cluster.heal();
    },
    async setClockOffset(node, ms) {
      cluster.setClockOffset(node, ms);
    },
    async shape() {
      throw new Error('--runtime sim does not simulate packet shaping');
    },
    async collectLogs() {},
    async teardown() {},
  };
}
