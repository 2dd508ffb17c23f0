/**
 * The fault scripts the docker runtime runs inside containers, and its address plan, without an
 * engine (the real-engine proof is test/docker/docker.test.ts): iptables-restore input per
 * node state, tc netem commands, refusals, subnet choice, log demultiplexing. ~50 ms.
 */
import { describe, expect, it } from 'vitest';
import { cidrRange, demuxLogs, freeSubnets, nodeAddress, overlaps } from './docker-network.js';
import { applyCommand, iptablesRules, MAX_SHAPED_LINKS, tcCommands } from './docker-rules.js';

const NONE = { delayMs: 0, jitterMs: 0, lossPct: 0 };

describe('iptablesRules', () => {
  it('replaces the whole filter table: one DROP per grudged source, nothing else', () => {
    expect(iptablesRules({ dropFrom: ['10.213.0.11', '10.213.0.12'], shapes: [] }, true)).toEqual([
      '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]',
      '-A INPUT -s 10.213.0.11/32 -j DROP',
      '-A INPUT -s 10.213.0.12/32 -j DROP',
      'COMMIT',
    ]);
    // Healed: the same table with no rules (so a heal is one atomic commit too).
    expect(iptablesRules({ dropFrom: [], shapes: [] }, true)).not.toContain('-j DROP');
  });

  it('without netem: loss becomes a statistic-match DROP in OUTPUT; delay is refused', () => {
    const lines = iptablesRules({ dropFrom: [], shapes: [{ to: '10.213.0.12', shape: { ...NONE, lossPct: 20 } }] }, false);
    expect(lines).toContain('-A OUTPUT -d 10.213.0.12/32 -m statistic --mode random --probability 0.2000 -j DROP');
    expect(() => iptablesRules({ dropFrom: [], shapes: [{ to: '10.213.0.12', shape: { ...NONE, delayMs: 5 } }] }, false)).toThrow(/sch_netem/);
    // With netem, shapes are tc's job, not iptables'.
    expect(iptablesRules({ dropFrom: [], shapes: [{ to: '10.213.0.12', shape: { ...NONE, lossPct: 20 } }] }, true)).not.toContain('OUTPUT -d');
  });

  it('refuses what is not an address or not a shape (nothing unvalidated reaches a shell)', () => {
    expect(() => iptablesRules({ dropFrom: ['10.0.0.1; reboot'], shapes: [] }, true)).toThrow(/IPv4/);
    expect(() => iptablesRules({ dropFrom: ['10.0.0.256'], shapes: [] }, true)).toThrow(/IPv4/);
    expect(() => iptablesRules({ dropFrom: [], shapes: [{ to: '10.0.0.1', shape: { ...NONE, lossPct: 101 } }] }, false)).toThrow(/lossPct/);
    expect(() => tcCommands({ dropFrom: [], shapes: [{ to: '10.0.0.1', shape: { ...NONE, delayMs: -1 } }] })).toThrow(/delayMs/);
    expect(() => tcCommands({ dropFrom: [], shapes: [{ to: '10.0.0.1', shape: { ...NONE, jitterMs: NaN } }] })).toThrow(/jitterMs/);
  });
});

describe('tcCommands', () => {
  it('one htb class + netem per shaped destination, filtered by destination', () => {
    const cmds = tcCommands({
      dropFrom: [],
      shapes: [
        { to: '10.213.0.11', shape: { delayMs: 50, jitterMs: 10, lossPct: 0 } },
        { to: '10.213.0.12', shape: { delayMs: 0, jitterMs: 0, lossPct: 20 } },
        { to: '10.213.0.13', shape: NONE },
      ],
    });
    expect(cmds.slice(0, 3)).toEqual([
      'tc qdisc del dev eth0 root 2>/dev/null || true',
      'tc qdisc add dev eth0 root handle 1: htb default 1 r2q 10000',
      'tc class add dev eth0 parent 1: classid 1:1 htb rate 10gbit',
    ]);
    expect(cmds).toContain('tc class add dev eth0 parent 1: classid 1:2 htb rate 10gbit');
    expect(cmds).toContain('tc qdisc add dev eth0 parent 1:2 handle 10: netem delay 50ms 10ms');
    expect(cmds).toContain('tc filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.213.0.11/32 flowid 1:2');
    expect(cmds).toContain('tc qdisc add dev eth0 parent 1:3 handle 11: netem loss 20%');
    expect(cmds.join('\n')).not.toContain('10.213.0.13'); // an all-zero shape is no shape
  });

  it('no shapes: only the reset; too many: refused', () => {
    expect(tcCommands({ dropFrom: [], shapes: [] })).toHaveLength(1);
    const many = Array.from({ length: MAX_SHAPED_LINKS + 1 }, (_, i) => ({ to: `10.213.${Math.floor(i / 200)}.${i % 200}`, shape: { ...NONE, lossPct: 1 } }));
    expect(() => tcCommands({ dropFrom: [], shapes: many })).toThrow(/at most 250/);
  });

  it('applyCommand passes rule lines as arguments to one sh -c, tc before iptables-restore', () => {
    const argv = applyCommand({ dropFrom: ['10.213.0.11'], shapes: [{ to: '10.213.0.12', shape: { ...NONE, delayMs: 5 } }] }, true);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).toMatch(/^set -e\ntc qdisc del[\s\S]*netem delay 5ms[\s\S]*\| iptables-restore -w$/);
    expect(argv.slice(3)).toContain('-A INPUT -s 10.213.0.11/32 -j DROP');
    expect(applyCommand({ dropFrom: [], shapes: [] }, false)[2]).not.toContain('tc ');
  });
});

describe('run network plan', () => {
  it('CIDR overlap', () => {
    expect(cidrRange('10.213.4.0/24')).toEqual([(10 * 256 ** 3) + (213 * 256 ** 2) + 4 * 256, (10 * 256 ** 3) + (213 * 256 ** 2) + 4 * 256 + 255]);
    expect(overlaps('10.213.4.0/24', '10.0.0.0/8')).toBe(true);
    expect(overlaps('10.213.4.0/24', '10.213.5.0/24')).toBe(false);
    expect(overlaps('10.213.4.0/24', 'fd00::/64')).toBe(false);
  });

  it('free subnets skip every taken range; node addresses start at .10', () => {
    expect(freeSubnets([]).slice(0, 2)).toEqual(['10.213.0.0/24', '10.213.1.0/24']);
    expect(freeSubnets(['172.17.0.0/16', '10.213.0.0/23'])[0]).toBe('10.213.2.0/24');
    expect(freeSubnets(['10.0.0.0/8'])).toEqual([]);
    expect(nodeAddress('10.213.2.0/24', 0)).toBe('10.213.2.10');
    expect(nodeAddress('10.213.2.0/24', 4)).toBe('10.213.2.14');
    expect(() => nodeAddress('10.213.2.0/24', 245)).toThrow(RangeError);
  });

  it('demuxLogs splits the engine\'s framed stream into stdout and stderr', () => {
    const frame = (kind: number, text: string) => {
      const body = Buffer.from(text);
      const head = Buffer.alloc(8);
      head[0] = kind;
      head.writeUInt32BE(body.length, 4);
      return Buffer.concat([head, body]);
    };
    const { stdout, stderr } = demuxLogs(Buffer.concat([frame(1, 'out1\n'), frame(2, 'err\n'), frame(1, 'out2\n'), Buffer.from([1, 0, 0])]));
    expect(stdout.toString()).toBe('out1\nout2\n');
    expect(stderr.toString()).toBe('err\n');
  });
});
