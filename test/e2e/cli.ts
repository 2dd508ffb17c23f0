/**
 * Helpers for the end-to-end tests: run the CLI exactly as a user would (`node bin/jepsen-ts.js`,
 * a separate process), and prove afterwards that a run left nothing behind: no process of the
 * run, no listening node or proxy port, no temp files.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkFaultfs } from '../../harness/runtime/faultfs.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'jepsen-ts.js');
export const BUILT = existsSync(join(ROOT, 'dist', 'harness', 'cli.js')) && existsSync(join(ROOT, 'dist', 'paxos', 'main.js'));

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The run directory printed on the `results:` line (the last one, for multi-run commands). */
  runDir: string | null;
  /** The CLI's own TMPDIR (fresh per call), to prove it is left empty. */
  tmp: string;
  /** Every port in the nodes' --peers flags (proxy listeners), seen while the main phase ran. */
  peerPorts: number[];
}

/** A scratch dir for one test (results store, the CLI's TMPDIR). */
export function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `jt-e2e-${prefix}-`));
  scratchDirs.push(dir);
  return dir;
}

const scratchDirs: string[] = [];

/**
 * Safety net for afterAll (the assertions come first, in each test): SIGKILLs the process group
 * of anything still running from a scratch dir (a failed test must not leave nodes behind on
 * the CI machine) and removes the scratch dirs.
 */
export function cleanUpScratch(): void {
  for (const dir of scratchDirs.splice(0)) {
    for (const pid of processesMentioning(dir)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `jepsen-ts ...args`; `onStdout` sees output as it arrives (e.g. to send a signal). */
export async function cli(args: string[], opts: { timeoutMs?: number; onStdout?: (text: string, pid: number) => void } = {}): Promise<CliRun> {
  const tmp = scratch('tmp');
  const child = execa(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    reject: false,
    timeout: opts.timeoutMs ?? 90_000,
    // A timed-out CLI gets SIGTERM first: give its teardown time before SIGKILL.
    forceKillAfterDelay: 60_000,
    env: { TMPDIR: tmp, FORCE_COLOR: '0' },
    stdin: 'ignore',
  });
  let seen = '';
  const peerPorts = new Set<number>();
  child.stdout?.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    // Once clients run, every node is up: note the proxy ports its command line names.
    const dir = /^run dir: (.+)$/m.exec(seen)?.[1];
    if (dir && peerPorts.size === 0 && seen.includes('phase: main')) {
      for (const pid of processesMentioning(dir)) for (const port of peerPortsOf(pid)) peerPorts.add(port);
    }
    opts.onStdout?.(seen, child.pid!);
  });
  const done = await child;
  const stdout = String(done.stdout ?? '');
  const dirs = [...stdout.matchAll(/^results: (.+)$/gm)].map((m) => m[1]);
  return { exitCode: done.exitCode ?? -1, stdout, stderr: String(done.stderr ?? ''), runDir: dirs.at(-1) ?? null, tmp, peerPorts: [...peerPorts] };
}

/** Pids of live processes whose command line mentions `needle` (e.g. a run dir). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function peerPortsOf(pid: number): number[] {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const peers = argv[argv.indexOf('--peers') + 1] ?? '';
    return [...peers.matchAll(/:(\d+)(,|$)/g)].map((m) => Number(m[1]));
  } catch {
    return [];
  }
}

/** TCP ports in LISTEN state on this machine (IPv4 and IPv6). */
export function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 3 && f[3] === '0A') ports.add(parseInt(f[1].split(':').at(-1)!, 16));
    }
  }
  return ports;
}

/** The client and peer ports each node logged ("serving clients on http://h:P, peers on h:Q"). */
export function nodePorts(runDir: string): number[] {
  const ports: number[] = [];
  const nodes = join(runDir, 'nodes');
  for (const n of readdirSync(nodes)) {
    const log = join(nodes, n, 'stdout.log');
    if (!existsSync(log)) continue;
    for (const m of readFileSync(log, 'utf8').matchAll(/serving clients on http:\/\/[\d.]+:(\d+), peers on [\d.]+:(\d+)/g)) ports.push(Number(m[1]), Number(m[2]));
  }
  return ports;
}

/** Files (not directories) under dir, recursively. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => !statSync(join(dir, p)).isDirectory());
}

/**
 * null when faultfs (the disk faults' FUSE layer) works here; else why not, printed as a skip,
 * or thrown when JEPSEN_TS_REQUIRE_FUSE=1 (CI installs FUSE: there a skip would hide a failure).
 */
export async function fuseSkipReason(file: string): Promise<string | null> {
  const reason = await checkFaultfs().then(
    () => null,
    (e: Error) => e.message,
  );
  if (reason === null) return null;
  if (process.env.JEPSEN_TS_REQUIRE_FUSE === '1') throw new Error(`JEPSEN_TS_REQUIRE_FUSE=1 but faultfs cannot run: ${reason}`);
  console.warn(`SKIPPED ${file}: ${reason}`);
  return reason;
}
