/**
 * SIGINT / SIGTERM, or the death of the parent process, during a command: the first one aborts
 * `signal` (a test run stops its clients and faults, then collects logs and tears the nodes down
 * as usual; a check stops searching); every later signal only says that the stop is still under
 * way. Nothing here exits the process: leaving node processes or proxy ports behind is worse than
 * a slow stop.
 *
 * Why the parent: `npx jepsen-ts` runs us under `sh -c`, and npm 11's exec forwards SIGTERM and
 * SIGINT to that shell only (@npmcli/run-script's signal-manager), which dies of it and leaves
 * us orphaned while npm exits 143. A CI job timeout would then never get a verdict nor a
 * teardown. So a changed process.ppid (we were re-parented: whoever started us is gone) counts as
 * a SIGTERM; a cheap unref'd poll notices it.
 */
const PARENT_POLL_MS = 250;

export const STOPPING_RUN = 'stopping clients and faults, then collecting logs and tearing down the nodes';
const STILL_RUN = 'still tearing down (waiting for every node and proxy to stop; this does not skip teardown)';

/** The words of the commands that only check (analyze, check). */
export const CANCEL_CHECK = { stopping: 'cancelling the check', still: 'still cancelling the check' };

export class Interrupts {
  private readonly controller = new AbortController();
  private count = 0;
  private readonly handler = (sig: NodeJS.Signals) => this.onSignal(sig);
  private parentWatch: NodeJS.Timeout | null = null;

  /**
   * What the first interrupt stops, for its message ("SIGINT: <stopping>"); a command changes it
   * as it goes (e.g. to say that the check is cancelled).
   */
  stopping: string;

  /** What a later signal is told is still going on. */
  private readonly still: string;

  constructor(private readonly say: (line: string) => void, words: { stopping: string; still: string } = { stopping: STOPPING_RUN, still: STILL_RUN }) {
    this.stopping = words.stopping;
    this.still = words.still;
  }

  /** Aborted at the first SIGINT/SIGTERM, or when the parent process dies. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  install(): this {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
    const parent = process.ppid;
    // A parent of 1 started us as a daemon (or is gone already): nothing to watch.
    if (parent > 1) this.parentWatch = setInterval(() => this.checkParent(parent), PARENT_POLL_MS).unref();
    return this;
  }

  uninstall(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
    if (this.parentWatch) clearInterval(this.parentWatch);
    this.parentWatch = null;
  }

  private checkParent(parent: number): void {
    if (process.ppid === parent) return;
    clearInterval(this.parentWatch!);
    this.parentWatch = null;
    // Whoever read our output may be gone with the parent: a write to a closed pipe (EPIPE) must
    // not crash the teardown that follows.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
    if (this.interrupted) return; // already stopping: nothing new to say
    this.abort(`parent process ${parent} is gone (treated as SIGTERM)`);
  }

  private onSignal(sig: NodeJS.Signals): void {
    this.count++;
    if (this.count === 1 && !this.interrupted) this.abort(sig);
    else this.say(`${sig} again: ${this.still}`);
  }

  private abort(why: string): void {
    this.count = Math.max(this.count, 1);
    this.say(`${why}: ${this.stopping}`);
    this.controller.abort(new Error(`interrupted: ${why}`));
  }
}
