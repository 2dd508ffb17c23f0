/**
 * Free loopback ports for node listeners. Nodes keep their ports across kill/restart (peers and
 * proxies point at them), so they come from BELOW the kernel's ephemeral range: an outgoing
 * connection can then never take a killed node's port before it restarts. Each candidate is
 * checked by binding it; ports handed out by this process are never handed out twice.
 * Across processes, a port handed out is reserved by a file `/tmp/jepsen-ts-ports/<port>`
 * holding the harness's pid (created exclusively and whole; one directory per machine whatever TMPDIR
 * says, since ports are per machine: e2e tests give every CLI call a TMPDIR of its own, and
 * reservations under it protected nothing, so two runs shared a port in CI): between the bind check and the node's own
 * listen, or while a killed node is down, another harness on this machine would otherwise take
 * it, and its clients would talk to our node (two concurrent runs did: a correct build judged
 * INVALID). A reservation whose pid is dead is taken over, and every allocation first removes
 * all such (a SIGKILLed harness releases nothing: its reservations would pile up). The reservation comes BEFORE the bind
 * check: probing a port another harness reserved binds it for a moment, and a node of that
 * harness starting in that moment fails with EADDRINUSE (it happened in CI).
 */
import net from 'node:net';
import { chmodSync, linkSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pidAlive } from './sweep.js';

const handedOut = new Set<number>();
const LOWEST = 10_000;

function ephemeralStart(): number {
  try {
    const [lo] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && lo > LOWEST + 1000) return lo;
  } catch {
    // not Linux: fall through to the IANA dynamic range start
  }
  return 32_768;
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

// Different harness processes start their scan at different places, so concurrent runs rarely
// race for the same candidate.
let cursor = -1;

/** Where reservations live (JEPSEN_TS_PORT_DIR overrides, for tests). */
const reservationDir = () => process.env.JEPSEN_TS_PORT_DIR ?? '/tmp/jepsen-ts-ports';

/** The pid a reservation names; NaN when unreadable (half-written, or removed meanwhile). */
function holderOf(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return NaN;
  }
}

const heldByLive = (pid: number) => Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid);

/** Removes the reservations whose harness is gone; returns their ports. */
export function sweepPortReservations(): number[] {
  const dir = reservationDir();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no reservation made yet on this machine
  }
  const swept: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || handedOut.has(Number(name))) continue;
    const file = path.join(dir, name);
    const pid = holderOf(file);
    if (Number.isNaN(pid) || heldByLive(pid)) continue; // NaN: maybe being written right now
    try {
      unlinkSync(file);
      swept.push(Number(name));
    } catch {
      // another harness swept or took it first
    }
  }
  return swept;
}

/** Reserves `port` for this process; false when a live process holds it. */
function reserve(port: number): boolean {
  const dir = reservationDir();
  if (mkdirSync(dir, { recursive: true }) !== undefined) chmodSync(dir, 0o1777); // every user's harnesses share it, like /tmp
  const file = path.join(dir, String(port));
  // Written whole under a private name, then linked into place (link fails if the name exists):
  // a reservation is never seen empty, so a sweep cannot mistake one being made for a dead one.
  const draft = path.join(dir, `.${port}.${process.pid}`);
  writeFileSync(draft, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(draft, file);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (heldByLive(holderOf(file))) return false; // NaN (removed meanwhile): try again
      try {
        unlinkSync(file); // a dead harness's reservation
      } catch {
        // another harness took it over first
      }
    }
  } finally {
    unlinkSync(draft);
  }
  return false;
}

export async function allocatePorts(count: number, host = '127.0.0.1', from?: number): Promise<number[]> {
  sweepPortReservations();
  const top = ephemeralStart();
  const span = top - LOWEST;
  if (from !== undefined) cursor = from - LOWEST;
  if (cursor < 0) cursor = (process.pid * 7919) % span;
  const out: number[] = [];
  for (let tried = 0; out.length < count; tried++) {
    if (tried > span) throw new Error(`no free port in ${LOWEST}..${top - 1} on ${host}`);
    const port = LOWEST + (cursor++ % span);
    if (handedOut.has(port) || !reserve(port)) continue;
    handedOut.add(port);
    if (!(await canBind(host, port))) {
      releasePorts([port]); // bound by something outside any harness
      continue;
    }
    out.push(port);
  }
  return out;
}

/** Gives ports back (at teardown) so a long-lived process does not run out. */
export function releasePorts(ports: number[]): void {
  for (const p of ports) {
    if (!handedOut.delete(p)) continue;
    try {
      unlinkSync(path.join(reservationDir(), String(p)));
    } catch {
      // already gone
    }
  }
}
