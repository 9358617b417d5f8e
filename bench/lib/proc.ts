// Memory and CPU of a process as Linux reports them in /proc: peak resident set (VmHWM), which can be reset
// between phases through clear_refs, and user+system CPU time. Linux only; elsewhere the figures are absent.

import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Resident set now and at its peak since start (or since the last {@link resetPeakRss}), in MiB. */
export function rssOf(pid: number): { rssMiB: number; peakRssMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Resets a process's peak resident set to its current size (writes 5 to /proc/<pid>/clear_refs), so VmHWM then
 * measures the peak of the phase that follows.
 * @returns false when the kernel does not allow it (then VmHWM is the peak since the process started)
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The fields after the command name in /proc/<pid>/stat (state is field 0, ppid 1, utime 11, stime 12). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields after it are space-separated.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * User plus system CPU seconds of a process and every live descendant, with the children each has already waited
 * for (cutime and cstime): a server that forks a process per connection, as PostgreSQL does, counted whole.
 */
export function cpuSecondsOfTree(pid: number): number | undefined {
  const root = statFields(pid);
  if (!root) return undefined;
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields) continue;
    const child = Number(entry);
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), child]);
    ticks.set(child, Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
  }
  let total = 0;
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    total += ticks.get(next) ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total / clockTicksPerSecond();
}

/** User plus system CPU seconds the process has used since it started. */
export function cpuSecondsOf(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond() : undefined;
}
