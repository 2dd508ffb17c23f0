/**
 * The simulated network between nodes: every message is delayed (a base plus uniform jitter, so
 * messages overtake each other), sometimes lost, sometimes delivered twice, and dropped by a
 * partition: Jepsen's grudge, node -> the nodes whose traffic it drops (checked on arrival, as
 * iptables on the receiver). The packet nemesis shapes directed links on top of that, with the
 * meaning the local runtime's fault proxy gives a LinkShape (harness/runtime/proxy.ts delayFor):
 * delayMs plus a uniform jitter in [-jitterMs, +jitterMs] (whole ms here), and loss as TCP
 * sees it, each loss a retransmission timeout more (200 ms at least, doubling, capped), the
 * message gone after 15 losses in a row (the connection timed out). Unlike one TCP
 * connection, jitter reorders messages, as the base network already does. Every draw is from
 * the run's seeded Rng, and an unshaped link draws exactly what it drew before shaping existed.
 */
import type { Rng } from '../../ground/rng.js';
import type { Grudge, LinkShape, NodeName } from '../../ground/runtime.js';

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

/** The fault proxy's TCP retransmission constants (harness/runtime/proxy.ts defaults). */
const RTO_MIN_MS = 200;
const RTO_MAX_MS = 120_000;
const MAX_RETRANSMITS = 15;

export class SimNetwork {
  private grudge: Grudge = {};
  /** Shaped directed links, "from>to" -> shape (the packet nemesis). */
  private readonly shapes = new Map<string, LinkShape>();
  dropped = 0;
  duplicated = 0;
  /** Messages sent over a shaped link; retransmissions they took; those lost to a timeout. */
  shaped = { sent: 0, retransmits: 0, timedOut: 0 };

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

  /** Shapes the directed link from -> to (null: normal again). */
  shapeLink(from: NodeName, to: NodeName, shape: LinkShape | null): void {
    if (shape === null) this.shapes.delete(`${from}>${to}`);
    else this.shapes.set(`${from}>${to}`, { ...shape });
  }

  /** Whether `to` accepts traffic from `from` now. */
  connected(from: NodeName, to: NodeName): boolean {
    return !(this.grudge[to]?.includes(from) ?? false);
  }

  /** The delays after which one message sent now from -> to arrives: none (lost), one, or two (duplicated). */
  delays(from: NodeName, to: NodeName): number[] {
    const s = this.shape;
    if (this.rng.chance(s.lossP)) {
      this.dropped++;
      return [];
    }
    const one = () => s.delayMs + this.rng.int(0, s.jitterMs);
    const base = this.rng.chance(s.dupP) ? this.duplicate(one) : [one()];
    const link = this.shapes.size === 0 ? undefined : this.shapes.get(`${from}>${to}`);
    if (link === undefined) return base;
    const out: number[] = [];
    for (const d of base) {
      const extra = this.shapedDelay(link);
      if (extra !== null) out.push(d + extra);
    }
    return out;
  }

  private duplicate(one: () => number): number[] {
    this.duplicated++;
    return [one(), one() + this.rng.int(0, 2 * this.shape.jitterMs)];
  }

  /** The shaped link's extra delay for one message, or null when TCP would have given up on it. */
  private shapedDelay(link: LinkShape): number | null {
    this.shaped.sent++;
    let ms = Math.max(0, link.delayMs + (link.jitterMs > 0 ? this.rng.int(-link.jitterMs, link.jitterMs) : 0));
    const p = link.lossPct / 100;
    let rto = Math.max(RTO_MIN_MS, 2 * link.delayMs);
    for (let lost = 0; p > 0 && this.rng.chance(p); lost++) {
      if (lost >= MAX_RETRANSMITS) {
        this.shaped.timedOut++;
        return null;
      }
      this.shaped.retransmits++;
      ms += rto;
      rto = Math.min(rto * 2, RTO_MAX_MS);
    }
    return ms;
  }
}
