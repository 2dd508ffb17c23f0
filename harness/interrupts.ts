/**
 * SIGINT / SIGTERM during a test: the first one aborts the run (clients and faults stop, then
 * logs are collected and the nodes torn down as usual); every later one only says that teardown
 * is still under way. Nothing here exits the process: leaving node processes or proxy ports
 * behind is worse than a slow stop (a SIGKILLed harness is cleaned up by the next run).
 */
export class Interrupts {
  private readonly controller = new AbortController();
  private count = 0;
  private readonly handler = (sig: NodeJS.Signals) => this.onSignal(sig);

  constructor(private readonly say: (line: string) => void) {}

  /** Aborted at the first SIGINT/SIGTERM. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  install(): this {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
    return this;
  }

  uninstall(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }

  private onSignal(sig: NodeJS.Signals): void {
    this.count++;
    if (this.count === 1) {
      this.say(`${sig}: stopping clients and faults, then collecting logs and tearing down the nodes`);
      this.controller.abort(new Error(`interrupted by ${sig}`));
    } else {
      this.say(`${sig} again: still tearing down (waiting for every node and proxy to stop; this does not skip teardown)`);
    }
  }
}
