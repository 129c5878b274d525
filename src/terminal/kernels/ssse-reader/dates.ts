/**
 * Dates of the SSSE data items (cn4 YYYYMMDD: 发卡日期, 卡有效期, 出生日期, 个人账户建立日期; DOMAIN.md §1.2)
 * and the transaction time of the medical debit (cn7 YYYYMMDDhhmmss). Dates are calendar dates: a `Date`
 * at 00:00 UTC of that day. [R] The transaction time is Beijing time (UTC+08:00, no daylight saving), the
 * time of the terminal's place (docs/ssse-reader.md).
 */

/** A YYYYMMDD calendar date as a Date at 00:00 UTC; undefined when it is not a real date. */
export function parseYmd(text: string): Date | undefined {
  if (!/^\d{8}$/.test(text)) return undefined;
  const y = Number(text.slice(0, 4));
  const m = Number(text.slice(4, 6));
  const d = Number(text.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date;
}

/** YYYYMMDD of a calendar date (UTC). */
export function formatYmd(date: Date): string {
  return `${String(date.getUTCFullYear()).padStart(4, '0')}${String(date.getUTCMonth() + 1).padStart(2, '0')}${String(date.getUTCDate()).padStart(2, '0')}`;
}

/** YYYY-MM-DD of a calendar date (UTC), for JSON and display. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Offset of Beijing time from UTC. */
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** The 7-byte BCD transaction time YYYYMMDDhhmmss of an instant, in Beijing time. */
export function transactionTime(at: Date): Uint8Array {
  const t = new Date(at.getTime() + BEIJING_OFFSET_MS);
  const digits = [
    String(t.getUTCFullYear()).padStart(4, '0'),
    String(t.getUTCMonth() + 1).padStart(2, '0'),
    String(t.getUTCDate()).padStart(2, '0'),
    String(t.getUTCHours()).padStart(2, '0'),
    String(t.getUTCMinutes()).padStart(2, '0'),
    String(t.getUTCSeconds()).padStart(2, '0'),
  ].join('');
  const out = new Uint8Array(7);
  for (let i = 0; i < 7; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The instant of a 7-byte BCD transaction time (Beijing time); undefined when the bytes are not a time. */
export function parseTransactionTime(bcd: Uint8Array): Date | undefined {
  if (bcd.length !== 7) return undefined;
  const digits = Array.from(bcd, (b) => b.toString(16).padStart(2, '0')).join('');
  if (!/^\d{14}$/.test(digits)) return undefined;
  const day = parseYmd(digits.slice(0, 8));
  const [h, m, s] = [Number(digits.slice(8, 10)), Number(digits.slice(10, 12)), Number(digits.slice(12, 14))];
  if (!day || h > 23 || m > 59 || s > 59) return undefined;
  return new Date(day.getTime() + ((h * 60 + m) * 60 + s) * 1000 - BEIJING_OFFSET_MS);
}
