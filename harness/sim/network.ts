/**
 * The simulated network between nodes: every message is delayed (a base plus uniform jitter, so
 * messages overtake each other), sometimes lost, sometimes delivered twice, and dropped by a
 * partition: Jepsen's grudge, node -> the nodes whose traffic it drops (checked on arrival, as
 * iptables on the receiver). Every draw is from the run's seeded Rng.
 */
import type { Rng } from '../../ground/rng.js';
import type { Grudge, NodeName } from '../../ground/runtime.js';

export interface NetworkShape {
  /** Least one-way delay, virtual ms. */
  delayMs: number;
  /** Uniform extra delay 0..jitterMs. */
  jitterMs: number;
  /** Probability a message is lost. */
  lossP: number;
  /** Probability a message is delivered a second time (later). */
  dupP: number;
}

/** A LAN that is mostly well behaved: a few ms, reordering, rare loss and duplicates. */
export const DEFAULT_NETWORK: NetworkShape = { delayMs: 1, jitterMs: 4, lossP: 0.005, dupP: 0.005 };

export class SimNetwork {
  private grudge: Grudge = {};
  dropped = 0;
  duplicated = 0;

  constructor(
    private readonly rng: Rng,
    readonly shape: NetworkShape = DEFAULT_NETWORK,
  ) {}

  partition(grudge: Grudge): void {
    this.grudge = grudge;
  }

  heal(): void {
    this.grudge = {};
  }

  /** Whether `to` accepts traffic from `from` now. */
  connected(from: NodeName, to: NodeName): boolean {
    return !(this.grudge[to]?.includes(from) ?? false);
  }

  /** The delays after which one message sent now arrives: none (lost), one, or two (duplicated). */
  delays(): number[] {
    const s = this.shape;
    if (this.rng.chance(s.lossP)) {
      this.dropped++;
      return [];
    }
    const one = () => s.delayMs + this.rng.int(0, s.jitterMs);
    if (!this.rng.chance(s.dupP)) return [one()];
    this.duplicated++;
    return [one(), one() + this.rng.int(0, 2 * s.jitterMs)];
  }
}
