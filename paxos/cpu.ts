/** CPU time of another process, from /proc (Linux): what the benchmarks charge per operation. */
import fs from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/** CPU milliseconds (user + system) a process has used so far, from /proc/PID/stat. */
export function processCpuMs(pid: number): number {
  const { userMs, systemMs } = processCpuTimes(pid);
  return userMs + systemMs;
}

/** CPU milliseconds a process has used so far in user space and in the kernel (syscalls). */
export function processCpuTimes(pid: number): { userMs: number; systemMs: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
  return { userMs: (Number(fields[11]) * 1000) / USER_HZ, systemMs: (Number(fields[12]) * 1000) / USER_HZ };
}
