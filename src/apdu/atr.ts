/**
 * Answers-to-reset (ISO/IEC 7816-3 §8; PC/SC Part 3 §3.1.3.2.3 for the contactless pseudo-ATR).
 *
 * Contact, T=0 (as the real third-generation card of DOMAIN.md §1.4, `3B 6D 00 00 <13 historical>`):
 *   TS=3B, T0=6K (TB1 and TC1 present, K historical bytes), TB1=00, TC1=00, historical bytes; no TCK.
 * Contact, T=1: TS=3B, T0=EK (TB1, TC1, TD1), TB1=00, TC1=00, TD1=01 (T=1), historical bytes, TCK.
 * Contactless (ISO 14443-4 type B/A as PC/SC shows it): `3B 8n 80 01 <historical> TCK`.
 */

/** XOR of all bytes from T0 to the end (the check byte TCK). */
function checkByte(bytesFromT0: number[]): number {
  return bytesFromT0.reduce((a, b) => a ^ b, 0);
}

function checkHistorical(historical: Uint8Array): void {
  if (historical.length > 15) throw new RangeError(`ATR: at most 15 historical bytes, got ${historical.length}`);
}

/** The contact ATR for a protocol and historical bytes. */
export function contactAtr(protocol: 'T=0' | 'T=1', historical: Uint8Array): Uint8Array {
  checkHistorical(historical);
  const k = historical.length;
  if (protocol === 'T=0') return Uint8Array.from([0x3b, 0x60 | k, 0x00, 0x00, ...historical]);
  const body = [0xe0 | k, 0x00, 0x00, 0x01, ...historical];
  return Uint8Array.from([0x3b, ...body, checkByte(body)]);
}

/** The PC/SC pseudo-ATR of an ISO 14443-4 card with these historical bytes. */
export function contactlessAtr(historical: Uint8Array): Uint8Array {
  checkHistorical(historical);
  const body = [0x80 | historical.length, 0x80, 0x01, ...historical];
  return Uint8Array.from([0x3b, ...body, checkByte(body)]);
}

/** The historical bytes of an ATR built by this module (or any ATR with the same interface bytes). */
export function historicalBytes(atr: Uint8Array): Uint8Array {
  if (atr.length < 2) throw new RangeError('ATR: too short');
  const k = atr[1]! & 0x0f;
  let y = atr[1]! >> 4;
  let i = 2;
  let tck = false;
  for (;;) {
    const hasTd = (y & 8) !== 0;
    i += ((y & 1) !== 0 ? 1 : 0) + ((y & 2) !== 0 ? 1 : 0) + ((y & 4) !== 0 ? 1 : 0);
    if (!hasTd) break;
    const td = atr[i]!;
    if ((td & 0x0f) !== 0) tck = true;
    i += 1;
    y = td >> 4;
  }
  const end = i + k;
  if (end + (tck ? 1 : 0) !== atr.length) throw new RangeError('ATR: length does not match its interface bytes');
  return atr.slice(i, end);
}
