/**
 * Codecs of the EMV data formats the kernels read and write (EMV 4.3 Book 3 §4.3 "data element formats"):
 * n (BCD, right-justified), cn (BCD, F-padded), dates n6 YYMMDD, amounts n12 in fen. Strict: a value
 * that does not decode is `undefined`, and the caller decides what that means.
 */
import { toHex } from '../../apdu/bytes.js';

/** Largest n12 amount (fen). */
export const MAX_AMOUNT = 999_999_999_999;

/** Digits of an n value (BCD), undefined when a nibble is not a digit. */
export function numericDigits(bytes: Uint8Array): string | undefined {
  const text = toHex(bytes);
  return /^[0-9]*$/.test(text) ? text : undefined;
}

/** The number of an n value (at most 15 digits), undefined when malformed. */
export function numericValue(bytes: Uint8Array): number | undefined {
  const digits = numericDigits(bytes);
  if (digits === undefined || digits.length === 0 || digits.length > 15) return undefined;
  return Number(digits);
}

/** Digits of a cn value (BCD with trailing F padding), undefined when malformed. */
export function compressedDigits(bytes: Uint8Array): string | undefined {
  const m = /^([0-9]*)F*$/.exec(toHex(bytes));
  return m && m[1]!.length > 0 ? m[1] : undefined;
}

/** n BCD of `value` in `length` bytes. */
export function toNumeric(value: number | string, length: number): Uint8Array {
  const text = String(value);
  if (!/^[0-9]+$/.test(text) || text.length > 2 * length) throw new RangeError(`toNumeric: ${text} does not fit n${2 * length}`);
  const padded = text.padStart(2 * length, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number.parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** An amount (fen) as n12. */
export function amountN12(fen: number): Uint8Array {
  if (!Number.isSafeInteger(fen) || fen < 0 || fen > MAX_AMOUNT) throw new RangeError(`amount: ${fen} is not 0..${MAX_AMOUNT} fen`);
  return toNumeric(fen, 6);
}

/** A calendar date (UTC, no time). */
export interface EmvDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Decodes an n6 YYMMDD date (EMV Book 3 §10.4.3: YY 00-49 is 20YY, 50-99 is 19YY); undefined when it is
 * not a real date.
 */
export function decodeYymmdd(bytes: Uint8Array): EmvDate | undefined {
  if (bytes.length !== 3) return undefined;
  const digits = numericDigits(bytes);
  if (!digits) return undefined;
  const yy = Number(digits.slice(0, 2));
  const month = Number(digits.slice(2, 4));
  const day = Number(digits.slice(4, 6));
  const year = yy < 50 ? 2000 + yy : 1900 + yy;
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || day < 1 || probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1) return undefined;
  return { year, month, day };
}

/** A Date's UTC calendar date. */
export function dateOf(at: Date): EmvDate {
  return { year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate() };
}

/** Compares two dates: negative, zero or positive. */
export function compareDates(a: EmvDate, b: EmvDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** n6 YYMMDD of a Date (UTC). */
export function yymmdd(at: Date): Uint8Array {
  const d = dateOf(at);
  return toNumeric(`${String(d.year % 100).padStart(2, '0')}${String(d.month).padStart(2, '0')}${String(d.day).padStart(2, '0')}`, 3);
}

/** n6 HHMMSS of a Date (UTC). */
export function hhmmss(at: Date): Uint8Array {
  const t = [at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()].map((v) => String(v).padStart(2, '0')).join('');
  return toNumeric(t, 3);
}

/** A PAN with all but the first 6 and the last 4 digits masked (receipts). */
export function maskPan(pan: string): string {
  if (pan.length <= 10) return pan;
  return `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}
