/**
 * The simulated nodes' event logs, in the format of paxos/eventlog.ts (one JSON line per send,
 * receive and role change, with Lamport and vector clocks and message ids
 * `<node>:<incarnation>:<seq>`), so the report draws the happens-before diagram of a simulated
 * run as of a real one. `time` is virtual ns on the history's clock (the report tells it from
 * epoch ms by size). Kept in memory (in flat chunks) and written to nodes/<n>/events.jsonl after
 * the run.
 */
import type { NodeName } from '../../ground/runtime.js';
import { LogicalClock, type SendStamp, type Stamp } from '../../paxos/eventlog.js';

export type { Stamp };

/** Lines joined into one flat string per this many: a line built with += is a rope of ~20 pieces, and 100,000s of them kept the GC busy for half the run. */
const CHUNK_LINES = 512;

export class SimEventLog {
  /** Finished chunks: lines joined with '\n', each chunk ending in one. */
  private readonly chunks: string[] = [];
  private pending: string[] = [];
  private clock: LogicalClock | null = null;
  private readonly vcKeys: string[];
  private readonly head: string;

  constructor(
    private readonly self: NodeName,
    private readonly nodes: readonly NodeName[],
    private readonly nowNs: () => number,
  ) {
    this.head = `{"node":${JSON.stringify(self)},"lamport":`;
    this.vcKeys = nodes.map((n, i) => `${i ? ',' : ''}${JSON.stringify(n)}:`);
  }

  /** A new incarnation: message ids restart under it; the clocks go on from the last one's. */
  boot(incarnation: number): void {
    const prev = this.clock;
    this.clock = new LogicalClock(this.self, this.nodes, incarnation);
    if (prev) {
      const i = this.nodes.indexOf(this.self);
      this.clock.lamport = prev.lamport;
      this.clock.vc[i] = prev.vc[i];
    }
  }

  /** Stamps a message leaving now and logs its send. */
  send(type: string, to: NodeName, slot: number | null): SendStamp {
    const stamp = this.clock!.send();
    this.record('send', type, to, slot, stamp.id);
    return stamp;
  }

  /** Merges the stamp of a message arriving now and logs its receipt. */
  receive(stamp: SendStamp, type: string, from: NodeName, slot: number | null): void {
    this.clock!.receive(stamp);
    this.record('recv', type, from, slot, stamp.id);
  }

  /** A local event (role or leader change). */
  local(type: string, slot: number | null): void {
    this.clock!.tick();
    this.record('local', type, null, slot);
  }

  private record(kind: string, type: string, peer: NodeName | null, slot: number | null, msg?: string): void {
    const c = this.clock!;
    let line = this.head + c.lamport + ',"vc":{';
    for (let i = 0; i < c.vc.length; i++) line += this.vcKeys[i] + c.vc[i];
    line += `},"kind":"${kind}","type":${JSON.stringify(type)},"peer":${peer === null ? 'null' : JSON.stringify(peer)},"slot":${slot ?? 'null'}`;
    if (msg !== undefined) line += `,"msg":${JSON.stringify(msg)}`;
    this.pending.push(`${line},"time":${this.nowNs()}}`);
    if (this.pending.length >= CHUNK_LINES) this.seal();
  }

  private seal(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(`${this.pending.join('\n')}\n`);
    this.pending = [];
  }

  /** The whole log in chunks, as events.jsonl holds it (written one by one: one string of it all would be copied once more). */
  text(): string[] {
    this.seal();
    return this.chunks;
  }
}
