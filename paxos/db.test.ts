/**
 * paxosDb.ready polls a node that is not up yet with one AbortSignal for the whole wait (node
 * start-up, restarts after kill): every poll must take its listeners off that signal again,
 * or a slow start piles them up (MaxListenersExceededWarning). Costs ~1.5 s, no node started:
 * the probe targets a loopback port nobody listens on.
 */
import { getEventListeners } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { paxosDb } from './db.js';

/** A loopback port that refuses connections (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('paxosDb.ready', () => {
  it('does not pile listeners on the caller signal while it polls, and stops on abort', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const ac = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const counts: number[] = [];
    const sampler = setInterval(() => counts.push(getEventListeners(ac.signal, 'abort').length), 20);
    const waiting = paxosDb.ready(url, ac.signal);
    await new Promise((r) => setTimeout(r, 1200)); // ~20 polls of a refused connection
    clearInterval(sampler);
    ac.abort(new Error('give up'));
    await expect(waiting).rejects.toThrow('give up');
    process.off('warning', onWarning);
    expect(counts.length).toBeGreaterThan(20);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(1); // the sampler does see the poll's listener
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });
});

describe('paxosDb.command', () => {
  it('passes the shared peer list (own entry included) once per node, in one order; a list without self gets it from listen', () => {
    const peers = { n2: '127.0.0.1:9002', n1: '127.0.0.1:9001', n10: '127.0.0.1:9010' };
    const base = { listen: '127.0.0.1:7001', client: '127.0.0.1:8001', dataDir: '/tmp/x' };
    const flag = (args: string[]) => args[args.indexOf('--peers') + 1];
    // The runtimes give every node the same map, its own entry being the address others use.
    expect(flag(paxosDb.command({ ...base, name: 'n1', peers }, []).args)).toBe('n1=127.0.0.1:9001,n2=127.0.0.1:9002,n10=127.0.0.1:9010');
    expect(flag(paxosDb.command({ ...base, name: 'n2', peers }, []).args)).toBe('n1=127.0.0.1:9001,n2=127.0.0.1:9002,n10=127.0.0.1:9010');
    const { n1: _, ...others } = peers;
    expect(flag(paxosDb.command({ ...base, name: 'n1', peers: others }, []).args)).toBe('n1=127.0.0.1:7001,n2=127.0.0.1:9002,n10=127.0.0.1:9010');
  });
});
