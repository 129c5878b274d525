/**
 * Amounts: integers in fen (分) inside, n12 BCD (6 bytes, EMV "Amount, Authorised") on the wire
 * (DOMAIN.md §2: `9F7906000000012345` = 123.45).
 */

/** Largest n12 amount. */
export const MAX_N12 = 999_999_999_999;

/** Encodes fen as n12 BCD (6 bytes). */
export function toN12(fen: number): Uint8Array {
  if (!Number.isSafeInteger(fen) || fen < 0 || fen > MAX_N12) throw new RangeError(`amount: ${fen} is not 0..${MAX_N12} fen`);
  return bcd(String(fen).padStart(12, '0'));
}

/** Decodes n12 BCD (any length); undefined when a nibble is not a decimal digit. */
export function fromN12(bytes: Uint8Array): number | undefined {
  let text = '';
  for (const b of bytes) {
    const hi = b >> 4;
    const lo = b & 15;
    if (hi > 9 || lo > 9) return undefined;
    text += `${hi}${lo}`;
  }
  return Number(text);
}

/** Digits to packed BCD; an odd count gets a trailing F (cn) unless `leftPad`. */
export function bcd(digits: string, pad: 'F' | '0' = 'F'): Uint8Array {
  const d = digits.length % 2 === 0 ? digits : digits + pad;
  const out = new Uint8Array(d.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(d.slice(2 * i, 2 * i + 2), 16);
  return out;
}
