/**
 * `--now <time>`: a command's clock starts there and runs on — so that a time-bound rule (the 7-day
 * temporary loss report, the turn of the year) can be shown from the command line. Accepts
 * "yyyy-MM-dd HH:mm:ss" (China time, UTC+8) or an ISO 8601 time.
 */
import { systemClock, type Clock } from '../env.js';
import { UsageError } from './errors.js';

/** The clock `--now` names (the system clock without it). */
export function clockOption(now: string | undefined, option = '--now'): Clock {
  if (now === undefined) return systemClock;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)$/.exec(now);
  const start = m ? new Date(`${m[1]}T${m[2]!.length === 5 ? `${m[2]}:00` : m[2]}+08:00`) : new Date(now);
  if (Number.isNaN(start.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(now)) {
    throw new UsageError(`${option}: expected "yyyy-MM-dd HH:mm:ss" (China time) or an ISO 8601 time, got "${now}"`);
  }
  const offset = start.getTime() - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}
