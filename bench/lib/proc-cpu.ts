/**
 * CPU time of a process from /proc/PID/stat (Linux only): user + system seconds of the process itself
 * plus those of children it has waited for.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds used so far by `pid`; throws when the process is gone or /proc is unavailable. */
export function readProcessCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses; fields are counted after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14), stime (15), cutime (16), cstime (17) sit at 11..14.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  return ticks / clockTicks();
}

/** Measures wall seconds and the CPU seconds `pid` spent while `action` ran. */
export async function measure<T>(pid: number, action: () => Promise<T>): Promise<{ value: T; wallSeconds: number; cpuSeconds: number }> {
  const cpuBefore = readProcessCpuSeconds(pid);
  const started = performance.now();
  const value = await action();
  const wallSeconds = (performance.now() - started) / 1000;
  // Let the server finish work queued by the last responses before reading its counters.
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { value, wallSeconds, cpuSeconds: readProcessCpuSeconds(pid) - cpuBefore };
}

/**
 * CPU seconds (user + system) of the children this process has waited for so far (cutime + cstime of
 * /proc/self/stat): the delta around a spawnSync is that child's CPU time, whatever it is.
 */
export function readWaitedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13] ?? 0) + Number(fields[14] ?? 0)) / clockTicks();
}
