/**
 * Free loopback ports for node listeners. Nodes keep their ports across kill/restart (peers and
 * proxies point at them), so they come from BELOW the kernel's ephemeral range: an outgoing
 * connection can then never take a killed node's port before it restarts. Each candidate is
 * checked by binding it; ports handed out by this process are never handed out twice.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';

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

export async function allocatePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const top = ephemeralStart();
  const span = top - LOWEST;
  if (cursor < 0) cursor = (process.pid * 7919) % span;
  const out: number[] = [];
  for (let tried = 0; out.length < count; tried++) {
    if (tried > span) throw new Error(`no free port in ${LOWEST}..${top - 1} on ${host}`);
    const port = LOWEST + (cursor++ % span);
    if (handedOut.has(port) || !(await canBind(host, port))) continue;
    handedOut.add(port);
    out.push(port);
  }
  return out;
}

/** Gives ports back (at teardown) so a long-lived process does not run out. */
export function releasePorts(ports: number[]): void {
  for (const p of ports) handedOut.delete(p);
}
