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
 * Linux only (the local runtime is). Lookups read /proc synchronously: connections between
 * nodes are long-lived, so a few milliseconds per accepted connection is cheap, and a snapshot
 * taken without yielding cannot interleave with another lookup.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

export interface Endpoint {
  address: string;
  port: number;
}

/** Identified: the node. Not identified: why, in words fit for a log line. */
export type Dialler<N extends string> = { node: N; pid: number } | { node: null; reason: string };

/** A TCP socket as /proc/net/tcp{,6} lists it. */
export interface TcpRow {
  local: Endpoint;
  remote: Endpoint;
  /** Kernel state, e.g. 01 = ESTABLISHED, 0A = LISTEN. */
  state: string;
  inode: number;
}

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

/** "0100007F:1F90" (tcp) or 32 hex digits + port (tcp6): each 32-bit word is printed in host byte order. */
function parseProcEndpoint(text: string): Endpoint {
  const [hex, portHex] = text.split(':');
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) {
    const word = parseInt(hex.slice(i, i + 8), 16);
    const be = [word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255, word & 255];
    bytes.push(...(LITTLE_ENDIAN ? be.reverse() : be));
  }
  let address: string;
  if (bytes.length === 4) address = bytes.join('.');
  else {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    address = canonicalAddress(groups.join(':'));
  }
  return { address, port: parseInt(portHex, 16) };
}

/** Every TCP socket of this network namespace (IPv4 and IPv6 tables). */
export function tcpTable(): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      rows.push({ local: parseProcEndpoint(f[1]), remote: parseProcEndpoint(f[2]), state: f[3], inode: Number(f[9]) });
    }
  }
  return rows;
}

/**
 * The inode of the socket whose local end is `client` and remote end `server`, i.e. the
 * dialler's end of a connection the proxy accepted; null when it is gone (closed already).
 */
export function clientSocketInode(client: Endpoint, server: Endpoint): number | null {
  const ca = canonicalAddress(client.address);
  const sa = canonicalAddress(server.address);
  for (const r of tcpTable()) {
    if (r.local.port === client.port && r.remote.port === server.port && r.local.address === ca && r.remote.address === sa && r.inode !== 0) return r.inode;
  }
  return null;
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
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (comm) may hold spaces and parentheses: split after its last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z') return null; // a zombie holds no files
  return { pid, ppid: Number(f[1]), pgrp: Number(f[2]), start: f[19] };
}

function allProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const p = procInfo(Number(d));
    if (p) out.push(p);
  }
  return out;
}

/** Whether `pid`'s file descriptor table holds socket `inode`. Unreadable (gone, not ours): no. */
function holdsSocket(pid: number, inode: number): boolean {
  const want = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === want) return true;
    } catch {
      // closed while we looked
    }
  }
  return false;
}

/** `pid`'s name and command line, for a log line about a connection nobody owns. */
function describeProcess(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return `pid ${pid} (${cmd.length > 80 ? `${cmd.slice(0, 77)}...` : cmd})`;
  } catch {
    return `pid ${pid}`;
  }
}

/**
 * Maps accepted connections to the node that dialled them. `setPid` registers the process the
 * runtime started for a node (again after every restart); a node without a pid (down, not yet
 * started) owns nothing.
 */
export class DiallerIndex<N extends string> {
  /** node -> its root pid and that pid's start time (a pid reused by another process is not the node). */
  private readonly roots = new Map<N, { pid: number; start: string }>();
  /**
   * node -> the pid that held its last identified socket: searched first next time. Only an
   * ordering hint (every answer is read from /proc), so it is always safe to keep.
   */
  private readonly lastOwner = new Map<N, number>();

  setPid(node: N, pid: number | null): void {
    this.lastOwner.delete(node);
    if (pid === null) return void this.roots.delete(node);
    const info = procInfo(pid);
    if (!info) throw new Error(`node ${node}: no live process ${pid}`);
    this.roots.set(node, { pid, start: info.start });
  }

  pidOf(node: N): number | null {
    return this.roots.get(node)?.pid ?? null;
  }

  /**
   * The node whose process tree holds the client end of the connection from `client` to
   * `server` (the accepted socket's remote and local endpoints).
   */
  identify(client: Endpoint, server: Endpoint): Dialler<N> {
    const inode = clientSocketInode(client, server);
    if (inode === null) return { node: null, reason: `no socket ${client.address}:${client.port} -> ${server.address}:${server.port} in /proc/net/tcp (closed already, or not on this host)` };
    const procs = allProcs();
    const members = this.members(procs);
    // The hinted pids first: usually the node's main process holds all its sockets.
    for (const [node, pid] of this.lastOwner) {
      if (members.get(pid) === node && holdsSocket(pid, inode)) return { node, pid };
    }
    for (const [pid, node] of members) {
      if (holdsSocket(pid, inode)) {
        this.lastOwner.set(node, pid);
        return { node, pid };
      }
    }
    // Nobody's: say whose it is, so a user can tell a stray client from a node we failed to track.
    const owner = procs.find((p) => holdsSocket(p.pid, inode));
    const whose = owner ? `owned by ${describeProcess(owner.pid)}, in no node's process tree` : 'owned by no process we can read';
    return { node: null, reason: `socket ${client.address}:${client.port} (inode ${inode}) ${whose}` };
  }

  /** pid -> node, for every live process in a node's tree (descendants of its root, or in its process group). */
  private members(procs: ProcInfo[]): Map<number, N> {
    const children = new Map<number, number[]>();
    for (const p of procs) {
      const list = children.get(p.ppid);
      if (list) list.push(p.pid);
      else children.set(p.ppid, [p.pid]);
    }
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const out = new Map<number, N>();
    for (const [node, root] of this.roots) {
      if (byPid.get(root.pid)?.start !== root.start) continue; // exited (or the pid was reused)
      const todo = [root.pid];
      while (todo.length > 0) {
        const pid = todo.pop()!;
        if (out.has(pid)) continue;
        out.set(pid, node);
        todo.push(...(children.get(pid) ?? []));
      }
      for (const p of procs) if (p.pgrp === root.pid && !out.has(p.pid)) out.set(p.pid, node);
    }
    return out;
  }
}
