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

/** Lines joined into one flat string per this many when the log is written out. */
const CHUNK_LINES = 512;

const KINDS = ['send', 'recv', 'local'] as const;
const SEND = 0;
const RECV = 1;
const LOCAL = 2;

/**
 * Kept as columns of numbers (and the message ids, strings that exist anyway) and formatted
 * only when written: a JSON line per event, built as it happened, was 40% of a run's CPU
 * (string ropes kept alive until joined, and the collector chasing them).
 */
export class SimEventLog {
  private clock: LogicalClock | null = null;
  private readonly vcKeys: string[];
  private readonly head: string;
  /** Events so far; the columns below have room for `capacity`. */
  private count = 0;
  private capacity = 0;
  /** Per event: kind, type (index into types), peer (index into nodes, -1: none), slot (NaN: none), lamport, time (ns). */
  private kinds = new Uint8Array(0);
  private typeIds = new Int32Array(0);
  private peers = new Int32Array(0);
  private slots = new Float64Array(0);
  private lamports = new Float64Array(0);
  private times = new Float64Array(0);
  /** The vector clocks, nodes.length numbers per event. */
  private vcs = new Float64Array(0);
  /** The message id of a send or receive (null for a local event). */
  private readonly msgs: Array<string | null> = [];
  private readonly types: string[] = [];
  private readonly typeIndex = new Map<string, number>();

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
    this.record(SEND, type, to, slot, stamp.id);
    return stamp;
  }

  /** Merges the stamp of a message arriving now and logs its receipt. */
  receive(stamp: SendStamp, type: string, from: NodeName, slot: number | null): void {
    this.clock!.receive(stamp);
    this.record(RECV, type, from, slot, stamp.id);
  }

  /** A local event (role or leader change). */
  local(type: string, slot: number | null): void {
    this.clock!.tick();
    this.record(LOCAL, type, null, slot, null);
  }

  private record(kind: number, type: string, peer: NodeName | null, slot: number | null, msg: string | null): void {
    const c = this.clock!;
    let t = this.typeIndex.get(type);
    if (t === undefined) {
      t = this.types.push(type) - 1;
      this.typeIndex.set(type, t);
    }
    if (this.count === this.capacity) this.grow();
    const e = this.count++;
    this.kinds[e] = kind;
    this.typeIds[e] = t;
    this.peers[e] = peer === null ? -1 : this.nodes.indexOf(peer);
    this.slots[e] = slot ?? Number.NaN;
    this.lamports[e] = c.lamport;
    this.times[e] = this.nowNs();
    this.msgs.push(msg);
    const n = c.vc.length;
    for (let i = 0; i < n; i++) this.vcs[e * n + i] = c.vc[i];
  }

  /** Doubles every column's room. */
  private grow(): void {
    const cap = Math.max(1024, 2 * this.capacity);
    const more = <T extends { length: number; set(a: T): void }>(a: T, make: (n: number) => T, per = 1): T => {
      const b = make(cap * per);
      b.set(a);
      return b;
    };
    this.kinds = more(this.kinds, (n) => new Uint8Array(n));
    this.typeIds = more(this.typeIds, (n) => new Int32Array(n));
    this.peers = more(this.peers, (n) => new Int32Array(n));
    this.slots = more(this.slots, (n) => new Float64Array(n));
    this.lamports = more(this.lamports, (n) => new Float64Array(n));
    this.times = more(this.times, (n) => new Float64Array(n));
    this.vcs = more(this.vcs, (n) => new Float64Array(n), this.nodes.length);
    this.capacity = cap;
  }

  /** One event as its JSON line (paxos/eventlog.ts's field order). */
  private line(e: number): string {
    const n = this.nodes.length;
    let line = this.head + this.lamports[e] + ',"vc":{';
    for (let i = 0; i < n; i++) line += this.vcKeys[i] + this.vcs[e * n + i];
    const peer = this.peers[e];
    const slot = this.slots[e];
    line += `},"kind":"${KINDS[this.kinds[e]]}","type":${JSON.stringify(this.types[this.typeIds[e]])},"peer":${peer < 0 ? 'null' : JSON.stringify(this.nodes[peer])},"slot":${Number.isNaN(slot) ? 'null' : slot}`;
    const msg = this.msgs[e];
    if (msg !== null) line += `,"msg":${JSON.stringify(msg)}`;
    return `${line},"time":${this.times[e]}}`;
  }

  /** The whole log in chunks of lines, as events.jsonl holds it (written one by one: one string of it all would be copied once more). */
  text(): string[] {
    const chunks: string[] = [];
    for (let from = 0; from < this.count; from += CHUNK_LINES) {
      const lines: string[] = [];
      for (let e = from; e < Math.min(from + CHUNK_LINES, this.count); e++) lines.push(this.line(e));
      chunks.push(`${lines.join('\n')}\n`);
    }
    return chunks;
  }
}
