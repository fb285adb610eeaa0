/**
 * CPU time of other processes, from Linux's /proc/<pid>/stat (user + system, every thread: the
 * libuv pool that signs tokens included). Elsewhere the figures are NaN.
 */
import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's CPU counters (USER_HZ, 100 on Linux). */
export const PROC_TICKS_PER_S = 100

/** CPU time a process has used so far, in ms; NaN when it cannot be read. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    return ((utime + stime) * 1000) / PROC_TICKS_PER_S
  } catch {
    return Number.NaN
  }
}

/** The summed CPU time of several processes, in ms. */
export function totalCpuMs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + processCpuMs(pid), 0)
}
