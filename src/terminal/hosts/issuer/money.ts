/**
 * Amounts: integer fen (分) inside; yuan with two decimals at the edges; n12 BCD on the card
 * (EMV Book 3 Annex A format n 12: 9F02, 9F79 …).
 */

/** Largest amount n12 can carry (999,999,999,999 fen). */
export const MAX_N12 = 999_999_999_999;

/** An amount as n12: 6 bytes of BCD, right-aligned. */
export function n12(fen: number): Uint8Array {
  if (!Number.isSafeInteger(fen) || fen < 0 || fen > MAX_N12) throw new RangeError(`amount: ${fen} fen does not fit n12`);
  const digits = String(fen).padStart(12, '0');
  return Uint8Array.from({ length: 6 }, (_, i) => (Number(digits[2 * i]) << 4) | Number(digits[2 * i + 1]));
}

/** Fen as yuan with two decimals: 123450 → "1234.50", −5 → "-0.05". */
export function formatYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Parses yuan ("12.50", "1000", "0.05") into fen: digits with at most two decimals, nothing else.
 * @returns undefined when the text is not such an amount or does not fit n12
 */
export function parseYuan(text: string): number | undefined {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return fen <= MAX_N12 ? fen : undefined;
}
