/**
 * PEM armour (RFC 7468) and SM2 key containers for OpenSSL interoperability:
 * - SubjectPublicKeyInfo (RFC 5480): AlgorithmIdentifier { id-ecPublicKey, SM2 curve OID
 *   1.2.156.10197.1.301 }, BIT STRING 04 ‖ x ‖ y — "PUBLIC KEY";
 * - PKCS#8 (RFC 5208/5958) wrapping a SEC1 ECPrivateKey — "PRIVATE KEY" (what `openssl genpkey
 *   -algorithm SM2` writes);
 * - SEC1 ECPrivateKey (RFC 5915) with the curve OID and public key — "EC PRIVATE KEY".
 */
import { concat } from '../../apdu/bytes.js';
import { SM2_CURVE_OID, bigintToBytes } from './curve.js';
import {
  DER_TAG,
  derBitString,
  derChildren,
  derExplicit,
  derInteger,
  derOctetString,
  derOid,
  derReadBitString,
  derReadInteger,
  derReadOid,
  derReadOne,
  derSequence,
  expectTag,
  type DerNode,
} from './der.js';
import { sm2AssertPublicKey, sm2PrivateScalar, sm2PublicKeyFromPrivate } from './keys.js';

/** id-ecPublicKey (RFC 5480). */
export const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';

/** PEM text of DER bytes, 64 characters a line. */
export function pemEncode(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * DER bytes of the first PEM block in `text` (optionally with the given label).
 * @returns the label and the bytes
 * @throws RangeError when no block is found or the base64 is invalid
 */
export function pemDecode(text: string, label?: string): { label: string; der: Uint8Array } {
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (label && m[1] !== label) continue;
    const body = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) throw new RangeError(`PEM ${m[1]}: invalid base64`);
    return { label: m[1]!, der: new Uint8Array(Buffer.from(body, 'base64')) };
  }
  throw new RangeError(label ? `PEM: no "${label}" block found` : 'PEM: no -----BEGIN … ----- block found');
}

/** Bytes from DER bytes or PEM text (any label in `labels`). */
export function derOrPem(input: Uint8Array | string, labels: string[], what: string): { label?: string; der: Uint8Array } {
  if (input instanceof Uint8Array) return { der: input };
  if (typeof input !== 'string') throw new TypeError(`${what}: must be DER bytes or PEM text`);
  const { label, der } = pemDecode(input);
  if (!labels.includes(label)) throw new RangeError(`${what}: PEM label "${label}" is not one of ${labels.join(', ')}`);
  return { label, der };
}

const ALGORITHM = () => derSequence(derOid(EC_PUBLIC_KEY_OID), derOid(SM2_CURVE_OID));

/** SubjectPublicKeyInfo DER of an SM2 public key (04 ‖ x ‖ y). */
export function sm2PublicKeyToSpki(publicKey: Uint8Array): Uint8Array {
  sm2AssertPublicKey(publicKey);
  return derSequence(ALGORITHM(), derBitString(publicKey));
}

/** Checks an AlgorithmIdentifier { id-ecPublicKey, SM2 } node. */
function checkAlgorithm(node: DerNode, what: string): void {
  const parts = derChildren(expectTag(node, DER_TAG.SEQUENCE, what), what);
  if (parts.length !== 2) throw new RangeError(`${what}: AlgorithmIdentifier must have 2 elements`);
  const alg = derReadOid(parts[0]!, what);
  if (alg !== EC_PUBLIC_KEY_OID) throw new RangeError(`${what}: algorithm ${alg} is not id-ecPublicKey (${EC_PUBLIC_KEY_OID})`);
  const curve = derReadOid(parts[1]!, what);
  if (curve !== SM2_CURVE_OID) throw new RangeError(`${what}: curve ${curve} is not SM2 (${SM2_CURVE_OID})`);
}

/**
 * SM2 public key (04 ‖ x ‖ y) from SubjectPublicKeyInfo DER/PEM ("PUBLIC KEY"); also accepts a bare
 * 65-byte point.
 * @throws RangeError for another algorithm or curve, bad DER, or a point not on the curve
 */
export function sm2PublicKeyFromSpki(input: Uint8Array | string): Uint8Array {
  const { der } = derOrPem(input, ['PUBLIC KEY'], 'publicKey');
  if (der.length === 65 && der[0] === 0x04) return sm2AssertPublicKey(Uint8Array.from(der));
  const parts = derChildren(derReadOne(der, DER_TAG.SEQUENCE, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo');
  if (parts.length !== 2) throw new RangeError('SubjectPublicKeyInfo: expected SEQUENCE { algorithm, subjectPublicKey }');
  checkAlgorithm(parts[0]!, 'SubjectPublicKeyInfo');
  const point = Uint8Array.from(derReadBitString(parts[1]!, 'SubjectPublicKeyInfo'));
  return sm2AssertPublicKey(point, 'SubjectPublicKeyInfo public key');
}

/** PEM "PUBLIC KEY" of an SM2 public key. */
export function sm2PublicKeyToPem(publicKey: Uint8Array): string {
  return pemEncode(sm2PublicKeyToSpki(publicKey), 'PUBLIC KEY');
}

/** SEC1 ECPrivateKey DER (version 1, d, [0] curve OID, [1] public key). */
export function sm2PrivateKeyToSec1(privateKey: Uint8Array, withParameters = true): Uint8Array {
  const d = sm2PrivateScalar(privateKey);
  const parts = [derInteger(1n), derOctetString(bigintToBytes(d, 32))];
  if (withParameters) parts.push(derExplicit(0, derOid(SM2_CURVE_OID)));
  parts.push(derExplicit(1, derBitString(sm2PublicKeyFromPrivate(privateKey))));
  return derSequence(...parts);
}

/** PKCS#8 PrivateKeyInfo DER of an SM2 private key (as `openssl genpkey -algorithm SM2` writes). */
export function sm2PrivateKeyToPkcs8(privateKey: Uint8Array): Uint8Array {
  return derSequence(derInteger(0n), ALGORITHM(), derOctetString(sm2PrivateKeyToSec1(privateKey, false)));
}

/** PEM of an SM2 private key: PKCS#8 "PRIVATE KEY" (default) or SEC1 "EC PRIVATE KEY". */
export function sm2PrivateKeyToPem(privateKey: Uint8Array, format: 'pkcs8' | 'sec1' = 'pkcs8'): string {
  return format === 'sec1'
    ? pemEncode(sm2PrivateKeyToSec1(privateKey), 'EC PRIVATE KEY')
    : pemEncode(sm2PrivateKeyToPkcs8(privateKey), 'PRIVATE KEY');
}

function readSec1(der: Uint8Array, requireCurve: boolean): Uint8Array {
  const what = 'ECPrivateKey';
  const parts = derChildren(derReadOne(der, DER_TAG.SEQUENCE, what), what);
  if (parts.length < 2) throw new RangeError(`${what}: expected SEQUENCE { version, privateKey, … }`);
  if (derReadInteger(parts[0]!, what) !== 1n) throw new RangeError(`${what}: version must be 1`);
  const dBytes = expectTag(parts[1]!, DER_TAG.OCTET_STRING, what).value;
  if (dBytes.length > 32) throw new RangeError(`${what}: private key of ${dBytes.length} bytes is too long`);
  const privateKey = concat(new Uint8Array(32 - dBytes.length), dBytes);
  sm2PrivateScalar(privateKey, `${what} private key`);
  let sawCurve = false;
  for (const p of parts.slice(2)) {
    if (p.tag === 0xa0) {
      const oid = derReadOid(derReadOne(p.value, DER_TAG.OID, what), what);
      if (oid !== SM2_CURVE_OID) throw new RangeError(`${what}: curve ${oid} is not SM2 (${SM2_CURVE_OID})`);
      sawCurve = true;
    } else if (p.tag === 0xa1) {
      const pub = derReadBitString(derReadOne(p.value, DER_TAG.BIT_STRING, what), what);
      const expected = sm2PublicKeyFromPrivate(privateKey);
      if (Buffer.compare(Buffer.from(pub), Buffer.from(expected)) !== 0) throw new RangeError(`${what}: public key does not match the private key`);
    } else {
      throw new RangeError(`${what}: unexpected element with tag ${p.tag.toString(16)} at offset ${p.offset}`);
    }
  }
  if (requireCurve && !sawCurve) throw new RangeError(`${what}: no curve parameters (SM2 OID expected)`);
  return privateKey;
}

/**
 * SM2 private key (32 bytes) from PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") DER or PEM.
 * Encrypted PKCS#8 is not supported.
 * @throws RangeError for another algorithm or curve, bad DER, or a key out of range
 */
export function sm2PrivateKeyFromPem(input: Uint8Array | string): Uint8Array {
  const { label, der } = derOrPem(input, ['PRIVATE KEY', 'EC PRIVATE KEY'], 'privateKey');
  const top = derChildren(derReadOne(der, DER_TAG.SEQUENCE, 'private key'), 'private key');
  const isPkcs8 = label === 'PRIVATE KEY' || (label === undefined && top.length >= 3 && top[1]!.tag === DER_TAG.SEQUENCE);
  if (!isPkcs8) return readSec1(der, true);
  if (derReadInteger(top[0]!, 'PrivateKeyInfo') > 1n) throw new RangeError('PrivateKeyInfo: unsupported version');
  checkAlgorithm(top[1]!, 'PrivateKeyInfo');
  return readSec1(expectTag(top[2]!, DER_TAG.OCTET_STRING, 'PrivateKeyInfo').value, false);
}
