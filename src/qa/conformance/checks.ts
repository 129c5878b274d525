/**
 * Checks the conformance cases make of data values, written from the standards themselves (not from the
 * card's or the personaliser's code): the SSSE card-number check character (DOMAIN.md §1.2 [V]), the GB
 * 11643-1999 citizen ID check digit, BCD dates, the Luhn check of a PAN (ISO/IEC 7812-1 Annex B), the
 * GB 3304 ethnicity codes and the ATR structure (ISO/IEC 7816-3:2006 §8.2). Each returns the problem in
 * words, or undefined when the value is right.
 */
import { toHex } from '../../apdu/bytes.js';
import { luhnValid } from '../../terminal/hosts/issuer/issuer-host.js';

/** Weights of the SSSE card number's check character (DOMAIN.md §1.2 [V]). */
const CARD_NUMBER_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** The value of a card-number character: digits 0–9, letters A=10 … Z=35 (DOMAIN.md §1.2). */
function cardNumberValue(c: string): number {
  if (/[0-9]/.test(c)) return Number(c);
  if (/[A-Z]/.test(c)) return c.charCodeAt(0) - 55;
  return -1;
}

/** The 卡号 check: 8 characters and C9 = 11 − (Σ Ci·Wi mod 11), 10 written X and 11 written 0. */
export function cardNumberProblem(number: string): string | undefined {
  if (!/^[0-9A-Z]{8}[0-9X]$/.test(number)) return `card number "${number}" is not 8 digits or capital letters followed by a check character`;
  const sum = CARD_NUMBER_WEIGHTS.reduce((s, w, i) => s + cardNumberValue(number[i]!) * w, 0);
  const c = 11 - (sum % 11);
  const expected = c === 10 ? 'X' : c === 11 ? '0' : String(c);
  return number[8] === expected ? undefined : `card number ${number}: check character ${number[8]}, the weights 3,7,9,10,5,8,4,2 give ${expected}`;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643-1999 §8.2: the 18th character of a citizen ID number from the ISO 7064 MOD 11-2 sum. */
export function citizenIdProblem(id: string): string | undefined {
  if (!/^\d{17}[\dX]$/.test(id)) return `ID number "${id}" is not 17 digits and a check character`;
  const sum = ID_WEIGHTS.reduce((s, w, i) => s + Number(id[i]) * w, 0);
  const expected = ID_CHECK[sum % 11]!;
  if (id[17] !== expected) return `ID number ${id}: check character ${id[17]}, GB 11643 gives ${expected}`;
  return dateProblem(id.slice(6, 14), 'birth date in the ID number');
}

/** A YYYYMMDD date that exists. */
export function dateProblem(digits: string, what: string): string | undefined {
  if (!/^\d{8}$/.test(digits)) return `${what} "${digits}" is not YYYYMMDD`;
  const y = Number(digits.slice(0, 4));
  const m = Number(digits.slice(4, 6));
  const d = Number(digits.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return `${what} ${digits} is not a date`;
  return undefined;
}

/** BCD digits of bytes, or undefined when a nibble is not a digit. */
export function bcd(bytes: Uint8Array): string | undefined {
  const hex = toHex(bytes);
  return /^\d*$/.test(hex) ? hex : undefined;
}

/** ISO/IEC 7812-1 Annex B (Luhn). */
export function luhnProblem(pan: string): string | undefined {
  if (!/^\d{12,19}$/.test(pan)) return `PAN "${pan}" is not 12 to 19 digits`;
  return luhnValid(pan) ? undefined : `PAN ${pan} fails the Luhn check (ISO/IEC 7812-1)`;
}

/** GB 3304-1991: 01–56 the nationalities, 97 other, 98 foreign origin. */
export function ethnicityProblem(code: string): string | undefined {
  const n = Number(code);
  if (!/^\d{2}$/.test(code) || !((n >= 1 && n <= 56) || n === 97 || n === 98)) return `ethnicity code ${code} is not a GB 3304 code (01–56, 97, 98)`;
  return undefined;
}

/** What {@link parseAtrStructure} reads of an ATR. */
export interface AtrStructure {
  /** Protocols the interface bytes name (T=0 when none). */
  protocols: number[];
  historical: Uint8Array;
  /** TCK present (required unless only T=0 is indicated). */
  tck?: number;
}

/**
 * The structure of an ATR (ISO/IEC 7816-3:2006 §8.2): TS, T0, the interface bytes chained by the Y
 * nibbles, K historical bytes, and TCK (the XOR of T0 … TCK is 00) when a protocol other than T=0 is
 * indicated. Returns the problem in words, or the structure.
 */
export function parseAtrStructure(atr: Uint8Array): AtrStructure | string {
  if (atr.length < 2) return `ATR of ${atr.length} byte(s)`;
  if (atr[0] !== 0x3b && atr[0] !== 0x3f) return `TS ${atr[0]!.toString(16)} is neither 3B (direct) nor 3F (inverse convention)`;
  let y = atr[1]! >> 4;
  const k = atr[1]! & 0x0f;
  let i = 2;
  const protocols: number[] = [];
  for (;;) {
    for (const bit of [1, 2, 4]) if (y & bit) i++; // TAi, TBi, TCi
    if (!(y & 8)) break;
    if (i >= atr.length) return 'the ATR ends inside its interface bytes';
    const td = atr[i++]!;
    protocols.push(td & 0x0f);
    y = td >> 4;
  }
  if (i > atr.length) return 'the ATR ends inside its interface bytes';
  const needsTck = protocols.some((p) => p !== 0);
  const expectedLength = i + k + (needsTck ? 1 : 0);
  if (atr.length !== expectedLength) return `the ATR is ${atr.length} bytes; its interface bytes and K=${k} historical bytes make ${expectedLength}`;
  const historical = atr.slice(i, i + k);
  if (needsTck) {
    let x = 0;
    for (let j = 1; j < atr.length; j++) x ^= atr[j]!;
    if (x !== 0) return `TCK ${atr[atr.length - 1]!.toString(16).padStart(2, '0')} is wrong: T0 … TCK XOR to ${x.toString(16).padStart(2, '0')}, not 00`;
    return { protocols: protocols.length ? protocols : [0], historical, tck: atr[atr.length - 1]! };
  }
  return { protocols: protocols.length ? protocols : [0], historical };
}
