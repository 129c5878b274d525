/**
 * SM2 public-key encryption (GM/T 0003.4 §6, §7) with the SM3 key-derivation function (§5.4.3).
 * Ciphertext order C1 ‖ C3 ‖ C2 (GM/T 0009; DOMAIN.md §1.5 "SM2 envelope C1‖C3‖C2"): C1 = 04 ‖ x1 ‖ y1
 * (65 bytes), C3 = SM3(x2 ‖ M ‖ y2) (32 bytes), C2 = M ⊕ t. DER form: GM/T 0009 SM2Cipher
 * SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING (32), cipherText OCTET STRING } (what OpenSSL uses).
 */
import type { RandomSource } from '../../env.js';
import { concat, constantTimeEqual } from '../../apdu/bytes.js';
import { sm3, sm3Parts } from '../sm3.js';
import { SM2_CURVE, bigintToBytes, encodePoint, type Sm2Curve } from './curve.js';
import {
  DER_TAG,
  derChildren,
  derInteger,
  derOctetString,
  derReadInteger,
  derReadOne,
  derSequence,
  expectTag,
} from './der.js';
import { randomScalar, sm2PrivateScalar } from './keys.js';

const C3_LENGTH = 32;

/**
 * KDF(Z, klen) of GM/T 0003.4 §5.4.3: SM3(Z ‖ ct) for ct = 1, 2, … (32-bit big-endian), truncated.
 */
export function sm2Kdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const ct = new Uint8Array(4);
  for (let i = 0, counter = 1; i < length; i += 32, counter++) {
    new DataView(ct.buffer).setUint32(0, counter);
    const block = sm3Parts(z, ct);
    out.set(block.subarray(0, Math.min(32, length - i)), i);
  }
  return out;
}

function allZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/**
 * Encrypts `plaintext` (at least 1 byte) for `publicKey`.
 * @returns C1(65) ‖ C3(32) ‖ C2(len(plaintext))
 */
export function sm2Encrypt(publicKey: Uint8Array, plaintext: Uint8Array, random: RandomSource, curve: Sm2Curve = SM2_CURVE): Uint8Array {
  const P = curve.publicPoint(publicKey);
  if (!(plaintext instanceof Uint8Array)) throw new TypeError('plaintext: must be a Uint8Array');
  if (plaintext.length === 0) throw new RangeError('plaintext: must not be empty (the KDF output would be all zero)');
  if (typeof random !== 'function') throw new TypeError('sm2Encrypt: random must be a RandomSource');
  for (let attempt = 0; attempt < 100; attempt++) {
    const k = randomScalar(random, 1n, curve.params.n - 1n, curve.size);
    const c1 = encodePoint(curve, curve.baseMultiply(k));
    // h = 1: S = h·P is P itself, already checked not to be the point at infinity. k·P with sscard's own
    // wNAF (not noble's multiply, whose scalar blinding draws from a hidden RNG): the result depends only
    // on the inputs and the injected RandomSource.
    const xy2 = encodePoint(curve, curve.multiply(P, k)).subarray(1);
    const t = sm2Kdf(xy2, plaintext.length);
    if (allZero(t)) continue;
    const c2 = plaintext.map((m, i) => m ^ t[i]!);
    const c3 = sm3Parts(xy2.subarray(0, curve.size), plaintext, xy2.subarray(curve.size));
    return concat(c1, c3, c2);
  }
  throw new Error('sm2Encrypt: KDF output all zero 100 times (is the RandomSource broken?)');
}

/**
 * Decrypts C1 ‖ C3 ‖ C2.
 * @throws RangeError for a malformed ciphertext (length, C1 not on the curve); Error when C3 does not match
 */
export function sm2Decrypt(privateKey: Uint8Array, ciphertext: Uint8Array, curve: Sm2Curve = SM2_CURVE): Uint8Array {
  const d = sm2PrivateScalar(privateKey, 'privateKey', curve);
  if (!(ciphertext instanceof Uint8Array)) throw new TypeError('ciphertext: must be a Uint8Array');
  const c1Length = 1 + 2 * curve.size;
  if (ciphertext.length < c1Length + C3_LENGTH + 1) {
    throw new RangeError(`ciphertext: expected at least ${c1Length + C3_LENGTH + 1} bytes C1‖C3‖C2, got ${ciphertext.length}`);
  }
  const C1 = curve.decodePoint(ciphertext.subarray(0, c1Length), 'ciphertext C1');
  const c3 = ciphertext.subarray(c1Length, c1Length + C3_LENGTH);
  const c2 = ciphertext.subarray(c1Length + C3_LENGTH);
  const xy2 = encodePoint(curve, curve.multiply(C1, d)).subarray(1);
  const t = sm2Kdf(xy2, c2.length);
  if (allZero(t)) throw new Error('sm2Decrypt: KDF output is all zero (invalid ciphertext)');
  const m = c2.map((c, i) => c ^ t[i]!);
  const u = sm3(concat(xy2.subarray(0, curve.size), m, xy2.subarray(curve.size)));
  if (!constantTimeEqual(u, c3)) throw new Error('sm2Decrypt: C3 does not match (wrong key or corrupted ciphertext)');
  return m;
}

/** GM/T 0009 SM2Cipher DER of C1 ‖ C3 ‖ C2. */
export function sm2CiphertextToDer(c1c3c2: Uint8Array): Uint8Array {
  if (!(c1c3c2 instanceof Uint8Array)) throw new TypeError('ciphertext: must be a Uint8Array');
  if (c1c3c2.length < 65 + 32 + 1 || c1c3c2[0] !== 0x04) throw new RangeError(`ciphertext: expected 04‖x‖y‖C3‖C2 of at least 98 bytes, got ${c1c3c2.length}`);
  const C1 = SM2_CURVE.decodePoint(c1c3c2.subarray(0, 65), 'ciphertext C1');
  const { x, y } = C1.toAffine();
  return derSequence(derInteger(x), derInteger(y), derOctetString(c1c3c2.subarray(65, 97)), derOctetString(c1c3c2.subarray(97)));
}

/**
 * C1 ‖ C3 ‖ C2 from a GM/T 0009 SM2Cipher DER.
 * @throws RangeError for bad DER, a hash that is not 32 bytes, an empty C2, or C1 not on the curve
 */
export function sm2CiphertextFromDer(der: Uint8Array): Uint8Array {
  if (!(der instanceof Uint8Array)) throw new TypeError('der: must be a Uint8Array');
  const seq = derReadOne(der, DER_TAG.SEQUENCE, 'SM2Cipher');
  const parts = derChildren(seq, 'SM2Cipher');
  if (parts.length !== 4) throw new RangeError(`SM2Cipher: expected 4 elements (x, y, hash, cipherText), found ${parts.length}`);
  const x = derReadInteger(parts[0]!, 'SM2Cipher x');
  const y = derReadInteger(parts[1]!, 'SM2Cipher y');
  const hash = expectTag(parts[2]!, DER_TAG.OCTET_STRING, 'SM2Cipher hash').value;
  const c2 = expectTag(parts[3]!, DER_TAG.OCTET_STRING, 'SM2Cipher cipherText').value;
  if (hash.length !== C3_LENGTH) throw new RangeError(`SM2Cipher: hash must be ${C3_LENGTH} bytes, got ${hash.length}`);
  if (c2.length === 0) throw new RangeError('SM2Cipher: empty cipherText');
  const p = SM2_CURVE.params.p;
  if (x >= p || y >= p) throw new RangeError('SM2Cipher: C1 coordinate is not a field element');
  const c1 = concat(Uint8Array.of(4), bigintToBytes(x, 32), bigintToBytes(y, 32));
  SM2_CURVE.decodePoint(c1, 'SM2Cipher C1');
  return concat(c1, hash, c2);
}
