/**
 * The run's network on the engine: one user-defined bridge with a fixed /24 subnet from a pool
 * (10.213.0.0/16, chosen to stay clear of Docker's default 172.17+ ranges) that overlaps no
 * existing network, and static node addresses (.10, .11, ...), so a restarted container keeps
 * its address and the iptables rules naming it stay right. Also: splitting the engine's
 * multiplexed log stream, and saying why a node's published port does not answer.
 */
import type Docker from 'dockerode';
import { execIn } from './docker-engine.js';

const POOL_PREFIX = '10.213';
const FIRST_HOST = 10;

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** [first, last] address of a CIDR as integers; null for non-IPv4. */
export function cidrRange(cidr: string): [number, number] | null {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  if (!m) return null;
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  const first = Math.floor(ipToInt(m[1]) / size) * size;
  return [first, first + size - 1];
}

export function overlaps(a: string, b: string): boolean {
  const ra = cidrRange(a);
  const rb = cidrRange(b);
  return ra !== null && rb !== null && ra[0] <= rb[1] && rb[0] <= ra[1];
}

/** The pool's /24 subnets that overlap none of `taken`, in order. */
export function freeSubnets(taken: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < 256; i++) {
    const s = `${POOL_PREFIX}.${i}.0/24`;
    if (!taken.some((t) => overlaps(s, t))) out.push(s);
  }
  return out;
}

/** Static address of the i-th node in a /24 subnet. */
export function nodeAddress(subnet: string, i: number): string {
  if (i < 0 || FIRST_HOST + i > 254) throw new RangeError(`node index ${i} does not fit a /24 subnet`);
  return subnet.replace(/\.0\/24$/, `.${FIRST_HOST + i}`);
}

/**
 * Creates the run's bridge network on a free subnet, retrying the next one when another run
 * took it in between (the engine refuses overlapping pools).
 */
export async function createRunNetwork(docker: Docker, name: string, labels: Record<string, string>): Promise<{ id: string; subnet: string }> {
  const taken = (await docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter(Boolean);
  let last: unknown = null;
  for (const subnet of freeSubnets(taken).slice(0, 8)) {
    try {
      const net = await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: labels,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: subnet.replace(/\.0\/24$/, '.1') }] },
      });
      return { id: net.id, subnet };
    } catch (err) {
      last = err;
      if (!/overlap/i.test((err as Error).message)) throw err;
    }
  }
  throw new Error(`no free subnet in ${POOL_PREFIX}.0.0/16 for the run network: ${(last as Error | null)?.message ?? 'all taken'}`);
}

/** Splits a non-TTY container log (8-byte frame headers) into stdout and stderr. */
export function demuxLogs(buf: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const kind = buf[at];
    const size = buf.readUInt32BE(at + 4);
    const body = buf.subarray(at + 8, at + 8 + size);
    (kind === 2 ? err : out).push(body);
    at += 8 + size;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/** How long the probe inside the container waits for the node's answer. */
const INSIDE_PROBE_MS = 3_000;

/**
 * Why a node's published client port gives no answer, in one line: the container's state, its
 * last output, and whether the node answers on its own port inside (a dead node vs a broken
 * port publication).
 */
export async function whyNoAnswer(container: Docker.Container, port: number): Promise<string> {
  const logs = demuxLogs((await container.logs({ stdout: true, stderr: true, tail: 5 })) as unknown as Buffer);
  const st = (await container.inspect()).State;
  const tail = Buffer.concat([logs.stdout, logs.stderr]).toString().trim().split('\n').slice(-3).join(' | ');
  // A deadline of its own: a port can accept and never answer (an etcd member that cannot reach
  // a quorum serves no client yet), and this diagnosis must not hang the run it explains.
  const probe = `fetch('http://127.0.0.1:${port}/status', { signal: AbortSignal.timeout(${INSIDE_PROBE_MS}) }).then((r) => console.log('answers inside: HTTP', r.status), (e) => console.log('no answer inside either:', e.cause?.code ?? e.message))`;
  const inside = st.Running ? await execIn(container, ['node', '-e', probe]).then((r) => r.stdout.trim(), () => '') : '';
  return `container ${container.id.slice(0, 12)} ${st.Status}${st.Running ? '' : ` (exit ${st.ExitCode})`}${inside ? `, ${inside}` : ''}; last output: ${tail || '(none)'}`;
}
