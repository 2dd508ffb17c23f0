/**
 * Network faults inside one container, as shell commands for `docker exec`: the whole desired
 * state of a node (which peers it drops = its part of the grudge; how each of its outgoing
 * links is shaped) becomes one script, applied idempotently. Partitions are
 * iptables DROP rules in INPUT, loaded with iptables-restore (one commit, so healing or
 * changing a partition never opens a window where all traffic passes). Link shapes are tc
 * netem qdiscs under an htb qdisc with one class per shaped destination; where the kernel has
 * no sch_netem, loss alone can be done with iptables' statistic match in OUTPUT, and delay is
 * refused (see docker.ts preflight).
 */
import type { LinkShape } from '../../ground/runtime.js';

/** The one network interface of a node container (it is attached to the run's network only). */
export const IFACE = 'eth0';
/** htb classes 1:2.. carry shaped links (1:1 is the default class). */
export const MAX_SHAPED_LINKS = 250;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function assertIp(ip: string): void {
  const m = IPV4.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
}

export interface NodeNetState {
  /** Source addresses whose packets this node drops (its part of the grudge). */
  dropFrom: string[];
  /** Outgoing links with a shape: destination address -> shape. */
  shapes: Array<{ to: string; shape: LinkShape }>;
}

function assertShape(s: LinkShape): void {
  for (const [k, v] of Object.entries(s)) if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`link shape ${k} must be a finite number >= 0, got ${v}`);
  if (s.lossPct > 100) throw new RangeError(`link shape lossPct must be <= 100, got ${s.lossPct}`);
}

/** The iptables-restore input for a node's filter table (replaces the whole table at once). */
export function iptablesRules(state: NodeNetState, useNetem: boolean): string[] {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  for (const ip of state.dropFrom) {
    assertIp(ip);
    lines.push(`-A INPUT -s ${ip}/32 -j DROP`);
  }
  if (!useNetem) {
    for (const { to, shape } of state.shapes) {
      assertIp(to);
      assertShape(shape);
      if (shape.delayMs > 0 || shape.jitterMs > 0) throw new Error(`delaying packets needs tc netem (kernel module sch_netem), which this engine's kernel lacks`);
      if (shape.lossPct > 0) lines.push(`-A OUTPUT -d ${to}/32 -m statistic --mode random --probability ${(shape.lossPct / 100).toFixed(4)} -j DROP`);
    }
  }
  lines.push('COMMIT');
  return lines;
}

/** tc commands that replace the node's egress qdiscs with its link shapes (netem kernels only). */
export function tcCommands(state: NodeNetState): string[] {
  for (const { to, shape } of state.shapes) {
    assertIp(to);
    assertShape(shape);
  }
  const shaped = state.shapes.filter(({ shape }) => shape.delayMs > 0 || shape.jitterMs > 0 || shape.lossPct > 0);
  if (shaped.length > MAX_SHAPED_LINKS) throw new RangeError(`at most ${MAX_SHAPED_LINKS} shaped links per node, got ${shaped.length}`);
  const cmds = [`tc qdisc del dev ${IFACE} root 2>/dev/null || true`];
  if (shaped.length === 0) return cmds;
  // htb, not prio: some kernels (this project's CI machine's) have no sch_prio. The rates are
  // far above any link's, so htb only classifies; r2q keeps its quantum in range.
  cmds.push(`tc qdisc add dev ${IFACE} root handle 1: htb default 1 r2q 10000`);
  cmds.push(`tc class add dev ${IFACE} parent 1: classid 1:1 htb rate 10gbit`);
  shaped.forEach(({ to, shape }, i) => {
    const cls = (i + 2).toString(16);
    const netem = ['netem'];
    if (shape.delayMs > 0 || shape.jitterMs > 0) netem.push(`delay ${Math.round(shape.delayMs)}ms${shape.jitterMs > 0 ? ` ${Math.round(shape.jitterMs)}ms` : ''}`);
    if (shape.lossPct > 0) netem.push(`loss ${shape.lossPct}%`);
    cmds.push(`tc class add dev ${IFACE} parent 1: classid 1:${cls} htb rate 10gbit`);
    cmds.push(`tc qdisc add dev ${IFACE} parent 1:${cls} handle ${(i + 0x10).toString(16)}: ${netem.join(' ')}`);
    cmds.push(`tc filter add dev ${IFACE} parent 1: protocol ip prio 1 u32 match ip dst ${to}/32 flowid 1:${cls}`);
  });
  return cmds;
}

/**
 * The exec argv that puts a node into `state`: tc first (netem kernels), then the filter
 * table in one iptables-restore commit. Rule lines travel as arguments, never through quoting.
 */
export function applyCommand(state: NodeNetState, useNetem: boolean): string[] {
  const rules = iptablesRules(state, useNetem);
  const tc = useNetem ? tcCommands(state) : [];
  const script = ['set -e', ...tc, 'printf "%s\\n" "$@" | iptables-restore -w'].join('\n');
  return ['sh', '-c', script, 'sh', ...rules];
}

/** The probe run in a throwaway container to learn whether the engine's kernel has netem. */
export const NETEM_PROBE = ['sh', '-c', 'tc qdisc add dev lo root netem delay 1ms && tc qdisc del dev lo root'];
