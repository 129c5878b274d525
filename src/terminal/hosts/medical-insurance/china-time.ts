/**
 * Times as the platform writes them: China Standard Time (UTC+8, no daylight saving) whatever the
 * machine's time zone, `yyyy-MM-dd HH:mm:ss` (DOMAIN.md §4.1 inf_time). The annual deductible and cap
 * run by the calendar year of this time.
 */

export interface ChinaTime {
  /** yyyy-MM-dd HH:mm:ss */
  time: string;
  /** yyyy-MM-dd */
  date: string;
  /** yyyyMMdd */
  day: string;
  /** yyyyMMddHHmmss */
  compact: string;
  year: number;
}

const OFFSET_MS = 8 * 3600 * 1000;

/** The China time of an instant. */
export function chinaTime(at: Date): ChinaTime {
  const iso = new Date(at.getTime() + OFFSET_MS).toISOString();
  const date = iso.slice(0, 10);
  const time = `${date} ${iso.slice(11, 19)}`;
  return { time, date, day: date.replace(/-/g, ''), compact: time.replace(/[-: ]/g, ''), year: Number(iso.slice(0, 4)) };
}

/** Whole years between a birth date (yyyy-MM-dd) and a day (yyyy-MM-dd). */
export function ageOn(brdy: string, date: string): number {
  const [by, bm, bd] = brdy.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
