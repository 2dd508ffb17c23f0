/**
 * The docker runtime's packet faults on a real kernel that has sch_netem. This project's CI
 * kernel has none, so the tc commands that harness/runtime/docker-rules.ts builds (an htb root,
 * one class + netem leaf + u32 filter per shaped destination) would otherwise never run
 * anywhere. Here they run, exactly as `tcCommands` returns them, inside a User-mode Linux guest
 * (Debian's `user-mode-linux`: a 6.1 kernel as an ordinary process, its modules loaded with
 * insmod) whose root is the host's filesystem, read-only. The guest script
 * (netem-uml-init.sh) builds a private veth link, eth0 10.213.0.10 -> peers .11/.12/.13, that
 * exists only inside the guest, and measures each link with ping while the plan below changes
 * the node's state: unshaped, then shaped, then replaced, then cleared. Before that it runs
 * the docker runtime's netem preflight probe (NETEM_PROBE), which must pass on such a kernel.
 * One boot, ~15-20 s.
 *
 * Needs user-mode-linux, kmod, iproute2 and iputils-ping (all installed by .ci/run). Without
 * them the file prints why and skips, unless JEPSEN_TS_REQUIRE_DOCKER=1 (CI), where it fails.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkShape } from '../../ground/runtime.js';
import { NETEM_PROBE, tcCommands, type NodeNetState } from '../../harness/runtime/docker-rules.js';
import { PACKET_BEHAVIOURS } from '../../nemesis/packet.js';

const UML = '/usr/bin/linux.uml';
const GUEST_INIT = resolve(import.meta.dirname, 'netem-uml-init.sh');
/** What the guest runs, from the host's filesystem, and the Debian package that brings it. */
const NEEDS: Array<[string, string]> = [
  [UML, 'user-mode-linux'], ['/usr/lib/uml/modules', 'user-mode-linux'], ['/usr/sbin/insmod', 'kmod'],
  ['/usr/sbin/tc', 'iproute2'], ['/usr/sbin/ip', 'iproute2'], ['/usr/bin/ping', 'iputils-ping'],
];

function skipReason(): string | null {
  const missing = NEEDS.filter(([path]) => !existsSync(path));
  if (missing.length === 0) return null;
  const reason = `missing ${missing.map(([p, pkg]) => `${p} (apt-get install ${pkg})`).join(', ')}`;
  if (process.env.JEPSEN_TS_REQUIRE_DOCKER === '1') throw new Error(`JEPSEN_TS_REQUIRE_DOCKER=1 but the netem kernel test cannot run: ${reason}`);
  console.warn(`SKIPPED test/docker/netem-kernel.test.ts: ${reason}`);
  return reason;
}
const skip = skipReason();

/** The guest's addresses (netem-uml-init.sh): the node is .10 on eth0. */
const DELAYED = '10.213.0.11';
const LOSSY = '10.213.0.12';
const UNSHAPED = '10.213.0.13';
const PEERS = [DELAYED, LOSSY, UNSHAPED];
const NONE: LinkShape = { delayMs: 0, jitterMs: 0, lossPct: 0 };
/** A link counts as unshaped when its median RTT stays under this (the bare veth: ~0.1 ms). */
const UNSHAPED_MAX_MS = 25;
/** How far above the configured delay a median may be: the guest's timers are coarse, the host busy. */
const SLACK_MS = 30;

interface Probe { to: string; count: number; intervalS: number }
interface Phase { name: string; state: NodeNetState; probes: Probe[] }

const quick = (to: string): Probe => ({ to, count: 10, intervalS: 0.02 });
const PLAN: Phase[] = [
  { name: 'before', state: { dropFrom: [], shapes: [] }, probes: [quick(DELAYED), quick(LOSSY), quick(UNSHAPED)] },
  {
    name: 'shaped',
    state: {
      dropFrom: [],
      shapes: [
        { to: DELAYED, shape: { ...NONE, delayMs: 100, jitterMs: 10 } },
        { to: LOSSY, shape: { ...NONE, lossPct: 30 } },
        { to: UNSHAPED, shape: NONE },
      ],
    },
    probes: [{ to: DELAYED, count: 40, intervalS: 0.05 }, { to: LOSSY, count: 200, intervalS: 0.01 }, quick(UNSHAPED)],
  },
  // Applying a new state replaces the old one whole: the delay moves, the loss is gone.
  { name: 'replaced', state: { dropFrom: [], shapes: [{ to: LOSSY, shape: { ...NONE, delayMs: 50 } }] }, probes: [quick(DELAYED), { to: LOSSY, count: 40, intervalS: 0.05 }, quick(UNSHAPED)] },
  // What the packet nemesis really applies: each of its behaviours on one link at once.
  {
    name: 'nemesis',
    state: { dropFrom: [], shapes: PACKET_BEHAVIOURS.map((shape, i) => ({ to: PEERS[i], shape })) },
    probes: PACKET_BEHAVIOURS.map((shape, i) => (shape.lossPct > 0 ? { to: PEERS[i], count: 200, intervalS: 0.01 } : { to: PEERS[i], count: 60, intervalS: 0.05 })),
  },
  { name: 'cleared', state: { dropFrom: [], shapes: [] }, probes: [quick(DELAYED), quick(LOSSY), quick(UNSHAPED)] },
];

/**
 * The guest's plan file: first the docker runtime's netem probe (the preflight that decides
 * whether `--nemesis packet` may run), then per phase the production tc commands on stdin of
 * `apply`, then the probes.
 */
function planScript(): string {
  expect(NETEM_PROBE.slice(0, 2)).toEqual(['sh', '-c']);
  expect(NETEM_PROBE).toHaveLength(3);
  const preflight = [`apply netem-probe <<'JT_EOF'`, NETEM_PROBE[2], 'JT_EOF'].join('\n');
  return preflight + '\n' + PLAN.map(({ name, state, probes }) => {
    const tc = tcCommands(state);
    expect(tc).not.toContain('JT_EOF');
    return [`apply ${name} <<'JT_EOF'`, ...tc, 'JT_EOF', ...probes.map((p) => `probe ${name} ${p.to} ${p.count} ${p.intervalS}`)].join('\n');
  }).join('\n') + '\n';
}

/** One probe's outcome: quantiles of the RTTs of distinct replies, in ms (NaN when none came back). */
interface Measured { sent: number; received: number; lossPct: number; min: number; median: number; iqr: number; max: number }

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function measure(sent: number, rttBySeq: Map<number, number>): Measured {
  const rtts = [...rttBySeq.values()].sort((a, b) => a - b);
  const received = rtts.length;
  return {
    sent, received, lossPct: (100 * (sent - received)) / sent,
    min: quantile(rtts, 0), median: quantile(rtts, 0.5), iqr: quantile(rtts, 0.75) - quantile(rtts, 0.25), max: quantile(rtts, 1),
  };
}

/** Parses the guest's "@@" lines: applied phases, qdisc listings, replies and probe counts. */
function parse(text: string) {
  const applied = new Set<string>();
  const qdiscs = new Map<string, string[]>();
  const replies = new Map<string, Map<number, number>>(); // "phase address" -> seq -> first RTT
  const probes = new Map<string, Measured>();
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    const m = /@@(\S+) (.*)$/.exec(line.trimEnd());
    if (!m) continue;
    const [, kind, rest] = m;
    const [phase, to, a, b] = rest.split(' ');
    if (kind === 'applied') applied.add(rest);
    else if (kind === 'apply-failed' || kind === 'error') errors.push(`${kind} ${rest}`);
    else if (kind === 'qdisc') qdiscs.set(phase, [...(qdiscs.get(phase) ?? []), rest.slice(phase.length + 1)]);
    else if (kind === 'reply') {
      const seqs = replies.get(`${phase} ${to}`) ?? new Map<number, number>();
      if (!seqs.has(Number(a))) seqs.set(Number(a), Number(b)); // a duplicate is not a second reply
      replies.set(`${phase} ${to}`, seqs);
    } else if (kind === 'sent') probes.set(`${phase} ${to}`, measure(Number(a), replies.get(`${phase} ${to}`) ?? new Map()));
  }
  return { applied, qdiscs, probes, errors, done: /@@done/.test(text) };
}

/**
 * Asserts that a probe saw `shape`: its loss within 4 standard deviations of Binomial(sent,
 * lossPct) (at least one lost when lossPct > 0, none when it is 0); its RTTs
 * never below delay - jitter (netem never sends early), its median near the delay, and the
 * middle half spread by at least half the jitter (netem's jitter is uniform over
 * delay ± jitter, whose interquartile range is the jitter itself).
 */
function expectShape(p: Measured, shape: LinkShape, what: string): void {
  const why = `${what}: ${JSON.stringify(p)}`;
  const { delayMs: d, jitterMs: j, lossPct: l } = shape;
  const lost = p.sent - p.received;
  if (l === 0) expect(lost, why).toBe(0);
  else {
    const mean = (p.sent * l) / 100;
    const sd = Math.sqrt(mean * (1 - l / 100));
    expect(lost, why).toBeGreaterThanOrEqual(Math.max(1, mean - 4 * sd));
    expect(lost, why).toBeLessThanOrEqual(mean + 4 * sd);
  }
  if (d === 0 && j === 0) {
    expect(p.median, why).toBeLessThan(UNSHAPED_MAX_MS);
    return;
  }
  expect(p.min, why).toBeGreaterThanOrEqual(Math.max(0, d - j) - 2);
  expect(p.median, why).toBeGreaterThanOrEqual(d - j / 2 - 2);
  expect(p.median, why).toBeLessThan(d + j / 2 + SLACK_MS);
  if (j > 0) expect(p.iqr, why).toBeGreaterThan(j / 2);
}

describe.skipIf(skip !== null)('tcCommands on a real netem kernel (User-mode Linux)', () => {
  let dir = '';
  let out = '';
  let result: ReturnType<typeof parse>;
  const probe = (phase: string, to: string): Measured => {
    const p = result.probes.get(`${phase} ${to}`);
    if (!p) throw new Error(`no probe result for ${phase} ${to}; guest console:\n${out}`);
    return p;
  };

  beforeAll(async () => {
    // Made here, not in the describe body, which runs even when the file is skipped.
    dir = mkdtempSync(join(tmpdir(), 'jt-netem-uml-'));
    const plan = join(dir, 'plan.sh');
    writeFileSync(plan, planScript());
    // Both paths travel on the kernel command line, which splits at whitespace.
    for (const path of [GUEST_INIT, plan]) expect(path, 'a path on the UML kernel command line').not.toMatch(/\s/);
    // The guest's console is our stdout (con0); `quiet` keeps kernel messages out of it.
    // detached: the UML process and its helpers form one process group, killed in finally.
    const child = execa(UML, ['mem=256M', 'rootfstype=hostfs', 'rootflags=/', 'ro', 'quiet', `init=${GUEST_INIT}`, `JT_PLAN=${plan}`, 'con=null', 'con0=null,fd:1'], {
      stdin: 'ignore', all: true, reject: false, timeout: 75_000, detached: true,
    });
    try {
      const r = await child;
      out = r.all ?? '';
      if (r.timedOut) throw new Error(`the UML guest did not power off within 75 s; console:\n${out}`);
    } finally {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* the group has already exited */ }
    }
    result = parse(out);
    // The figures, for whoever reads the log.
    for (const [key, m] of result.probes) console.info(`netem-kernel ${key}: ${m.received}/${m.sent} replies, rtt min ${m.min} median ${m.median} max ${m.max} iqr ${m.iqr.toFixed(3)} ms`);
    expect(result.errors, out).toEqual([]);
    expect(result.done, out).toBe(true);
  }, 90_000);

  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('the kernel accepts the netem preflight probe and every command of every phase (each one `sh -e`, as in production)', () => {
    expect([...result.applied].sort(), out).toEqual(['netem-probe', ...PLAN.map((p) => p.name)].sort());
    const shaped = (result.qdiscs.get('shaped') ?? []).join('\n');
    expect(shaped).toMatch(/qdisc htb 1: root/);
    expect(shaped).toMatch(/qdisc netem 10: parent 1:2 .*delay 100ms\s+10ms/);
    expect(shaped).toMatch(/qdisc netem 11: parent 1:3 .*loss 30%/);
  });

  it('before any shape, every link is fast and loses nothing', () => {
    for (const to of PEERS) expectShape(probe('before', to), NONE, to);
  });

  it('delay 100 ms with 10 ms jitter: the shaped link\'s RTT rises by the delay and spreads, and it loses nothing', () => {
    const p = probe('shaped', DELAYED);
    expectShape(p, { ...NONE, delayMs: 100, jitterMs: 10 }, DELAYED);
    expect(p.median, JSON.stringify(p)).toBeLessThan(100 + 5 + SLACK_MS); // applied once: replies are not shaped
  });

  it('loss 30%: about 30% of 200 probes are lost, none delayed', () => {
    const p = probe('shaped', LOSSY);
    expect(p.sent).toBe(200);
    expectShape(p, { ...NONE, lossPct: 30 }, LOSSY);
  });

  it('only the shaped destinations are affected: an all-zero shape and other addresses are untouched', () => {
    expectShape(probe('shaped', UNSHAPED), NONE, UNSHAPED);
  });

  it('a new state replaces the old one whole: the delay moves to the other link and the loss is gone', () => {
    // 30% loss left in place would spare all 40 probes with p < 1e-6.
    expectShape(probe('replaced', LOSSY), { ...NONE, delayMs: 50 }, LOSSY);
    for (const to of [DELAYED, UNSHAPED]) expectShape(probe('replaced', to), NONE, to);
  });

  it('the packet nemesis\'s own behaviours (delay + jitter, loss, both at once) do what they say', () => {
    expect(PACKET_BEHAVIOURS.length).toBeLessThanOrEqual(PEERS.length);
    PACKET_BEHAVIOURS.forEach((shape, i) => expectShape(probe('nemesis', PEERS[i]), shape, `${PEERS[i]} ${JSON.stringify(shape)}`));
  });

  it('clearing (no shapes: only the delete command) restores every link and leaves no qdisc of ours', () => {
    for (const to of PEERS) expectShape(probe('cleared', to), NONE, to);
    expect((result.qdiscs.get('cleared') ?? []).join('\n')).not.toMatch(/htb|netem/);
  });
});
