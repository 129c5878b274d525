/**
 * Whether a process named in a lock or a temporary file's name still runs. On Linux a PID that was
 * reused by another program is told apart by its start time (/proc/PID/stat field 22), and a zombie
 * (killed, not yet reaped by its parent) counts as gone.
 */
import { readFileSync } from 'node:fs';

/** The /proc/PID/stat fields after the command name (field 3 onwards), or undefined off Linux / for a gone PID. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Start time of a process in clock ticks since boot (Linux), to tell a reused PID apart. */
export function processStartTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/**
 * Whether process `pid` is alive (and, when `startTime` is given and known, is the same process that
 * recorded it).
 */
export function processAlive(pid: number, startTime?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists, it belongs to someone else
  }
  const fields = statFields(pid);
  if (!fields) return true;
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  return startTime === undefined || fields[19] === startTime;
}
