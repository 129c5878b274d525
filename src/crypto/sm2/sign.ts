/**
 * SM2 digital signature (GM/T 0003.2 §6 sign, §7 verify; DOMAIN.md §6):
 * e = SM3(Z_A ‖ M), (x1, y1) = k·G, r = (e + x1) mod n, s = ((1 + d)⁻¹ · (k − r·d)) mod n,
 * retrying on r = 0, r + k = n or s = 0. Signatures are 64 bytes r ‖ s; DER is SEQUENCE { r, s }.
 */
import type { RandomSource } from '../../env.js';
import { concat } from '../../apdu/bytes.js';
import { sm3Parts } from '../sm3.js';
import { SM2_CURVE, bigintToBytes, bytesToBigint, mod, type Sm2Curve } from './curve.js';
import { DER_TAG, derChildren, derInteger, derReadInteger, derReadOne, derSequence } from './der.js';
import { SM2_DEFAULT_ID, privateInfo, randomScalar, sm2Za } from './keys.js';

/** Options of {@link sm2Sign}. Exactly one source of k: `random` (normal use) or a fixed `k` (vectors). */
export interface Sm2SignOptions {
  /** User ID for Z_A; default {@link SM2_DEFAULT_ID}. */
  id?: Uint8Array;
  /** Randomness for k (src/env.ts). */
  random?: RandomSource;
  /** A fixed k in [1, n − 1] (standard test vectors only). */
  k?: bigint;
  /** Another curve (GM/T 0003.2 Annex A test curve); default the recommended curve. */
  curve?: Sm2Curve;
}

/** Options of {@link sm2Verify}. */
export interface Sm2VerifyOptions {
  id?: Uint8Array;
  curve?: Sm2Curve;
}

function checkMessage(message: Uint8Array): void {
  if (!(message instanceof Uint8Array)) throw new TypeError('message: must be a Uint8Array');
}

/** e = SM3(Z_A ‖ M) as an integer (GM/T 0003.2 §6.1 steps A1-A3). */
export function sm2MessageDigest(publicKey: Uint8Array, message: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID, curve: Sm2Curve = SM2_CURVE): Uint8Array {
  checkMessage(message);
  return sm3Parts(sm2Za(publicKey, id, curve), message);
}

/**
 * Signs `message` with Z_A for `options.id` (GM/T 0003.2 §6.1).
 * @returns 64 bytes r ‖ s
 * @throws TypeError when neither `random` nor `k` is given; RangeError for a bad key, or for a fixed k
 *   that hits one of the retry cases (r = 0, r + k = n, s = 0)
 */
export function sm2Sign(privateKey: Uint8Array, message: Uint8Array, options: Sm2SignOptions): Uint8Array {
  const curve = options?.curve ?? SM2_CURVE;
  const { n } = curve.params;
  const { d, publicKey, inv1d } = privateInfo(privateKey, curve);
  checkMessage(message);
  if (options?.k === undefined && typeof options?.random !== 'function') {
    throw new TypeError('sm2Sign: options.random (a RandomSource) or options.k is required');
  }
  const e = bytesToBigint(sm3Parts(sm2Za(publicKey, options.id ?? SM2_DEFAULT_ID, curve), message));
  for (let attempt = 0; attempt < 100; attempt++) {
    let k: bigint;
    if (options.k !== undefined) {
      k = options.k;
      if (typeof k !== 'bigint' || k < 1n || k >= n) throw new RangeError('k: must be a bigint in [1, n−1]');
    } else {
      k = randomScalar(options.random!, 1n, n - 1n, curve.size);
    }
    const x1 = curve.baseMultiply(k).x;
    const r = mod(e + x1, n);
    const s = r === 0n || r + k === n ? 0n : mod(inv1d * (k - r * d), n);
    if (s !== 0n) return concat(bigintToBytes(r, curve.size), bigintToBytes(s, curve.size));
    if (options.k !== undefined) throw new RangeError('k: gives r = 0, r + k = n or s = 0; choose another k');
  }
  throw new Error('sm2Sign: no valid signature after 100 values of k (is the RandomSource broken?)');
}

/**
 * Splits and range-checks a 64-byte signature r ‖ s.
 * @throws RangeError for a wrong length, or r or s outside [1, n − 1]
 */
export function sm2SignatureComponents(signature: Uint8Array, curve: Sm2Curve = SM2_CURVE): { r: bigint; s: bigint } {
  if (!(signature instanceof Uint8Array)) throw new TypeError('signature: must be a Uint8Array');
  if (signature.length !== 2 * curve.size) throw new RangeError(`signature: expected ${2 * curve.size} bytes r‖s, got ${signature.length}`);
  const r = bytesToBigint(signature.subarray(0, curve.size));
  const s = bytesToBigint(signature.subarray(curve.size));
  const n = curve.params.n;
  if (r < 1n || r >= n) throw new RangeError('signature: r is outside [1, n−1]');
  if (s < 1n || s >= n) throw new RangeError('signature: s is outside [1, n−1]');
  return { r, s };
}

/**
 * Verifies a 64-byte r ‖ s signature (GM/T 0003.2 §7.1).
 * @returns false when the signature does not verify, including r or s outside [1, n − 1] (§7.1 B1, B2)
 * @throws TypeError/RangeError for malformed arguments: a signature that is not 64 bytes, a public key
 *   that is not an uncompressed point on the curve
 */
export function sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: Sm2VerifyOptions): boolean {
  const curve = options?.curve ?? SM2_CURVE;
  curve.publicPoint(publicKey);
  checkMessage(message);
  if (!(signature instanceof Uint8Array)) throw new TypeError('signature: must be a Uint8Array');
  if (signature.length !== 2 * curve.size) throw new RangeError(`signature: expected ${2 * curve.size} bytes r‖s, got ${signature.length}`);
  const { n } = curve.params;
  const r = bytesToBigint(signature.subarray(0, curve.size));
  const s = bytesToBigint(signature.subarray(curve.size));
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const e = bytesToBigint(sm3Parts(sm2Za(publicKey, options?.id ?? SM2_DEFAULT_ID, curve), message));
  const t = mod(r + s, n);
  if (t === 0n) return false;
  // (x1, y1) = s·G + t·P; accept iff (e + x1) mod n = r, i.e. x1 mod n = (r − e) mod n.
  const X = curve.mulAddPublic(s, t, publicKey);
  return curve.xModNEquals(X, mod(r - e, n));
}

/** DER SEQUENCE { r INTEGER, s INTEGER } of a 64-byte signature (as OpenSSL and X.509 carry it). */
export function sm2SignatureToDer(sig64: Uint8Array): Uint8Array {
  const { r, s } = sm2SignatureComponents(sig64);
  return derSequence(derInteger(r), derInteger(s));
}

/**
 * 64-byte r ‖ s from DER SEQUENCE { r, s }; strict DER.
 * @throws RangeError for bad DER, or r or s outside [1, n − 1]
 */
export function sm2SignatureFromDer(der: Uint8Array): Uint8Array {
  if (!(der instanceof Uint8Array)) throw new TypeError('der: must be a Uint8Array');
  const seq = derReadOne(der, DER_TAG.SEQUENCE, 'signature DER');
  const parts = derChildren(seq, 'signature DER');
  if (parts.length !== 2) throw new RangeError(`signature DER: expected SEQUENCE of 2 INTEGERs, found ${parts.length} elements`);
  const r = derReadInteger(parts[0]!, 'signature DER r');
  const s = derReadInteger(parts[1]!, 'signature DER s');
  const n = SM2_CURVE.params.n;
  if (r < 1n || r >= n) throw new RangeError('signature DER: r is outside [1, n−1]');
  if (s < 1n || s >= n) throw new RangeError('signature DER: s is outside [1, n−1]');
  return concat(bigintToBytes(r, 32), bigintToBytes(s, 32));
}
