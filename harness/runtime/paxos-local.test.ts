/**
 * The local runtime with the real Paxos node (dist/paxos/main.js): a leader is elected through
 * the fault proxy, isolating it makes the majority elect another, heal reunites them, and a
 * killed node restarts on its data dir (with paxos/db.ts, the Db users get). Skipped until the
 * node is built.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_JS, paxosDb } from '../../paxos/db.js';
import { createLocalRuntime, type LocalRuntime } from './local.js';
import type { NodeEndpoint } from '../../ground/runtime.js';

type Status = { id: string; role: string; leader: string | null; commitIndex: number };
async function status(ep: NodeEndpoint): Promise<Status | null> {
  try {
    return (await (await fetch(`${ep.clientUrl}/status`, { signal: AbortSignal.timeout(500) })).json()) as Status;
  } catch {
    return null;
  }
}

async function leaderAmong(eps: NodeEndpoint[], withinMs = 10_000): Promise<string> {
  const end = Date.now() + withinMs;
  for (;;) {
    const ss = await Promise.all(eps.map(status));
    const leaders = ss.filter((s) => s?.role === 'leader').map((s) => s!.id);
    const named = new Set(ss.map((s) => s?.leader));
    if (leaders.length === 1 && named.size === 1 && named.has(leaders[0])) return leaders[0];
    if (Date.now() > end) throw new Error(`no agreed leader: ${JSON.stringify(ss)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!existsSync(MAIN_JS))('local runtime with the real Paxos node', () => {
  let tmp = ''; // made in beforeAll, so a skipped or filtered run leaves no directory behind
  let rt: LocalRuntime;
  let eps: NodeEndpoint[];
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-paxos-'));
    rt = createLocalRuntime({ markerDir: path.join(tmp, 'markers') });
    eps = await rt.setup({ runId: `px${process.pid}`, nodes: ['n1', 'n2', 'n3'], db: paxosDb, runDir: path.join(tmp, 'run'), dbArgs: [] });
  });
  afterAll(async () => {
    await rt?.teardown();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('elects, re-elects around an isolated leader, heals, survives a kill', async () => {
    const first = await leaderAmong(eps);
    const others = eps.filter((e) => e.name !== first);
    await rt.partition({ [first]: others.map((e) => e.name), ...Object.fromEntries(others.map((e) => [e.name, [first]])) });
    const second = await leaderAmong(others);
    expect(second).not.toBe(first);
    await rt.heal();
    expect(await leaderAmong(eps)).toBe(second);
    await rt.kill(second);
    await leaderAmong(eps.filter((e) => e.name !== second));
    await rt.start(second);
    await leaderAmong(eps);
    await rt.collectLogs();
    for (const f of paxosDb.logFiles) expect(existsSync(path.join(rt.describe(second).dir, f))).toBe(true);
  });
});
