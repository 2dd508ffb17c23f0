/**
 * A replicated register store written for the simulator (ground/sim.ts), as a user would write
 * their own: a fixed primary (the first node) orders every write, persists it, replicates it to
 * each backup and acknowledges once every backup has persisted it (resent until acknowledged);
 * backups forward every request to the primary, which performs each once, however often the
 * network delivers it (a duplicated forward re-performed a write over newer ones, or let a cas
 * that failed match later). Safe under any fault, available only while
 * the primary is up and reachable. The planted bug `backup-reads`: backups answer reads from
 * their own copy, which lags the primary.
 */
import type { Completion, NodeName, OpSpec, SimContext, SimNode, SimSystem } from '../../index.js';

/** What a client asks: one op of the register/kv workloads. */
export interface Request {
  f: 'read' | 'write' | 'cas';
  key: string;
  value: unknown;
}
/** What a node answers: a read's value, or why the op did not happen. */
export type Reply = { ok: true; value?: number | null } | { ok: false; error: string };
/** One write, numbered by the primary: what the disks hold and the backups apply. */
interface Write {
  seq: number;
  key: string;
  value: number;
  /** The forwarded request it performs (`<backup>:<id>`), so a duplicate of that request is not performed again. */
  origin?: string;
}
/** What a disk holds: writes, and forwarded cas ops that did not match (performed, nothing written). */
type Rec = Write | { origin: string };
type Msg = { t: 'replicate'; write: Write } | { t: 'ack'; seq: number } | { t: 'forward'; id: number; req: Request } | { t: 'forwarded'; id: number; reply: Reply };

/** How often the primary resends writes some backup has not acknowledged, virtual ms. */
const RESEND_MS = 50;

class RegisterNode implements SimNode<Msg, Request> {
  private readonly kv = new Map<string, Write>();
  private readonly primary: NodeName;
  private seq = 0;
  /** Primary: forwarded requests already performed (the writes and failed cas ops among them kept on disk). */
  private readonly performed = new Set<string>();
  /** Primary: writes not yet acknowledged by every backup, and who waits on each. */
  private readonly unacked = new Map<number, { write: Write; missing: Set<NodeName>; answer: (r: Reply) => void }>();

  constructor(
    private readonly ctx: SimContext<Msg, Rec, Reply>,
    disk: readonly Rec[],
  ) {
    this.primary = ctx.nodes[0];
    for (const r of disk) {
      if ('key' in r) this.apply(r);
      else this.performed.add(r.origin);
    }
    if (this.isPrimary) ctx.setTimer('resend', RESEND_MS);
  }

  private get isPrimary(): boolean {
    return this.ctx.self === this.primary;
  }

  leader(): NodeName {
    return this.primary;
  }

  onRequest(id: number, req: Request): void {
    const answer = (r: Reply) => this.ctx.reply(id, r);
    if (this.isPrimary) return this.perform(req, answer);
    if (req.f === 'read' && this.ctx.bug === 'backup-reads') return answer({ ok: true, value: this.kv.get(req.key)?.value ?? null });
    this.ctx.send(this.primary, { t: 'forward', id, req });
  }

  onMessage(from: NodeName, msg: Msg): void {
    switch (msg.t) {
      case 'forward': {
        // The network may deliver a message twice: performed again, a write (or a cas that did
        // not match the first time) would undo the writes since, or happen after all.
        const origin = `${from}:${msg.id}`;
        if (!this.isPrimary || this.performed.has(origin)) return;
        this.performed.add(origin);
        return this.perform(msg.req, (reply) => this.ctx.send(from, { t: 'forwarded', id: msg.id, reply }), origin);
      }
      case 'forwarded':
        return this.ctx.reply(msg.id, msg.reply);
      case 'replicate':
        // Persisted before the ack goes out (the simulator holds sends until the sync).
        if ((this.kv.get(msg.write.key)?.seq ?? 0) < msg.write.seq) {
          this.ctx.persist(msg.write);
          this.apply(msg.write);
        }
        return this.ctx.send(from, { t: 'ack', seq: msg.write.seq });
      case 'ack': {
        const u = this.unacked.get(msg.seq);
        u?.missing.delete(from);
        if (u && u.missing.size === 0) {
          this.unacked.delete(msg.seq);
          u.answer({ ok: true });
        }
      }
    }
  }

  onTimer(): void {
    for (const u of this.unacked.values()) for (const b of u.missing) this.ctx.send(b, { t: 'replicate', write: u.write });
    this.ctx.setTimer('resend', RESEND_MS);
  }

  /** The primary's side of an op: a read answers at once, a write (or a cas that matches) once every backup has it. */
  private perform(req: Request, answer: (r: Reply) => void, origin?: string): void {
    const current = this.kv.get(req.key)?.value ?? null;
    if (req.f === 'read') return answer({ ok: true, value: current });
    let value = req.value as number;
    if (req.f === 'cas') {
      const [from, to] = req.value as [number, number];
      if (current !== from) {
        if (origin) this.ctx.persist({ origin }); // a duplicate must not match after a restart either
        return answer({ ok: false, error: 'cas-mismatch' });
      }
      value = to;
    }
    const write: Write = { seq: ++this.seq, key: req.key, value, ...(origin ? { origin } : {}) };
    this.ctx.persist(write);
    this.apply(write);
    const backups = this.ctx.nodes.filter((n) => n !== this.ctx.self);
    this.unacked.set(write.seq, { write, missing: new Set(backups), answer });
    for (const b of backups) this.ctx.send(b, { t: 'replicate', write });
    if (backups.length === 0) answer({ ok: true });
  }

  private apply(w: Write): void {
    if (w.origin) this.performed.add(w.origin);
    this.kv.set(w.key, w);
    this.seq = Math.max(this.seq, w.seq);
  }
}

/** The system the simulator runs: nodes, and the register/kv workloads' ops as requests. */
export const registerSystem: SimSystem<Msg, Rec, Request, Reply> = {
  node: (ctx, disk) => new RegisterNode(ctx, disk),
  request: (op: OpSpec): Request => ({ f: op.f as Request['f'], key: op.key ?? '', value: op.value ?? null }),
  completion: (op: OpSpec, reply: Reply): Completion => {
    if (!reply.ok) return { type: 'fail', error: reply.error };
    return op.f === 'read' ? { type: 'ok', value: reply.value ?? null } : { type: 'ok' };
  },
  readOnly: ['read'],
};
