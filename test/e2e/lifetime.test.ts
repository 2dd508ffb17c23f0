/**
 * How a jepsen-ts process ends, as a user (or a CI job) ends it, with real processes only:
 *   - SIGINT while `analyze` / `check` search a history that would take minutes: the search
 *     stops, exit 2, analyze leaves results.json as it was;
 *   - SIGTERM to `npx jepsen-ts test` (what a CI timeout sends): npm exits at once, and the
 *     harness it orphans notices its parent is gone, tears down, writes results.json as
 *     interrupted and exits; nothing of the run is left;
 *   - SIGKILL of the harness mid-run: its nodes die with it within seconds (the leash);
 *   - `jepsen-ts clean` after a dead run whose leash was killed too: the nodes are killed and
 *     named, the marker removed; a second `clean` finds nothing.
 * ~60 s on a loaded 2-core machine.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, BUILT, cleanUpScratch, fuseSkipReason, processesMentioning, ROOT, scratch } from './cli.js';

const fuse = await fuseSkipReason('the disk-fault case of test/e2e/lifetime.test.ts');

afterAll(cleanUpScratch);

/** Port reservations (harness/runtime/ports.ts): one directory per machine. */
const PORT_DIR = '/tmp/jepsen-ts-ports';

/**
 * CPU seconds process `pid` has used (utime + stime): past start-up (~0.5 s), a check command
 * is searching, with its SIGINT handler long installed (Node's own SIGINT handler makes
 * /proc's SigCgt useless for telling).
 */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A register history whose linearizability search takes minutes: n concurrent writes, then n reads in order. */
function hardHistory(n: number): string {
  const lines: string[] = [];
  let index = 0;
  const op = (o: Record<string, unknown>) => lines.push(JSON.stringify({ index, time: ++index * 1000, ...o }));
  for (let p = 0; p < n; p++) op({ process: p, type: 'invoke', f: 'write', key: 'r0', value: p });
  for (let p = 0; p < n; p++) op({ process: p, type: 'ok', f: 'write', key: 'r0', value: p, node: 'n1' });
  for (let p = 0; p < n; p++) {
    op({ process: 100 + p, type: 'invoke', f: 'read', key: 'r0', value: null });
    op({ process: 100 + p, type: 'ok', f: 'read', key: 'r0', value: p, node: 'n1' });
  }
  return lines.join('\n') + '\n';
}

function start(args: string[], env: Record<string, string> = {}): ResultPromise {
  return execa(process.execPath, [BIN, ...args], { cwd: ROOT, reject: false, timeout: 120_000, env: { FORCE_COLOR: '0', ...env }, stdin: 'ignore' });
}

describe.skipIf(!BUILT)('SIGINT cancels a long check', () => {
  const dir = scratch('hard');
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'test.json'), JSON.stringify({ config: { workload: 'register', opTimeoutMs: 2000, concurrency: 10 } }));
  writeFileSync(join(runDir, 'history.jsonl'), hardHistory(22));
  const before = JSON.stringify({ valid: true, exit: 0, results: {}, note: 'the verdict on file' });
  writeFileSync(join(runDir, 'results.json'), before);

  it('analyze: exit 2 within seconds, results.json left as it was', async () => {
    const child = start(['analyze', runDir]);
    await until('analyze to be searching', () => cpuSeconds(child.pid!) >= 2, 60_000);
    const sent = performance.now();
    child.kill('SIGINT');
    const done = await child;
    expect(performance.now() - sent).toBeLessThan(5000);
    expect(done.exitCode, String(done.stdout) + String(done.stderr)).toBe(2);
    expect(done.stdout).toContain('SIGINT: cancelling the check');
    expect(done.stdout).toMatch(/^ {2}linearizable: unknown/m);
    expect(done.stdout).toMatch(/^verdict: INTERRUPTED/m);
    expect(done.stdout).toContain('results.json left as it was');
    expect(readFileSync(join(runDir, 'results.json'), 'utf8')).toBe(before);
  });

  it('check: exit 2 within seconds, the file judged unknown (cancelled)', async () => {
    const child = start(['check', '--format', 'jsonl', '--model', 'kv', join(runDir, 'history.jsonl')]);
    await until('check to be searching', () => cpuSeconds(child.pid!) >= 2, 60_000);
    const sent = performance.now();
    child.kill('SIGINT');
    const done = await child;
    expect(performance.now() - sent).toBeLessThan(5000);
    expect(done.exitCode, String(done.stdout) + String(done.stderr)).toBe(2);
    expect(done.stdout).toMatch(/history\.jsonl: unknown \(44 ops, \d+ ms\): cancelled; 1 of 1 partitions unfinished$/m);
  });
});

/** Live processes carrying JEPSEN_TS_RUN=<runId> (the run's nodes, leash and faultfs helpers). */
function processesOfRun(runId: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`JEPSEN_TS_RUN=${runId}\0`);
      } catch {
        return false;
      }
    });
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

/** The run dir a `test` prints on its "run dir:" line. */
const runDirOf = (text: string) => /^run dir: (.+)$/m.exec(text)?.[1];

/** Waits until `text()` shows the main phase of a run; returns its run dir. */
async function mainPhase(text: () => string): Promise<string> {
  await until('the main phase', () => /^phase: main$/m.test(text()), 90_000);
  return runDirOf(text())!;
}

function collect(child: ResultPromise): () => string {
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  return () => text;
}

const RUN = ['test', '--nodes', '3', '--time-limit', '120', '--recovery-time', '1'];

describe.skipIf(!BUILT)('a harness whose caller goes away', () => {
  it('SIGTERM to `npx jepsen-ts test`: the orphaned harness tears down, results.json says interrupted, nothing is left', async () => {
    const results = scratch('npx');
    const npx = execa('npx', ['jepsen-ts', ...RUN, '--results', results], { cwd: ROOT, reject: false, timeout: 180_000, env: { FORCE_COLOR: '0', TMPDIR: scratch('npx-tmp') }, stdin: 'ignore' });
    const text = collect(npx);
    const runDir = await mainPhase(text);
    // npm -> sh -c -> node .../.bin/jepsen-ts: the harness is the node process.
    const harness = processesMentioning(results).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1]?.endsWith('/.bin/jepsen-ts'));
    expect(harness, processesMentioning(results).map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8')).join('\n')).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500)); // some ops recorded
    npx.kill('SIGTERM');
    const done = await npx; // npm exits at once (re-raising SIGTERM); its stdout ends when the harness's does
    expect(done.signal ?? done.exitCode).toMatch(/^(SIGTERM|143)$/);
    await until('the harness to exit', () => !alive(harness!), 30_000);
    expect(text()).toContain('is gone (treated as SIGTERM): stopping clients and faults');
    const file = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
    expect(file).toMatchObject({ interrupted: true, exit: 2 });
    expect(readFileSync(join(runDir, 'history.jsonl'), 'utf8')).toContain('"type":"ok"');
    expect(processesMentioning(runDir)).toEqual([]);
  });

  it('SIGKILL of the harness: its nodes die within seconds; `clean` then removes the marker and the port reservations it left', async () => {
    const results = scratch('sigkill');
    const tmp = scratch('sigkill-tmp');
    const child = start([...RUN, '--results', results], { TMPDIR: tmp });
    const text = collect(child);
    const runDir = await mainPhase(text);
    const nodes = processesMentioning(runDir);
    expect(nodes.length).toBe(3);
    const reservations = () => readdirSync(PORT_DIR).filter((f) => /^\d+$/.test(f) && readFileSync(join(PORT_DIR, f), 'utf8').trim() === String(child.pid));
    expect(reservations()).toHaveLength(6); // a listen and a client port per node
    child.kill('SIGKILL');
    await child;
    await until('every node to die', () => nodes.every((pid) => !alive(pid)), 5000);
    const cleaned = await start(['clean'], { TMPDIR: tmp });
    expect(reservations()).toEqual([]);
    expect(cleaned.exitCode, String(cleaned.stdout) + String(cleaned.stderr)).toBe(0);
    expect(cleaned.stdout).toMatch(/^removed marker .*jepsen-ts\/runs\/jt-\d+-\w+\.json \(run jt-\d+-\w+, harness \d+ gone\)$/m);
    expect(cleaned.stdout).not.toContain('killed process');
    expect(readdirSync(join(tmp, 'jepsen-ts', 'runs'))).toEqual([]);
  });

  it.skipIf(fuse !== null)('disk faults: with the harness, its leash and every faultfs helper SIGKILLed, `clean` unmounts each dead mount', async () => {
    const results = scratch('clean-disk');
    const tmp = scratch('clean-disk-tmp');
    const child = start([...RUN, '--nemesis', 'slow-disk', '--results', results], { TMPDIR: tmp });
    const text = collect(child);
    const runDir = await mainPhase(text);
    const runId = readdirSync(join(tmp, 'jepsen-ts', 'runs'))[0].replace(/\.json$/, '');
    const ofRun = processesOfRun(runId);
    const helpers = ofRun.filter((pid) => /faultfs-[0-9a-f]+\0/.test(cmdline(pid)));
    const leash = ofRun.find((pid) => cmdline(pid).startsWith('sh\0'));
    expect(helpers).toHaveLength(3);
    for (const pid of [leash!, ...helpers]) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    await child;
    const mounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(runDir));
    expect(mounts()).toHaveLength(3); // dead mounts: their helpers are gone
    const cleaned = await start(['clean'], { TMPDIR: tmp });
    expect(cleaned.exitCode, String(cleaned.stdout) + String(cleaned.stderr)).toBe(0);
    for (const n of ['n1', 'n2', 'n3']) expect(cleaned.stdout).toContain(`unmounted faultfs ${join(runDir, 'nodes', n, 'data')} of run ${runId}`);
    expect(mounts()).toEqual([]);
    expect(processesMentioning(runDir)).toEqual([]);
  });

  it('`clean` kills the nodes of a run whose harness and leash were both SIGKILLed, naming each; then nothing is left to clean', async () => {
    const results = scratch('clean');
    const tmp = scratch('clean-tmp');
    const child = start([...RUN, '--results', results], { TMPDIR: tmp });
    const text = collect(child);
    const runDir = await mainPhase(text);
    const nodes = processesMentioning(runDir);
    const runId = readdirSync(join(tmp, 'jepsen-ts', 'runs'))[0].replace(/\.json$/, '');
    const leash = processesOfRun(runId).find((pid) => cmdline(pid).startsWith('sh\0'));
    expect(leash).toBeDefined();
    process.kill(leash!, 'SIGKILL');
    child.kill('SIGKILL');
    await child;
    await new Promise((r) => setTimeout(r, 1000));
    expect(nodes.filter(alive)).toEqual(nodes); // no leash: the nodes outlive the harness
    const cleaned = await start(['clean'], { TMPDIR: tmp });
    expect(cleaned.exitCode, String(cleaned.stdout) + String(cleaned.stderr)).toBe(0);
    for (const pid of nodes) expect(cleaned.stdout).toMatch(new RegExp(`^killed process ${pid} of run ${runId}: .*paxos/main\\.js`, 'm'));
    expect(cleaned.stdout).toMatch(/^removed marker /m);
    expect(cleaned.stdout).toMatch(/^clean: removed \d+ thing\(s\)$/m);
    expect(nodes.filter(alive)).toEqual([]);
    const again = await start(['clean'], { TMPDIR: tmp });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^clean: nothing to clean$/m);
  });
});
