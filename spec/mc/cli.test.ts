/**
 * `npm run mc` as a user runs it (the compiled dist/spec/mc/cli.js): bad arguments give one
 * line and exit 254; a safe config exits 0 with its statistics; a planted bug exits 1 with a
 * counterexample. About 5 s.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const cli = (...args: string[]) => execa('node', ['dist/spec/mc/cli.js', ...args], { reject: false });

describe('npm run mc', () => {
  it('rejects bad arguments with one clear line and exit 254', async () => {
    for (const args of [['--config', 'nope'], [], ['--config', 'paxos-tla', '--max-states', '0'], ['--config', 'paxos-tla', '--bogus']]) {
      const r = await cli(...args);
      expect(r.exitCode, args.join(' ')).toBe(254);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^mc: /);
    }
  });

  it("checks Paxos.tla with TLC's figures and prints states/s and peak memory", async () => {
    const r = await cli('--config', 'paxos-tla');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('3921 distinct states, 23563 generated, depth 17');
    expect(r.stdout).toMatch(/\d+ states\/s, peak rss \d+ MB/);
  });

  it('exits 1 with a counterexample for a planted bug, and 2 when a budget cuts a run short', async () => {
    const bug = await cli('--config', 'ci-early-ack');
    expect(bug.exitCode).toBe(1);
    expect(bug.stdout).toMatch(/Counterexample \(\d+ steps\):\n1\. Init/);
    const cut = await cli('--config', 'ci-write-read', '--max-states', '50');
    expect(cut.exitCode).toBe(2);
    expect(cut.stdout).toContain('stopped at the state budget');
  });

  it('lists the configurations', async () => {
    const r = await cli('--list');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^paxos-tla /m);
    expect(r.stdout).toMatch(/^ci-no-adopt /m);
  });
});
