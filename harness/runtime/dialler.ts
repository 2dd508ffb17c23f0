/**
 * Who dialled: the node whose process tree owns the client end of a loopback TCP connection.
 *
 * The fault proxy has one listener per destination node (every node is given the same peer
 * address list, as etcd's --initial-cluster requires), so the listener no longer says who the
 * SOURCE of a connection is; partitions and packet faults act per directed link, so the proxy
 * must know. The kernel does: the client end's (address, port) is a row of /proc/net/tcp (or
 * tcp6) whose inode names the socket, and the process holding that socket has a
 * `/proc/<pid>/fd/N -> socket:[inode]` link. That pid belongs to a node when it is the pid the
 * runtime started or a descendant of it (nodes may run under a wrapper: faketime, a shell), or
 * sits in its process group (the runtime starts each node as a group leader; a descendant whose
 * parent died is re-parented away but stays in the group).
 *
 * Linux only (the local runtime is). Connections between nodes are long-lived, so a lookup per
 * accepted connection is affordable, but not on the proxy's event loop: reading /proc/net/tcp
 * alone takes milliseconds on a loaded machine (the kernel walks its socket hash per page), and
 * blocking there delays every byte in flight (a Paxos heartbeat late past an election timeout).
 * So the TCP tables are read asynchronously, and lookups made together share one batch.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * Identified: the node. Not identified: why, in words fit for a log line; `gone` when the
 * client end no longer exists (closed, or its process killed, before the lookup read the table).
 */
export type Dialler<N extends string> = { node: N; pid: number } | { node: null; reason: string; gone?: boolean };

const LITTLE_ENDIAN = os.endianness() === 'LE';

/**
 * Normalizes an address as Node's net module and /proc render it to one spelling: dotted IPv4
 * for IPv4 and IPv4-mapped IPv6 (a dual-stack socket dialling 127.0.0.1 is listed in tcp6 as
 * ::ffff:127.0.0.1), compressed lower-case IPv6 otherwise.
 */
export function canonicalAddress(addr: string): string {
  if (!addr.includes(':')) return addr;
  const host = new URL(`http://[${addr.replace(/^\[|\]$/g, '')}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}

/** The address's bytes: 4 for IPv4, 16 for IPv6 (IPv4-mapped addresses as IPv4). */
function addressBytes(addr: string): number[] {
  const c = canonicalAddress(addr);
  if (!c.includes(':')) return c.split('.').map(Number);
  const [head, tail] = c.includes('::') ? c.split('::') : [c, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]);
}

/** An endpoint as /proc/net/tcp{,6} prints it: each 32-bit word of the address in host byte order, then ":PORT", hex upper case. */
function procHex(bytes: number[], port: number): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    for (const b of LITTLE_ENDIAN ? word.reverse() : word) out += b.toString(16).padStart(2, '0');
  }
  return `${out}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
}

/** Both spellings of an endpoint: in /proc/net/tcp (IPv4 only) and in /proc/net/tcp6. */
function procSpellings(e: Endpoint): { tcp: string | null; tcp6: string } {
  const b = addressBytes(e.address);
  if (b.length === 4) return { tcp: procHex(b, e.port), tcp6: procHex([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, ...b], e.port) };
  return { tcp: null, tcp6: procHex(b, e.port) };
}

/** The inode of the row whose local and remote ends are as given, in one table's text; null if none. */
export function findInode(table: string, local: string, remote: string): number | null {
  const at = table.indexOf(` ${local} ${remote} `);
  if (at < 0) return null;
  const end = table.indexOf('\n', at);
  const f = table.slice(at, end < 0 ? undefined : end).trim().split(/\s+/);
  // local remote st tx:rx tr:when retrnsmt uid timeout inode
  const inode = Number(f[8]);
  return Number.isSafeInteger(inode) && inode > 0 ? inode : null;
}

interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  start: string;
}

function procInfo(pid: number): ProcInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // Field 2 (comm) may hold spaces and parentheses: split after its last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z') return null; // a zombie holds no files
  return { pid, ppid: Number(f[1]), pgrp: Number(f[2]), start: f[19] };
}

/**
 * The live processes, from `cache` where it knows the pid: a pid's parent, group and start
 * time are read once (reading every /proc/<pid>/stat takes ~10 ms on a loaded machine). The
 * cache only picks the processes whose descriptors are searched; the owner found is checked
 * against fresh reads (nodeOfFresh), so a stale entry (a re-parented process, a pid reused)
 * can cost a refusal, never a wrong link.
 */
function liveProcs(cache: Map<number, ProcInfo>): ProcInfo[] {
  const live = new Set<number>();
  for (const d of readdirSync('/proc')) if (/^\d+$/.test(d)) live.add(Number(d));
  for (const pid of cache.keys()) if (!live.has(pid)) cache.delete(pid);
  const out: ProcInfo[] = [];
  for (const pid of live) {
    let p = cache.get(pid) ?? null;
    if (!p) {
      p = procInfo(pid);
      if (p) cache.set(pid, p);
    }
    if (p) out.push(p);
  }
  return out;
}

/** The socket inodes in `pid`'s file descriptor table (none when unreadable: gone, not ours). */
function socketsOf(pid: number): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const fd of fds) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) out.push(Number(link.slice(8, -1)));
    } catch {
      // closed while we looked
    }
  }
  return out;
}

/** `pid`'s command line, for a log line about a connection nobody owns. */
function describeProcess(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return `pid ${pid} (${cmd.length > 80 ? `${cmd.slice(0, 77)}...` : cmd})`;
  } catch {
    return `pid ${pid}`;
  }
}

interface Lookup<N extends string> {
  client: Endpoint;
  server: Endpoint;
  resolve: (d: Dialler<N>) => void;
}

/**
 * Maps accepted connections to the node that dialled them. `setPid` registers the process the
 * runtime started for a node (again after every restart); a node without a pid (down, not yet
 * started) owns nothing.
 *
 * Lookups are batched: every lookup queued before a batch starts is answered by one read of the
 * TCP tables (asynchronous: the slow part, done by the kernel) and one synchronous pass over the
 * process table and the node processes' descriptors (a few milliseconds), so a burst of
 * connections (a heal, a restart) costs about one lookup. Cached across batches: each node's
 * root pid and start time, and each process's parent, group and start (see liveProcs); never
 * descriptors, and every answer is checked against fresh reads of the owner's ancestry.
 */
export class DiallerIndex<N extends string> {
  private readonly roots = new Map<N, { pid: number; start: string }>();
  private readonly procs = new Map<number, ProcInfo>();
  private pending: Array<Lookup<N>> = [];
  private scheduled = false;

  /** Registers `node`'s process; its start time is read now, so a dial right after spawn counts. */
  setPid(node: N, pid: number | null): void {
    if (pid === null) return void this.roots.delete(node);
    const info = procInfo(pid);
    // Exited already (a node that dies on start): it owns nothing; the runtime reports the exit.
    if (!info) return void this.roots.delete(node);
    this.roots.set(node, { pid, start: info.start });
  }

  pidOf(node: N): number | null {
    return this.roots.get(node)?.pid ?? null;
  }

  /**
   * The node whose process tree holds the client end of the connection from `client` to
   * `server` (the accepted socket's remote and local endpoints). Never rejects.
   */
  identify(client: Endpoint, server: Endpoint): Promise<Dialler<N>> {
    return new Promise((resolve) => {
      this.pending.push({ client, server, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        // A batch starts after the lookups queued in this turn: its reads list their sockets.
        setImmediate(() => void this.runBatch());
      }
    });
  }

  private async runBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const inodes = await this.inodes(batch);
      const answers = this.owners(batch, inodes);
      batch.forEach((l, i) => l.resolve(answers[i]));
    } catch (e) {
      for (const l of batch) l.resolve({ node: null, reason: `lookup failed: ${(e as Error).message}` });
    } finally {
      this.scheduled = false;
      if (this.pending.length > 0) {
        this.scheduled = true;
        setImmediate(() => void this.runBatch());
      }
    }
  }

  /** Each lookup's client socket inode, or null when it is gone (closed already). */
  private async inodes(batch: Array<Lookup<N>>): Promise<Array<number | null>> {
    const spell = batch.map((l) => ({ c: procSpellings(l.client), s: procSpellings(l.server) }));
    const out: Array<number | null> = batch.map(() => null);
    if (spell.some((x) => x.c.tcp !== null && x.s.tcp !== null)) {
      const tcp = await readFile('/proc/net/tcp', 'latin1');
      spell.forEach((x, i) => {
        if (x.c.tcp !== null && x.s.tcp !== null) out[i] = findInode(tcp, x.c.tcp, x.s.tcp);
      });
    }
    if (out.some((x) => x === null)) {
      // A dual-stack socket dialling 127.0.0.1 is listed in tcp6, as ::ffff:127.0.0.1.
      const tcp6 = await readFile('/proc/net/tcp6', 'latin1').catch(() => ''); // no IPv6 in this kernel
      spell.forEach((x, i) => {
        if (out[i] === null) out[i] = findInode(tcp6, x.c.tcp6, x.s.tcp6);
      });
    }
    return out;
  }

  private owners(batch: Array<Lookup<N>>, inodes: Array<number | null>): Array<Dialler<N>> {
    const procs = liveProcs(this.procs);
    const holders = new Map<number, Array<{ pid: number; node: N }>>();
    for (const [pid, node] of this.members(procs)) {
      for (const inode of socketsOf(pid)) {
        const list = holders.get(inode);
        if (list) list.push({ pid, node });
        else holders.set(inode, [{ pid, node }]);
      }
    }
    return batch.map(({ client, server }, i) => {
      const inode = inodes[i];
      if (inode === null) return { node: null, gone: true, reason: `no socket ${client.address}:${client.port} -> ${server.address}:${server.port} in /proc/net/tcp (closed already)` };
      const owners = (holders.get(inode) ?? []).filter((o) => this.nodeOfFresh(o.pid) === o.node);
      const nodes = new Set(owners.map((o) => o.node));
      if (nodes.size === 1) return { node: owners[0].node, pid: owners[0].pid };
      // Shared by two nodes' processes (inherited across a fork): no single source to blame.
      if (nodes.size > 1) return { node: null, reason: `socket ${client.address}:${client.port} (inode ${inode}) is held by processes of several nodes: ${owners.map((o) => `${o.node} pid ${o.pid}`).join(', ')}` };
      // Nobody's: say whose it is, so a user can tell a stray client from a node we failed to track.
      const owner = procs.find((p) => socketsOf(p.pid).includes(inode));
      const whose = owner ? `owned by ${describeProcess(owner.pid)}, in no node's process tree` : 'owned by no process we can read';
      return { node: null, reason: `socket ${client.address}:${client.port} (inode ${inode}) ${whose}` };
    });
  }

  /** The node `pid` belongs to, from fresh reads of its ancestry (the rule of members()). */
  private nodeOfFresh(pid: number): N | null {
    const rootOf = new Map<number, N>();
    for (const [node, root] of this.roots) rootOf.set(root.pid, node);
    const me = procInfo(pid);
    const seen = new Set<number>();
    for (let q = me; q && !seen.has(q.pid); q = q.ppid > 0 ? procInfo(q.ppid) : null) {
      seen.add(q.pid);
      const node = rootOf.get(q.pid);
      if (node !== undefined) return this.roots.get(node)!.start === q.start ? node : null;
    }
    const byGroup = me ? rootOf.get(me.pgrp) : undefined;
    if (byGroup === undefined) return null;
    return procInfo(this.roots.get(byGroup)!.pid)?.start === this.roots.get(byGroup)!.start ? byGroup : null;
  }

  /**
   * pid -> node, for every live process in a node's tree: the node of its nearest registered
   * ancestor (itself included), so a node started by another registered process (a test, a
   * supervisor) is still told apart; failing that, the node whose process group it is in.
   */
  private members(procs: ProcInfo[]): Map<number, N> {
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const rootOf = new Map<number, N>();
    for (const [node, root] of this.roots) {
      if (byPid.get(root.pid)?.start === root.start) rootOf.set(root.pid, node); // else exited, or the pid was reused
    }
    const out = new Map<number, N>();
    if (rootOf.size === 0) return out;
    for (const p of procs) {
      let node: N | undefined;
      const seen = new Set<number>();
      for (let q: ProcInfo | undefined = p; q && !seen.has(q.pid); q = byPid.get(q.ppid)) {
        seen.add(q.pid);
        node = rootOf.get(q.pid) ?? out.get(q.pid);
        if (node !== undefined) break;
      }
      node ??= rootOf.get(p.pgrp);
      if (node !== undefined) out.set(p.pid, node);
    }
    return out;
  }
}
