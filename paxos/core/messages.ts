/**
 * The messages nodes exchange and the records a node persists. All plain JSON; every message
 * has a `type`, and a `slot` where one applies (the shell's event log reads both).
 */
import type { Ballot } from './ballot.js';
import type { Dedup } from './dedup.js';
import type { KvMap } from './kv.js';
import type { Command, NodeId, Result } from './types.js';

/** A command's unique id: `origin:incarnation:requestId` (origin = the node a client asked). */
export type CmdId = string;
export interface Entry {
  id: CmdId;
  command: Command;
}
/** What one slot decides: a batch of commands, or null for a no-op (a filled hole). */
export type SlotValue = Entry[] | null;

export type Msg =
  /** Phase 1a: promise `ballot` and report what you accepted for slots >= `slot`. */
  | { type: 'prepare'; ballot: Ballot; slot: number }
  /** Phase 1b. `decided` reports slots the acceptor knows are chosen (their accepted entry is pruned). */
  | { type: 'promise'; ballot: Ballot; slot: number; accepted: [number, Ballot, SlotValue][]; decided: [number, SlotValue][] }
  /** A refusal: the sender has promised `promised`, higher than the `ballot` it was asked for. */
  | { type: 'nack'; ballot: Ballot; promised: Ballot }
  /** Phase 2a. */
  | { type: 'accept'; ballot: Ballot; slot: number; value: SlotValue }
  /** Phase 2b. */
  | { type: 'accepted'; ballot: Ballot; slot: number }
  /** `slot` was chosen with the value proposed in `ballot` (receivers that accepted it know it). */
  | { type: 'decide'; ballot: Ballot; slot: number }
  /** Leadership, commit index for catch-up, and `seq` for read-index confirmation rounds. */
  | { type: 'heartbeat'; ballot: Ballot; commit: number; seq: number }
  | { type: 'heartbeatAck'; ballot: Ballot; seq: number }
  /** Send me the decided entries from `slot` on. */
  | { type: 'catchup'; slot: number }
  | { type: 'learn'; slot: number; entries: [number, SlotValue][]; commit: number }
  /**
   * The sender's applied state at its commit index `slot`, for a node that needs slots the
   * sender has compacted away (its catchup or prepare asked from below the sender's log).
   */
  | { type: 'snapshot'; slot: number; kv: KvMap; dedup: Dedup; digest: string }
  /** A follower hands a client command to the leader it believes holds `ballot`. */
  | { type: 'forward'; ballot: Ballot; id: CmdId; command: Command }
  | { type: 'forwardReply'; id: CmdId; result: Result; leader: NodeId | null };

/**
 * Persisted records, replayed in order by initState. A `decide` either carries its value or
 * names the ballot of this node's own persisted accept of the slot (to keep records small).
 */
export type Rec =
  | { t: 'boot'; inc: number }
  | { t: 'promise'; b: Ballot }
  | { t: 'accept'; b: Ballot; s: number; v: SlotValue }
  | { t: 'decide'; s: number; b?: Ballot; v?: SlotValue }
  /**
   * A snapshot (kept in its own file by the node shell, first in the replay): the applied state
   * after slot `i`; the decided log is kept from slot `from` (<= i + 1) on.
   */
  | { t: 'snap'; i: number; from: number; kv: KvMap; dedup: Dedup }
  /** First record of a compacted WAL: it continues the snapshot of slot `i` (refuse without it). */
  | { t: 'base'; i: number };
