/**
 * faultfs: the disk layer under the lose-unsynced and slow-disk faults. A small FUSE
 * passthrough in C (faultfs.c, read its header) mounted over a node's data dir keeps an undo
 * log of every write not yet synced; on command it loses them (power loss) or makes syncs slow.
 * It works below any Db, whatever language the node is written in (etcd's Go makes raw system
 * calls, out of reach of an LD_PRELOAD shim). This module builds the helper on first use (cc and
 * libfuse3, cached by source hash), checks that this machine can mount it, and drives one mount.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../ground/runtime.js';

export const FAULTFS_PACKAGES = 'apt-get install fuse3 libfuse3-dev pkg-config gcc';
const NEEDS = 'the lose-unsynced and slow-disk faults need a FUSE layer (faultfs)';

/** faultfs.c: beside this file in the sources, two levels up from dist/harness/runtime. */
function sourceFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, path.resolve(here, '..', '..', '..', 'harness', 'runtime')]) {
    if (existsSync(path.join(dir, 'faultfs.c'))) return path.join(dir, 'faultfs.c');
  }
  throw new Error(`faultfs.c not found near ${here}`);
}

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  for (const dir of [path.join(base, 'jepsen-ts'), path.join(os.tmpdir(), 'jepsen-ts-cache')]) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // not writable: try the next
    }
  }
  throw new UsageError(`${NEEDS}, and no cache directory to build it in is writable (${base}/jepsen-ts, ${os.tmpdir()})`);
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
}

let built: string | null = null;

/** The helper binary, compiled from faultfs.c when the cache has no build of this source. */
export function faultfsBinary(): string {
  if (built) return built;
  const src = sourceFile();
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const bin = path.join(cacheDir(), `faultfs-${hash}`);
  if (!existsSync(bin)) {
    let flags: string[];
    try {
      flags = execFileSync('pkg-config', ['--cflags', '--libs', 'fuse3'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(/\s+/);
    } catch {
      throw new UsageError(`${NEEDS}, built from source with libfuse3, which is not installed: ${FAULTFS_PACKAGES}`);
    }
    const tmp = `${bin}.${process.pid}.tmp`;
    try {
      execFileSync('cc', ['-O2', '-Wall', '-o', tmp, src, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      const why = err.code === 'ENOENT' ? 'no C compiler (cc) is installed' : `cc failed: ${firstLine(String(err.stderr ?? err.message))}`;
      throw new UsageError(`${NEEDS}, built from source, but ${why}: ${FAULTFS_PACKAGES}`);
    }
    renameSync(tmp, bin);
  }
  return (built = bin);
}

/** One mounted faultfs, driven through the helper's stdin (one command, one answer line). */
export class FaultFs {
  private readonly lines: AsyncIterator<string>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    child.stdin!.on('error', () => {}); // a helper that died is reported by the next command
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Mounts faultfs over `dir` (the files already in it stay visible) and resolves once it
   * serves. Its own process group: a Ctrl-C to the harness does not unmount a node's disk
   * before teardown has stopped the node. `env` marks it as the run's (sweep.ts).
   */
  static async mount(dir: string, env: Record<string, string> = {}): Promise<FaultFs> {
    const child = spawn(faultfsBinary(), [dir], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const fs = new FaultFs(dir, child);
    const first = await fs.lines.next();
    if (first.done || first.value !== 'ready') {
      await fs.exited;
      throw new Error(`faultfs could not mount ${dir}: ${firstLine(fs.stderr) || `exited (${first.done ? 'no output' : first.value})`}`);
    }
    return fs;
  }

  /** Sends one command and returns its answer (without "ok "); commands never overlap. */
  command(line: string): Promise<string> {
    const run = async () => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`faultfs on ${this.dir} has exited${this.stderr ? `: ${firstLine(this.stderr)}` : ''}`);
      this.child.stdin!.write(`${line}\n`);
      const answer = await this.lines.next();
      if (answer.done) throw new Error(`faultfs on ${this.dir} exited during "${line}"${this.stderr ? `: ${firstLine(this.stderr)}` : ''}`);
      if (!answer.value.startsWith('ok')) throw new Error(`faultfs on ${this.dir}: ${answer.value}`);
      return answer.value.replace(/^ok ?/, '');
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Undoes every unsynced write and takes the disk down until up(). */
  lose(torn: boolean, seed: number): Promise<string> {
    return this.command(`lose ${torn ? 'torn' : 'all'} ${seed >>> 0}`);
  }

  up(): Promise<string> {
    return this.command('up');
  }

  /**
   * A power loss of the node on this disk: its unsynced writes go at that instant and the disk
   * stays down while `kill` ends the node, so nothing its last moments do becomes durable; then
   * the disk is back for a restart. Returns what was lost, in one line.
   */
  async powerLoss(opts: { torn: boolean; seed: number }, kill: () => Promise<void>): Promise<string> {
    const lost = await this.lose(opts.torn, opts.seed);
    try {
      await kill();
    } finally {
      await this.up();
    }
    return lost;
  }

  /** Every sync waits minMs..maxMs (drawn from `seed`); null: no waiting. */
  slow(range: { minMs: number; maxMs: number; seed: number } | null): Promise<string> {
    return this.command(range ? `slow ${Math.round(range.minMs)} ${Math.round(range.maxMs)} ${range.seed >>> 0}` : 'fast');
  }

  /** Unmounts (the helper does it at EOF) and waits for the helper; a stuck one is killed. */
  async unmount(): Promise<void> {
    this.child.stdin!.end();
    const timer = setTimeout(() => {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }, 5000);
    await this.exited;
    clearTimeout(timer);
    unmountStale([this.dir]);
  }
}

/** The mount points in /proc/self/mountinfo (octal escapes decoded). */
function mountPoints(): Set<string> {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  return new Set(text.split('\n').filter(Boolean).map((l) => l.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))));
}

/** Lazily unmounts whichever of `dirs` is still a mount point (a helper that died); returns them. */
export function unmountStale(dirs: string[]): string[] {
  const mounted = mountPoints();
  const stale = dirs.map((d) => path.resolve(d)).filter((d) => mounted.has(d));
  for (const d of stale) {
    try {
      if (process.getuid?.() === 0) execFileSync('umount', ['-l', d], { stdio: 'ignore' });
      else execFileSync('fusermount3', ['-u', '-z', d], { stdio: 'ignore' });
    } catch {
      // reported by the caller's next check, if it matters
    }
  }
  return stale;
}

let checked: Promise<void> | null = null;

/**
 * Refuses (UsageError, one line) when this machine cannot run faultfs: no /dev/fuse, no
 * fusermount3 for a non-root user, nothing to build it with, or a trial mount that fails.
 */
export function checkFaultfs(): Promise<void> {
  checked ??= (async () => {
    if (process.platform !== 'linux') throw new UsageError(`${NEEDS}, which runs on Linux only (this is ${process.platform})`);
    try {
      accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      throw new UsageError(`${NEEDS}, and /dev/fuse is ${missing ? 'missing (load the fuse module; in a container: --device /dev/fuse --cap-add SYS_ADMIN)' : 'not readable and writable by this user'}`);
    }
    if (process.getuid?.() !== 0) {
      try {
        execFileSync('fusermount3', ['-V'], { stdio: 'ignore' });
      } catch {
        throw new UsageError(`${NEEDS}, mounted by fusermount3 for a user other than root, which is not installed: ${FAULTFS_PACKAGES}`);
      }
    }
    faultfsBinary();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jepsen-ts-faultfs-check-'));
    try {
      const fs = await FaultFs.mount(dir).catch((e: Error) => {
        throw new UsageError(`${NEEDS}, and a trial mount failed: ${e.message}`);
      });
      await fs.unmount();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  checked.catch(() => (checked = null));
  return checked;
}
