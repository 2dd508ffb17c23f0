/**
 * The Runtime interface (ground/runtime.ts) over a simulated cluster, so the nemeses a real run
 * composes (nemesis/: partition, kill, pause, clock, lose-unsynced, slow-disk, packet) act on
 * the simulation unchanged. Each call takes effect at once, in virtual time, and resolves at once.
 */
import { Rng } from '../../ground/rng.js';
import { type Grudge, type NodeEndpoint, type NodeName, type Runtime, type RuntimeNeeds } from '../../ground/runtime.js';
import type { SimControl } from './host.js';

/** Where a simulated node "listens": no socket, a name. */
export const simEndpoint = (name: NodeName): NodeEndpoint => ({ name, clientUrl: `sim://${name}` });

/** The Runtime over `cluster`: paxos/core's (cluster.ts) or a user's (user-cluster.ts), both hosts (host.ts). */
export function simRuntime(cluster: SimControl): Runtime {
  return {
    name: 'sim',
    async preflight(_needs: RuntimeNeeds) {},
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
    async slowDisk(node, slow) {
      cluster.slowDisk(node, slow);
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
    async shape(from, to, shape) {
      cluster.network.shapeLink(from, to, shape);
    },
    async collectLogs() {},
    async teardown() {},
  };
}
