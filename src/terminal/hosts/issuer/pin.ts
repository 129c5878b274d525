/**
 * The online PIN as the issuer keeps it: never the PIN itself, only a salted scrypt hash
 * (RFC 7914; parameters in choices.ts PIN_HASH), compared in constant time.
 */
import { scryptSync, timingSafeEqual } from 'node:crypto';
import { fromHex, toHex } from '../../../apdu/bytes.js';
import type { RandomSource } from '../../../env.js';
import { PIN_HASH } from './choices.js';

/** Digits a PIN may have (ISO 9564-1: 4 to 12). */
export const PIN_PATTERN = /^[0-9]{4,12}$/;

function derive(pin: string, salt: Uint8Array): Uint8Array {
  return new Uint8Array(scryptSync(pin, salt, PIN_HASH.length, { N: PIN_HASH.N, r: PIN_HASH.r, p: PIN_HASH.p }));
}

/** A new salted hash of a PIN. */
export function hashPin(pin: string, random: RandomSource): { hash: string; salt: string } {
  if (!PIN_PATTERN.test(pin)) throw new RangeError('pin: must be 4 to 12 digits');
  const salt = random(PIN_HASH.saltLength);
  return { hash: toHex(derive(pin, salt)), salt: toHex(salt) };
}

/** Whether a PIN matches a stored hash. */
export function pinMatches(pin: string, stored: { hash: string; salt: string }): boolean {
  if (!PIN_PATTERN.test(pin)) return false;
  const expected = fromHex(stored.hash);
  const actual = derive(pin, fromHex(stored.salt));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
