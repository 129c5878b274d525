/**
 * PBOC SM2 offline-data-authentication certificates (DOMAIN.md §2 [C/R]); no message recovery: every
 * field is in clear and the SM2 signature (SM3, Z_A with ID 1234567812345678) covers the bytes before it.
 *
 * | object | layout |
 * |---|---|
 * | issuer certificate 90 (CA-signed) | `12 | issuer id(4, PAN digits F-padded) | MMYY(2) | serial(3) | 04 | 00 | 11 | 40 | Q(64) | sig(64)` |
 * | ICC certificate 9F46 (issuer-signed) | `14 | PAN(10, F-padded) | MMYY(2) | serial(3) | 04 | 00 | 11 | 40 | Q(64) | sig(64)` |
 * | SSAD 93 (issuer-signed) | `13 | DAC(2) | sig(64)` |
 *
 * The bytes `04 00 11 40` after the serial are copied from the observed 148-byte ICC certificate
 * (read here as: signature algorithm 04 = SM2, 00, public-key algorithm 11, key length 40). [R]
 * The issuer signs the ICC certificate fields followed by the static data to be authenticated (binding
 * the static data into DDA/fDDA, as EMV does) [R]; SSAD signs `13 | DAC | static data`.
 */
import type { RandomSource } from '../../../env.js';
import { sm3 } from '../../../crypto/sm3.js';
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';
import { bcd } from './amounts.js';
import { pbocCrypto } from './crypto.js';

/** Order n of the SM2 recommended curve (GM/T 0003.5; DOMAIN.md §6). */
const SM2_N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');

/** Fixed bytes after the serial (see above). */
export const CERT_KEY_INFO = '04001140';

/**
 * A deterministic TEST key from a seed: d = SM3(seed) mod (n − 1) + 1. For the test CA and issuer only.
 */
export function testPrivateKey(seed: string): Uint8Array {
  const h = BigInt('0x' + toHex(sm3(new TextEncoder().encode(seed))));
  return fromHex(((h % (SM2_N - 1n)) + 1n).toString(16).padStart(64, '0'));
}

/** A private key from 32 random bytes (mod n − 1, + 1). */
export function privateKeyFromRandom(bytes: Uint8Array): Uint8Array {
  const v = BigInt('0x' + toHex(bytes));
  return fromHex(((v % (SM2_N - 1n)) + 1n).toString(16).padStart(64, '0'));
}

/** X ‖ Y (64 bytes) of a private key. */
export function publicKeyXY(privateKey: Uint8Array): Uint8Array {
  return pbocCrypto.sm2PublicKey(privateKey).subarray(1);
}

/** MMYY of a YYMMDD or YYYYMMDD date. */
function mmyy(date: string): Uint8Array {
  const d = date.length === 8 ? date.slice(2) : date;
  return bcd(d.slice(2, 4) + d.slice(0, 2));
}

/** Issuer certificate 90 signed by the CA. */
export function buildIssuerCertificate(random: RandomSource, caPrivate: Uint8Array, issuerId: string, expiry: string, serial: Uint8Array, issuerPublicXY: Uint8Array): Uint8Array {
  const id = bcd(issuerId.slice(0, 8).padEnd(8, 'F'));
  const body = concat(Uint8Array.of(0x12), id, mmyy(expiry), serial, fromHex(CERT_KEY_INFO), issuerPublicXY);
  return concat(body, pbocCrypto.sm2Sign(caPrivate, body, random));
}

/** ICC certificate 9F46 signed by the issuer over its fields ‖ the static data to be authenticated. */
export function buildIccCertificate(random: RandomSource, issuerPrivate: Uint8Array, pan: string, expiry: string, serial: Uint8Array, iccPublicXY: Uint8Array, staticData: Uint8Array): Uint8Array {
  const body = concat(Uint8Array.of(0x14), bcd(pan.padEnd(20, 'F')), mmyy(expiry), serial, fromHex(CERT_KEY_INFO), iccPublicXY);
  return concat(body, pbocCrypto.sm2Sign(issuerPrivate, concat(body, staticData), random));
}

/** Signed static application data 93. */
export function buildSsad(random: RandomSource, issuerPrivate: Uint8Array, dac: Uint8Array, staticData: Uint8Array): Uint8Array {
  const header = concat(Uint8Array.of(0x13), dac);
  return concat(header, pbocCrypto.sm2Sign(issuerPrivate, concat(header, staticData), random));
}
