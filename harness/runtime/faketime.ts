/**
 * Clock skew for local nodes through libfaketime: each node runs with LD_PRELOAD of
 * libfaketime and FAKETIME_TIMESTAMP_FILE pointing at a per-node file that the clock nemesis
 * rewrites; FAKETIME_NO_CACHE=1 makes the node re-read it on every clock call (so Date.now()
 * follows it live) and FAKETIME_DONT_FAKE_MONOTONIC=1 keeps Node's timers on real time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';

export const FAKETIME_PACKAGES = 'apt-get install faketime libfaketime';

const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

let found: string | null | undefined;

/** The path of libfaketime.so.1, or null when it is not installed. */
export function findLibfaketime(): string | null {
  if (found !== undefined) return found;
  found = CANDIDATES.find((p) => existsSync(p)) ?? null;
  if (!found) {
    try {
      const files = execFileSync('dpkg', ['-L', 'libfaketime'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      found = files.split('\n').find((l) => l.endsWith('/libfaketime.so.1') && existsSync(l)) ?? null;
    } catch {
      found = null;
    }
  }
  return found;
}

/** The environment that puts a node's clock under the control of `file`. */
export function faketimeEnv(lib: string, file: string): Record<string, string> {
  return {
    LD_PRELOAD: lib,
    FAKETIME_TIMESTAMP_FILE: file,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

/** libfaketime's relative offset syntax in seconds with a '.' fraction: 5250 -> "+5.250". */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`clock offset must be a finite number of ms, got ${ms}`);
  const whole = Math.round(Math.abs(ms));
  const sign = ms < 0 && whole !== 0 ? '-' : '+';
  return `${sign}${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, '0')}`;
}

/** Writes the offset atomically (rename), so a node never reads a half-written file. */
export function writeOffset(file: string, ms: number): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${formatOffset(ms)}\n`);
  renameSync(tmp, file);
}
