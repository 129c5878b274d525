/**
 * PBOC 3.0 SM2 offline-data-authentication objects (DOMAIN.md §2 [C/R]; layouts and marks in
 * docs/crypto-sm2.md "PBOC SM2 certificates"): issuer public-key certificate (tag 90, format 12), ICC
 * public-key certificate (tag 9F46, format 14, 148 bytes as observed), signed static application data
 * (tag 93, format 13) and signed dynamic application data (tag 9F4B, format 15).
 *
 * No message recovery: every field is in clear and an SM2 signature (SM3, Z_A with ID
 * `1234567812345678` [R]) follows. Every layout choice lives in {@link PBOC_SM2_LAYOUT}.
 */
import { concat, toHex } from '../../apdu/bytes.js';
import type { RandomSource } from '../../env.js';
import { SM2_DEFAULT_ID, sm2AssertPublicKey, sm2PublicKeyFromPrivate } from '../sm2/keys.js';
import { derivedRandom } from '../sm2/nonce.js';
import { sm2Sign, sm2Verify } from '../sm2/sign.js';

/**
 * The reconstructed layout, in one place [R] (DOMAIN.md §2; docs/crypto-sm2.md):
 * - certificate: `format | id | expiry MMYY (BCD) | serial(3) | 04 | 00 | 11 | 40 | Q = x ‖ y (64) | signature r ‖ s (64)`;
 *   the issuer certificate's id is the issuer identifier (leftmost 3-8 PAN digits, F-padded, 4 bytes),
 *   the ICC certificate's id is the PAN (F-padded, 10 bytes) [C for 14, R for 12 by analogy];
 * - the four bytes `04 00 11 40` are copied from the observed ICC certificate and read as: signature
 *   algorithm 04 = SM2, 00 (reserved / parameter index), public-key algorithm 11, public-key length 0x40 [R];
 * - the CA signs the issuer certificate fields; the issuer signs the ICC certificate fields followed by the
 *   static data to be authenticated (as EMV binds static data into the ICC certificate) [R];
 * - SSAD: `13 | DAC(2) | signature` over `13 | DAC | static data` [R];
 * - SDAD: `15 | LDD | ICC dynamic data | signature`, ICC dynamic data = `len | ICC dynamic number`,
 *   signed over `15 | LDD | ICC dynamic data | terminal dynamic data` (DDOL data; fDDA: 9F37 ‖ 9F02 ‖
 *   5F2A ‖ 9F69) [R];
 * - signer ID for Z_A: `1234567812345678` [R].
 */
export const PBOC_SM2_LAYOUT = Object.freeze({
  formats: Object.freeze({ issuerCertificate: 0x12, ssad: 0x13, iccCertificate: 0x14, sdad: 0x15 }),
  idLength: Object.freeze({ issuerCertificate: 4, iccCertificate: 10 }),
  serialLength: 3,
  keyInfo: Object.freeze([0x04, 0x00, 0x11, 0x40]),
  publicKeyLength: 64,
  signatureLength: 64,
  dacLength: 2,
  signerId: SM2_DEFAULT_ID,
});

const L = PBOC_SM2_LAYOUT;

/** A parsed issuer (90) or ICC (9F46) certificate. */
export interface PbocCertificate {
  format: number;
  /** Issuer identifier or PAN digits, F padding removed. */
  idDigits: string;
  /** Expiry as printed: MMYY. */
  expiry: string;
  serial: Uint8Array;
  keyInfo: Uint8Array;
  /** 04 ‖ x ‖ y (65 bytes). */
  publicKey: Uint8Array;
  /** The certificate bytes before the signature. */
  body: Uint8Array;
  signature: Uint8Array;
}

interface SignOpts {
  random?: RandomSource;
}

function bcdDigits(digits: string, bytes: number, what: string): Uint8Array {
  if (!/^[0-9]+$/.test(digits)) throw new RangeError(`${what}: digits only, got '${digits}'`);
  if (digits.length > 2 * bytes) throw new RangeError(`${what}: at most ${2 * bytes} digits, got ${digits.length}`);
  const padded = digits.padEnd(2 * bytes, 'F');
  return Uint8Array.from(Buffer.from(padded, 'hex'));
}

function digitsOf(bytes: Uint8Array, what: string): string {
  const hex = toHex(bytes);
  const m = /^([0-9]*)(F*)$/.exec(hex);
  if (!m) throw new RangeError(`${what}: not F-padded BCD digits (${hex})`);
  return m[1]!;
}

/** MMYY BCD from MMYY, YYMMDD or YYYYMMDD (e.g. tag 5F24). */
function expiryBcd(expiry: string): Uint8Array {
  let mmyy: string;
  if (/^\d{4}$/.test(expiry)) mmyy = expiry;
  else if (/^\d{6}$/.test(expiry)) mmyy = expiry.slice(2, 4) + expiry.slice(0, 2);
  else if (/^\d{8}$/.test(expiry)) mmyy = expiry.slice(4, 6) + expiry.slice(2, 4);
  else throw new RangeError(`expiry: MMYY, YYMMDD or YYYYMMDD digits, got '${expiry}'`);
  const mm = Number(mmyy.slice(0, 2));
  if (mm < 1 || mm > 12) throw new RangeError(`expiry: month ${mmyy.slice(0, 2)} is not 01-12`);
  return Uint8Array.from(Buffer.from(mmyy, 'hex'));
}

function serialBytes(serial: Uint8Array | number): Uint8Array {
  if (typeof serial === 'number') {
    if (!Number.isInteger(serial) || serial < 0 || serial > 0xffffff) throw new RangeError('serial: an integer 0..0xFFFFFF');
    return Uint8Array.of(serial >> 16, (serial >> 8) & 0xff, serial & 0xff);
  }
  if (!(serial instanceof Uint8Array) || serial.length !== L.serialLength) throw new RangeError(`serial: ${L.serialLength} bytes`);
  return serial;
}

function xy(publicKey: Uint8Array): Uint8Array {
  const full = publicKey.length === 64 ? concat(Uint8Array.of(4), publicKey) : publicKey;
  return sm2AssertPublicKey(full, 'publicKey').subarray(1);
}

function sign(privateKey: Uint8Array, data: Uint8Array, opts: SignOpts): Uint8Array {
  return sm2Sign(privateKey, data, { id: L.signerId, random: opts.random ?? derivedRandom(privateKey, data) });
}

function buildCertificate(format: number, id: Uint8Array, expiry: string, serial: Uint8Array | number, publicKey: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(format), id, expiryBcd(expiry), serialBytes(serial), Uint8Array.from(L.keyInfo), xy(publicKey));
}

/**
 * Issuer public-key certificate (tag 90, format 12), signed by the CA.
 * @param opts.issuerId leftmost 3-8 digits of the PAN
 * @param opts.issuerPublicKey 65 bytes 04 ‖ x ‖ y (or 64 bytes x ‖ y)
 */
export function buildIssuerCertificate(opts: {
  caPrivateKey: Uint8Array;
  issuerId: string;
  expiry: string;
  serial: Uint8Array | number;
  issuerPublicKey: Uint8Array;
  random?: RandomSource;
}): Uint8Array {
  if (opts.issuerId.length < 3) throw new RangeError('issuerId: 3 to 8 digits');
  const body = buildCertificate(L.formats.issuerCertificate, bcdDigits(opts.issuerId, L.idLength.issuerCertificate, 'issuerId'), opts.expiry, opts.serial, opts.issuerPublicKey);
  return concat(body, sign(opts.caPrivateKey, body, opts));
}

/**
 * ICC public-key certificate (tag 9F46, format 14, 148 bytes), signed by the issuer over its fields ‖
 * the static data to be authenticated.
 */
export function buildIccCertificate(opts: {
  issuerPrivateKey: Uint8Array;
  pan: string;
  expiry: string;
  serial: Uint8Array | number;
  iccPublicKey: Uint8Array;
  staticData?: Uint8Array;
  random?: RandomSource;
}): Uint8Array {
  const body = buildCertificate(L.formats.iccCertificate, bcdDigits(opts.pan, L.idLength.iccCertificate, 'pan'), opts.expiry, opts.serial, opts.iccPublicKey);
  return concat(body, sign(opts.issuerPrivateKey, concat(body, opts.staticData ?? new Uint8Array(0)), opts));
}

/**
 * Parses an issuer (format 12) or ICC (format 14) certificate by the layout.
 * @throws RangeError naming the field that is wrong (length, format, key info, digits, point not on curve)
 */
export function parsePbocCertificate(bytes: Uint8Array, expectedFormat?: number): PbocCertificate {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError('certificate: must be non-empty bytes');
  const format = bytes[0]!;
  const idLength = format === L.formats.issuerCertificate ? L.idLength.issuerCertificate : format === L.formats.iccCertificate ? L.idLength.iccCertificate : -1;
  if (idLength < 0) throw new RangeError(`certificate: format ${format.toString(16).padStart(2, '0')} is neither 12 (issuer) nor 14 (ICC)`);
  if (expectedFormat !== undefined && format !== expectedFormat) {
    throw new RangeError(`certificate: format ${format.toString(16)} where ${expectedFormat.toString(16)} was expected`);
  }
  const expected = 1 + idLength + 2 + L.serialLength + L.keyInfo.length + L.publicKeyLength + L.signatureLength;
  if (bytes.length !== expected) throw new RangeError(`certificate: format ${format.toString(16)} needs ${expected} bytes, got ${bytes.length}`);
  let at = 1;
  const take = (n: number) => bytes.subarray(at, (at += n));
  const id = take(idLength);
  const expiryBytes = take(2);
  const serial = take(L.serialLength);
  const keyInfo = take(L.keyInfo.length);
  const q = take(L.publicKeyLength);
  const body = bytes.subarray(0, at);
  const signature = take(L.signatureLength);
  if (!keyInfo.every((b, i) => b === L.keyInfo[i])) throw new RangeError(`certificate: key information ${toHex(keyInfo)} is not ${toHex(Uint8Array.from(L.keyInfo))} (SM2, 64-byte key)`);
  const expiry = toHex(expiryBytes);
  if (!/^(0[1-9]|1[0-2])\d\d$/.test(expiry)) throw new RangeError(`certificate: expiry ${expiry} is not MMYY`);
  return {
    format,
    idDigits: digitsOf(id, format === L.formats.iccCertificate ? 'certificate PAN' : 'certificate issuer id'),
    expiry,
    serial: Uint8Array.from(serial),
    keyInfo: Uint8Array.from(keyInfo),
    publicKey: sm2AssertPublicKey(concat(Uint8Array.of(4), q), 'certificate public key'),
    body: Uint8Array.from(body),
    signature: Uint8Array.from(signature),
  };
}

/** Parses and verifies an issuer certificate with the CA public key. @throws RangeError when the signature fails */
export function verifyIssuerCertificate(bytes: Uint8Array, caPublicKey: Uint8Array): PbocCertificate {
  const cert = parsePbocCertificate(bytes, L.formats.issuerCertificate);
  if (!sm2Verify(caPublicKey, cert.body, cert.signature, { id: L.signerId })) throw new RangeError('issuer certificate: CA signature does not verify');
  return cert;
}

/** Parses and verifies an ICC certificate with the issuer public key and the static data. @throws RangeError */
export function verifyIccCertificate(bytes: Uint8Array, issuerPublicKey: Uint8Array, staticData: Uint8Array = new Uint8Array(0)): PbocCertificate {
  const cert = parsePbocCertificate(bytes, L.formats.iccCertificate);
  if (!sm2Verify(issuerPublicKey, concat(cert.body, staticData), cert.signature, { id: L.signerId })) {
    throw new RangeError('ICC certificate: issuer signature does not verify (certificate or static data altered)');
  }
  return cert;
}

/** Whether an MMYY expiry has passed at `at` (valid through the last day of the month, UTC; YY → 20YY). */
export function pbocCertificateExpired(cert: Pick<PbocCertificate, 'expiry'>, at: Date): boolean {
  const mm = Number(cert.expiry.slice(0, 2));
  const yy = 2000 + Number(cert.expiry.slice(2, 4));
  return at.getTime() >= Date.UTC(yy, mm, 1);
}

/** Signed static application data (tag 93, format 13). */
export function buildSsad(opts: { issuerPrivateKey: Uint8Array; dac: Uint8Array; staticData: Uint8Array; random?: RandomSource }): Uint8Array {
  if (!(opts.dac instanceof Uint8Array) || opts.dac.length !== L.dacLength) throw new RangeError(`dac: ${L.dacLength} bytes`);
  const header = concat(Uint8Array.of(L.formats.ssad), opts.dac);
  return concat(header, sign(opts.issuerPrivateKey, concat(header, opts.staticData), opts));
}

/** Verifies SSAD with the issuer public key and the static data; returns the data authentication code. @throws RangeError */
export function verifySsad(ssad: Uint8Array, issuerPublicKey: Uint8Array, staticData: Uint8Array): { dac: Uint8Array } {
  const expected = 1 + L.dacLength + L.signatureLength;
  if (!(ssad instanceof Uint8Array) || ssad.length !== expected) throw new RangeError(`SSAD: ${expected} bytes expected, got ${ssad?.length}`);
  if (ssad[0] !== L.formats.ssad) throw new RangeError(`SSAD: format ${ssad[0]!.toString(16)} is not 13`);
  const header = ssad.subarray(0, 1 + L.dacLength);
  if (!sm2Verify(issuerPublicKey, concat(header, staticData), ssad.subarray(header.length), { id: L.signerId })) {
    throw new RangeError('SSAD: issuer signature does not verify (static data altered?)');
  }
  return { dac: Uint8Array.from(header.subarray(1)) };
}

/** Signed dynamic application data (tag 9F4B, format 15). */
export function buildSdad(opts: { iccPrivateKey: Uint8Array; iccDynamicNumber: Uint8Array; terminalData: Uint8Array; random?: RandomSource }): Uint8Array {
  const n = opts.iccDynamicNumber;
  if (!(n instanceof Uint8Array) || n.length < 2 || n.length > 8) throw new RangeError('iccDynamicNumber: 2 to 8 bytes');
  const dynamicData = concat(Uint8Array.of(n.length), n);
  const header = concat(Uint8Array.of(L.formats.sdad, dynamicData.length), dynamicData);
  return concat(header, sign(opts.iccPrivateKey, concat(header, opts.terminalData), opts));
}

/** Verifies SDAD with the ICC public key and the terminal's dynamic data; returns the ICC dynamic number. @throws RangeError */
export function verifySdad(sdad: Uint8Array, iccPublicKey: Uint8Array, terminalData: Uint8Array): { iccDynamicNumber: Uint8Array } {
  if (!(sdad instanceof Uint8Array) || sdad.length < 3 + L.signatureLength) throw new RangeError('SDAD: too short');
  if (sdad[0] !== L.formats.sdad) throw new RangeError(`SDAD: format ${sdad[0]!.toString(16)} is not 15`);
  const ldd = sdad[1]!;
  if (sdad.length !== 2 + ldd + L.signatureLength) throw new RangeError(`SDAD: LDD ${ldd} does not fit a length of ${sdad.length}`);
  const dynamicData = sdad.subarray(2, 2 + ldd);
  if (dynamicData.length < 1 || dynamicData[0]! + 1 !== ldd) throw new RangeError('SDAD: ICC dynamic number length does not match LDD');
  const header = sdad.subarray(0, 2 + ldd);
  if (!sm2Verify(iccPublicKey, concat(header, terminalData), sdad.subarray(header.length), { id: L.signerId })) {
    throw new RangeError('SDAD: ICC signature does not verify (terminal data or SDAD altered?)');
  }
  return { iccDynamicNumber: Uint8Array.from(dynamicData.subarray(1)) };
}

/** 64-byte x ‖ y of a private key (convenience for personalisation). */
export function pbocPublicKeyXY(privateKey: Uint8Array): Uint8Array {
  return sm2PublicKeyFromPrivate(privateKey).subarray(1);
}
