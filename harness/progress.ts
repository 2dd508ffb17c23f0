/**
 * Live progress of a run. On a TTY: one status line redrawn in place (elapsed / limit, phase,
 * ok/fail/info counts, the faults in force). Elsewhere (CI, pipes): a plain line every few
 * seconds, with no control characters. Messages and the final verdict are always plain lines.
 */
import type { Op } from './history.js';

export interface ProgressOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  timeLimitMs: number;
  /** Plain-line period when not a TTY. */
  plainEveryMs?: number;
}

export class Progress {
  /** The main phase's start: elapsed / limit measures the main phase. */
  private startMs = performance.now();
  private readonly counts = { ok: 0, fail: 0, info: 0 };
  private readonly faults = new Set<string>();
  private phase = 'setup';
  private timer: NodeJS.Timeout | undefined;
  private lineShown = false;
  private readonly tty: boolean;

  constructor(private readonly opts: ProgressOptions) {
    this.tty = opts.out.isTTY === true && process.env.TERM !== 'dumb';
  }

  start(): void {
    const every = this.tty ? 250 : (this.opts.plainEveryMs ?? 5000);
    this.timer = setInterval(() => this.draw(), every);
    this.timer.unref();
  }

  setPhase(phase: string): void {
    if (phase === 'main') this.startMs = performance.now();
    this.phase = phase;
    if (!this.tty) this.message(`phase: ${phase}`);
  }

  /** Feed every history op here. */
  onOp(op: Op): void {
    if (op.process === 'nemesis') {
      const m = /^(start|stop)-(.+)$/.exec(op.f);
      if (m) {
        if (m[1] === 'start') this.faults.add(m[2]);
        else this.faults.delete(m[2]);
      }
      return;
    }
    if (op.type !== 'invoke') this.counts[op.type]++;
  }

  /** A plain line (clears the live line first on a TTY). */
  message(text: string): void {
    this.clearLine();
    this.opts.out.write(`${text}\n`);
    if (this.tty && this.timer) this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearLine();
  }

  statusLine(): string {
    const elapsed = (performance.now() - this.startMs) / 1000;
    const limit = this.opts.timeLimitMs / 1000;
    const faults = this.faults.size ? [...this.faults].join(',') : 'none';
    // Before the main phase the clock measures setup, which has no limit.
    const clock = this.phase === 'setup' ? `[setup ${elapsed.toFixed(1)}s]` : `[${elapsed.toFixed(1)}s / ${limit}s]`;
    return `${clock} ${this.phase}  ok ${this.counts.ok}  fail ${this.counts.fail}  info ${this.counts.info}  faults: ${faults}`;
  }

  private draw(): void {
    if (this.tty) {
      this.opts.out.write(`\r\x1b[K${this.statusLine()}`);
      this.lineShown = true;
    } else {
      this.opts.out.write(`${this.statusLine()}\n`);
    }
  }

  private clearLine(): void {
    if (this.tty && this.lineShown) this.opts.out.write('\r\x1b[K');
    this.lineShown = false;
  }
}
