/**
 * The leash: the nodes of a local run die with their harness, even when it is SIGKILLed (no
 * waiting for the next run's sweep). One tiny `sh` per run, in its own process group (a signal
 * to the harness's group, e.g. a terminal's Ctrl-C, does not reach it), reads the process groups
 * of the run's nodes from a pipe: "+<pgid>" when a node starts, "-<pgid>" once it is gone. The
 * harness holds the pipe's only write end, so the kernel closes it however the harness ends;
 * at that EOF the leash SIGKILLs the groups still listed and exits. A group is unlisted as soon
 * as its leader is gone, so a reused pid is never killed. Nodes are spawned exactly as without
 * it: the kill, pause and restart faults are untouched.
 */
import { spawn, type ChildProcess } from 'node:child_process';

// POSIX sh only: `g` is " pgid pgid ... "; removal cuts " <pgid> " out of it.
const SCRIPT = [
  "g=' '",
  'while read -r l; do',
  '  x=${l#?}',
  '  case $l in',
  '    +*) g="$g$x " ;;',
  '    -*) case $g in *" $x "*) g="${g% $x *} ${g#* $x }" ;; esac ;;',
  '  esac',
  'done',
  'for p in $g; do kill -KILL -$p 2>/dev/null; done',
].join('\n');

export class Leash {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  /** `env` marks the leash as the run's (sweep.ts finds a run's processes by it). */
  constructor(env: Record<string, string>) {
    this.child = spawn('sh', ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.once('error', () => resolve());
    });
    // The CLI must be able to end while the leash waits: neither it nor its pipe keeps Node alive.
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
    this.child.stdin!.on('error', () => {}); // a leash that died (killed by hand) must not crash the run
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The leash kills group `pgid` if the harness dies. */
  hold(pgid: number): void {
    this.child.stdin!.write(`+${pgid}\n`);
  }

  /** Group `pgid` is gone (its leader exited): forget it. */
  release(pgid: number): void {
    if (!this.child.stdin!.writableEnded) this.child.stdin!.write(`-${pgid}\n`);
  }

  /** Ends the leash (killing any group still held) and waits for it to exit. */
  async close(): Promise<void> {
    this.child.ref(); // waited for: the process must not end before the leash has
    this.child.stdin!.end();
    await this.exited;
  }
}
