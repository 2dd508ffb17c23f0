/**
 * Leftovers of crashed runs. A run of the local runtime writes a marker
 * `$TMPDIR/jepsen-ts/runs/<runId>.json` (harness pid + its start time, node pids and data dirs)
 * at setup, updates it on every node (re)start and deletes it at teardown. When a harness is
 * SIGKILLed its marker stays; the next setup calls sweepLeftovers(), which kills the node
 * processes (and faultfs helpers) of every run whose harness is gone and lazily unmounts the
 * faultfs mounts they left.
 *
 * Nothing is killed on a pid alone (pids are reused): a process is ours when its environment
 * carries JEPSEN_TS_RUN=<runId> (inherited by grandchildren too) or its command line names the
 * node's data dir.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unmountStale } from './faultfs.js';

export const RUN_ENV = 'JEPSEN_TS_RUN';

export interface RunMarker {
  runId: string;
  harnessPid: number;
  /** /proc/<pid>/stat start time of the harness, so a reused pid is not mistaken for it. */
  harnessStart: string;
  runDir: string;
  /** mounted: the data dir has faultfs over it (a helper SIGKILLed with the harness leaves it). */
  nodes: Record<string, { pid: number | null; dataDir: string; mounted?: boolean }>;
}

export function defaultMarkerDir(): string {
  return path.join(os.tmpdir(), 'jepsen-ts', 'runs');
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null when gone. */
/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function processStart(pid: number): string | null {
  const stat = readProc(pid, 'stat');
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); a zombie is as good as gone.
  if (fields[0] === 'Z') return null;
  return fields[19] ?? null;
}

function processGroup(pid: number): number | null {
  const stat = readProc(pid, 'stat');
  if (stat === null) return null;
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

/** Live (non-zombie) processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  return livePids().filter((pid) => processGroup(pid) === pgid);
}

function livePids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => processStart(pid) !== null);
}

/** Every live process that belongs to run `runId` (by environment or by data dir on its command line). */
export function processesOfRun(runId: string, dataDirs: string[] = []): number[] {
  const tag = `${RUN_ENV}=${runId}\u0000`;
  return livePids().filter((pid) => {
    if (pid === process.pid) return false;
    if (readProc(pid, 'environ')?.includes(tag)) return true;
    const cmd = readProc(pid, 'cmdline');
    return cmd !== null && dataDirs.some((d) => cmd.includes(`${d}\u0000`));
  });
}

export function writeMarker(dir: string, marker: RunMarker): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${marker.runId}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(marker, null, 1));
  renameSync(`${file}.tmp`, file);
}

export function removeMarker(dir: string, runId: string): void {
  rmSync(path.join(dir, `${runId}.json`), { force: true });
}

function harnessAlive(m: RunMarker): boolean {
  return processStart(m.harnessPid) === m.harnessStart;
}

async function killAndWait(pids: number[], timeoutMs: number): Promise<void> {
  for (const pid of pids) {
    const pgid = processGroup(pid);
    try {
      process.kill(pgid === pid ? -pid : pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const end = Date.now() + timeoutMs;
  while (pids.some((p) => processStart(p) !== null)) {
    if (Date.now() > end) throw new Error(`leftover processes ${pids.join(', ')} survived SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A process's command line, for saying what was killed (shortened; '?' when gone). */
export function describeProcess(pid: number, max = 120): string {
  const cmd = (readProc(pid, 'cmdline') ?? '?').split('\u0000').filter(Boolean).join(' ') || '?';
  return cmd.length > max ? `${cmd.slice(0, max - 3)}...` : cmd;
}

/**
 * Kills the node processes of every marked run whose harness is dead and deletes its marker.
 * Returns the run ids swept, the pids killed, and what could not be swept (not fatal); `say`
 * hears one line per process killed and per marker removed (`jepsen-ts clean` prints them).
 */
export async function sweepLeftovers(dir = defaultMarkerDir(), say: (line: string) => void = () => {}): Promise<{ runs: string[]; killed: number[]; errors: string[] }> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return { runs: [], killed: [], errors: [] };
  }
  const errors: string[] = [];
  const runs: string[] = [];
  const killed: number[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    let marker: RunMarker;
    try {
      marker = JSON.parse(readFileSync(file, 'utf8')) as RunMarker;
    } catch {
      continue; // corrupt (markers are written atomically): it names nothing we could verify
    }
    if (typeof marker.runId !== 'string' || harnessAlive(marker)) continue;
    try {
      const dataDirs = Object.values(marker.nodes ?? {}).map((n) => n.dataDir);
      const pids = processesOfRun(marker.runId, dataDirs);
      const described = pids.map((pid) => `killed process ${pid} of run ${marker.runId}: ${describeProcess(pid)}`);
      await killAndWait(pids, 5000);
      described.forEach((line) => say(line));
      const mounts = Object.values(marker.nodes ?? {}).filter((n) => n.mounted).map((n) => n.dataDir);
      for (const dir of unmountStale(mounts)) say(`unmounted faultfs ${dir} of run ${marker.runId}`);
      rmSync(file, { force: true });
      say(`removed marker ${file} (run ${marker.runId}, harness ${marker.harnessPid} gone)`);
      runs.push(marker.runId);
      killed.push(...pids);
    } catch (e) {
      // Someone else's leftovers (another user, a stuck process) must not stop this run.
      errors.push(`${f}: ${(e as Error).message}`);
    }
  }
  return { runs, killed, errors };
}
