/**
 * SM2 keys and the user-identity hash Z_A (GM/T 0003.2 §5.5, §6.1 key generation; DOMAIN.md §6).
 */
import type { RandomSource } from '../../env.js';
import { sm3Parts } from '../sm3.js';
import { SM2_CURVE, bigintToBytes, bytesToBigint, encodePoint, hexKey, invert, type Sm2Curve } from './curve.js';
import { Lru } from './lru.js';

/** An SM2 key pair: private key d (32 bytes) and public key 04 ‖ x ‖ y (65 bytes). */
export interface Sm2KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** The default user ID, ASCII "1234567812345678" (GM/T 0009 §10; DOMAIN.md §2 [R]). */
export const SM2_DEFAULT_ID: Uint8Array = new TextEncoder().encode('1234567812345678');

/**
 * Checks a private key: `curve.size` bytes, 1 ≤ d ≤ n − 2 (GM/T 0003.2 §6.1: 1 + d must be invertible).
 * @returns d
 * @throws RangeError naming `what`
 */
export function sm2PrivateScalar(privateKey: Uint8Array, what = 'privateKey', curve: Sm2Curve = SM2_CURVE): bigint {
  if (!(privateKey instanceof Uint8Array)) throw new TypeError(`${what}: must be a Uint8Array`);
  if (privateKey.length !== curve.size) throw new RangeError(`${what}: expected ${curve.size} bytes, got ${privateKey.length}`);
  const d = bytesToBigint(privateKey);
  if (d < 1n || d > curve.params.n - 2n) throw new RangeError(`${what}: must be in [1, n−2]`);
  return d;
}

/**
 * A uniformly random integer in [min, max] from `random` (rejection sampling on the bit length of max).
 * @internal
 */
export function randomScalar(random: RandomSource, min: bigint, max: bigint, size: number): bigint {
  const bits = max.toString(2).length;
  const excess = 8 * size - bits;
  if (excess < 0 || excess > 7) throw new RangeError(`randomScalar: ${bits}-bit bound does not fit ${size} bytes`);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const bytes = random(size);
    if (!(bytes instanceof Uint8Array) || bytes.length !== size) throw new TypeError(`random: must return ${size} bytes`);
    const b = Uint8Array.from(bytes);
    b[0] = b[0]! & (0xff >> excess);
    const v = bytesToBigint(b);
    if (v >= min && v <= max) return v;
  }
  throw new Error('random: 1000 samples out of range (is the RandomSource broken?)');
}

/**
 * Generates a key pair with d uniform in [1, n − 2] (GM/T 0003.2 §6.1).
 * @param random the injected randomness (src/env.ts); never Math.random
 */
export function sm2GenerateKeyPair(random: RandomSource, curve: Sm2Curve = SM2_CURVE): Sm2KeyPair {
  if (typeof random !== 'function') throw new TypeError('sm2GenerateKeyPair: random must be a RandomSource');
  const d = randomScalar(random, 1n, curve.params.n - 2n, curve.size);
  const privateKey = bigintToBytes(d, curve.size);
  return { privateKey, publicKey: encodePoint(curve, curve.baseMultiply(d)) };
}

/** Per-private-key values for signing: the public key and (1 + d)⁻¹ mod n. */
interface PrivateInfo {
  d: bigint;
  publicKey: Uint8Array;
  inv1d: bigint;
}

const privateCaches = new WeakMap<Sm2Curve, Lru<PrivateInfo>>();

/** @internal d, P and (1+d)⁻¹ for a private key, cached (LRU of 64 per curve). */
export function privateInfo(privateKey: Uint8Array, curve: Sm2Curve = SM2_CURVE): PrivateInfo {
  let cache = privateCaches.get(curve);
  if (!cache) privateCaches.set(curve, (cache = new Lru<PrivateInfo>(64)));
  const key = hexKey(privateKey);
  const hit = privateKey.length === curve.size ? cache.get(key) : undefined;
  if (hit) return hit;
  const d = sm2PrivateScalar(privateKey, 'privateKey', curve);
  const info: PrivateInfo = { d, publicKey: encodePoint(curve, curve.baseMultiply(d)), inv1d: invert(1n + d, curve.params.n) };
  cache.set(key, info);
  return info;
}

/** The public key 04 ‖ x ‖ y of a private key (P = d·G). */
export function sm2PublicKeyFromPrivate(privateKey: Uint8Array, curve: Sm2Curve = SM2_CURVE): Uint8Array {
  return Uint8Array.from(privateInfo(privateKey, curve).publicKey);
}

/** Checks a public key (65 bytes 04 ‖ x ‖ y, on the curve) and returns it unchanged. @throws RangeError */
export function sm2AssertPublicKey(publicKey: Uint8Array, what = 'publicKey', curve: Sm2Curve = SM2_CURVE): Uint8Array {
  curve.publicPoint(publicKey, what);
  return publicKey;
}

const zaCaches = new WeakMap<Sm2Curve, Lru<Uint8Array>>();

/**
 * Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GM/T 0003.2 §5.5), ENTL_A = bit length of
 * ID_A on two bytes.
 * @param id user ID (default {@link SM2_DEFAULT_ID}); at most 8191 bytes
 */
export function sm2Za(publicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID, curve: Sm2Curve = SM2_CURVE): Uint8Array {
  if (!(id instanceof Uint8Array)) throw new TypeError('id: must be a Uint8Array');
  if (id.length > 8191) throw new RangeError(`id: at most 8191 bytes (ENTL is 16 bits), got ${id.length}`);
  curve.publicPoint(publicKey);
  let cache = zaCaches.get(curve);
  if (!cache) zaCaches.set(curve, (cache = new Lru<Uint8Array>(64)));
  const key = hexKey(publicKey) + ':' + hexKey(id);
  const hit = cache.get(key);
  if (hit) return Uint8Array.from(hit);
  const { a, b, Gx, Gy } = curve.params;
  const bits = id.length * 8;
  const za = sm3Parts(
    Uint8Array.of(bits >> 8, bits & 0xff),
    id,
    bigintToBytes(a, curve.size),
    bigintToBytes(b, curve.size),
    bigintToBytes(Gx, curve.size),
    bigintToBytes(Gy, curve.size),
    publicKey.subarray(1),
  );
  cache.set(key, za);
  return Uint8Array.from(za);
}
