/**
 * SM2 curves (GM/T 0003.5 recommended curve; GM/T 0003.2 Annex A test curve accepted through
 * {@link createSm2Curve}) on `@noble/curves` v2 `weierstrass()` (DOMAIN.md §6, §6.1).
 *
 * noble decodes and validates points; scalar multiplications use ./comb.ts: precomputed window tables with
 * mixed Jacobian additions for k·G and u·G + v·P (one table for the base point, a small LRU of
 * per-public-key tables keyed by the key's hex), width-5 wNAF for points used once (docs/crypto-sm2.md).
 */
import { Field, invert as nobleInvert, type IField } from '@noble/curves/abstract/modular.js';
import { weierstrass, type WeierstrassPoint, type WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import { toHex } from '../../apdu/bytes.js';
import {
  buildCombTable,
  combMultiplyAdd,
  jacobianXModNEquals,
  wnafMultiply,
  toAffine,
  type Affine,
  type CombCurve,
  type CombTable,
  type Jacobian,
} from './comb.js';

/** Parameters of a prime-field curve y² = x³ + ax + b with base point G of prime order n (cofactor 1). */
export interface Sm2CurveParams {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

/** The SM2 recommended 256-bit curve (GM/T 0003.5; DOMAIN.md §6). */
export const SM2_CURVE_PARAMS: Readonly<Sm2CurveParams> = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/** OID of the SM2 recommended curve (GM/T 0006). */
export const SM2_CURVE_OID = '1.2.156.10197.1.301';

/** A point of an {@link Sm2Curve}. */
export type Sm2Point = WeierstrassPoint<bigint>;

/** An SM2 curve ready for use: parameters, point type and helpers. */
export interface Sm2Curve {
  readonly params: Readonly<Sm2CurveParams>;
  readonly Point: WeierstrassPointCons<bigint>;
  /** Byte length of a field element / scalar (32 for the recommended curve). */
  readonly size: number;
  /**
   * Decodes and validates an uncompressed public key `04 ‖ x ‖ y`: on the curve, not the point at
   * infinity (cofactor 1, so on-curve implies order n). Cached (LRU) with its precomputation table.
   * @throws RangeError naming `what`
   */
  publicPoint(publicKey: Uint8Array, what?: string): Sm2Point;
  /** Like {@link publicPoint} without caching (one-time points such as ciphertext C1). */
  decodePoint(bytes: Uint8Array, what?: string): Sm2Point;
  /** k·G (affine) with the base table (built on first use); k in [1, n−1]. */
  baseMultiply(k: bigint): Affine;
  /**
   * u·G + v·P (Jacobian) for verification, P a key returned by {@link publicPoint}: the base table, and
   * P's own table from its second use on.
   */
  mulAddPublic(u: bigint, v: bigint, publicKey: Uint8Array): Jacobian;
  /** k·P (affine) for a point used once, k in [1, n−1] (width-5 wNAF, ./comb.ts). */
  multiply(P: Sm2Point, k: bigint): Affine;
  /** Whether the affine x of `P`, reduced mod n, equals `target` (no inversion). */
  xModNEquals(P: Jacobian, target: bigint): boolean;
}

const PUBLIC_CACHE_SIZE = 64;
/**
 * Table sizes (src/crypto/sm2/comb.ts, signed digits): the base point G gets 9-bit windows (29 × 256
 * affine points, ~60 ms to build on the first private-key or verification operation of the process; 29
 * mixed additions per k·G). A public key gets 7-bit windows (37 × 64 points, ~20-30 ms) on its fourth
 * verification; before that t·P is a width-5 wNAF multiplication (~1.5 ms): the table pays for itself only
 * after a few dozen uses, so keys seen once or twice never build one. Measured in bench/sm2.bench.ts.
 */
const BASE_TABLE_WINDOW = 9;
const PUBLIC_TABLE_WINDOW = 7;
const PUBLIC_TABLE_AFTER_USES = 4;

interface CachedPublic {
  point: Sm2Point;
  affine: Affine;
  uses: number;
  table?: CombTable;
}

/**
 * noble's prime field with add, sub and neg by one conditional correction instead of a `%` (inputs are
 * always reduced field elements there): point addition ~25% faster. mul/sqr/inv stay noble's.
 */
function fastField(p: bigint): IField<bigint> {
  const base = Field(p);
  return Object.freeze(
    Object.create(base, {
      add: { value: (a: bigint, b: bigint) => { const r = a + b; return r >= p ? r - p : r; } },
      sub: { value: (a: bigint, b: bigint) => { const r = a - b; return r < 0n ? r + p : r; } },
      neg: { value: (a: bigint) => (a === 0n ? 0n : p - a) },
    }),
  ) as IField<bigint>;
}

/**
 * Builds an SM2 curve engine from explicit parameters (e.g. the GM/T 0003.2 Annex A test curve).
 * @throws RangeError when the parameters are not a valid curve (checked by noble)
 */
export function createSm2Curve(params: Sm2CurveParams): Sm2Curve {
  let Point: WeierstrassPointCons<bigint>;
  try {
    Point = weierstrass({ p: params.p, n: params.n, h: 1n, a: params.a, b: params.b, Gx: params.Gx, Gy: params.Gy }, { Fp: fastField(params.p) });
  } catch (e) {
    throw new RangeError(`createSm2Curve: invalid curve parameters (${(e as Error).message})`);
  }
  const size = Math.ceil(params.p.toString(16).length / 2);
  const bits = params.n.toString(2).length;
  const cc: CombCurve = { p: params.p, a: params.a };
  let baseTable: CombTable | undefined;
  const cache = new Map<string, CachedPublic>();

  function base(): CombTable {
    return (baseTable ??= buildCombTable(cc, { x: params.Gx, y: params.Gy }, BASE_TABLE_WINDOW, bits));
  }

  function decodePoint(publicKey: Uint8Array, what = 'point'): Sm2Point {
    if (!(publicKey instanceof Uint8Array)) throw new TypeError(`${what}: must be a Uint8Array`);
    if (publicKey.length !== 1 + 2 * size || publicKey[0] !== 0x04) {
      throw new RangeError(`${what}: expected an uncompressed point 04‖x‖y of ${1 + 2 * size} bytes, got ${publicKey.length} bytes starting ${publicKey.length ? publicKey[0]!.toString(16).padStart(2, '0') : '(empty)'}`);
    }
    try {
      const point = Point.fromBytes(publicKey);
      point.assertValidity();
      return point;
    } catch (e) {
      throw new RangeError(`${what}: not a point on the curve (${(e as Error).message})`);
    }
  }

  function entryFor(publicKey: Uint8Array, what: string): CachedPublic {
    if (!(publicKey instanceof Uint8Array)) throw new TypeError(`${what}: must be a Uint8Array`);
    const key = hexKey(publicKey);
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const point = decodePoint(publicKey, what);
    const entry: CachedPublic = { point, affine: point.toAffine(), uses: 0 };
    cache.set(key, entry);
    if (cache.size > PUBLIC_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return entry;
  }

  return {
    params: Object.freeze({ ...params }),
    Point,
    size,
    publicPoint: (publicKey, what = 'publicKey') => entryFor(publicKey, what).point,
    decodePoint,
    baseMultiply(k: bigint): Affine {
      if (k < 1n || k >= params.n) throw new RangeError('scalar outside [1, n−1]');
      return toAffine(cc, combMultiplyAdd(cc, base(), k));
    },
    mulAddPublic(u: bigint, v: bigint, publicKey: Uint8Array): Jacobian {
      const entry = entryFor(publicKey, 'publicKey');
      entry.uses++;
      if (!entry.table && entry.uses >= PUBLIC_TABLE_AFTER_USES) entry.table = buildCombTable(cc, entry.affine, PUBLIC_TABLE_WINDOW, bits);
      if (entry.table) return combMultiplyAdd(cc, entry.table, v, combMultiplyAdd(cc, base(), u));
      return combMultiplyAdd(cc, base(), u, wnafMultiply(cc, entry.affine, v));
    },
    xModNEquals: (P, target) => jacobianXModNEquals(cc, P, target, params.n),
    multiply(P: Sm2Point, k: bigint): Affine {
      if (k < 1n || k >= params.n) throw new RangeError('scalar outside [1, n−1]');
      return toAffine(cc, wnafMultiply(cc, P.toAffine(), k));
    },
  };
}

/** Uncompressed encoding 04 ‖ x ‖ y of an affine point. */
export function encodePoint(curve: Sm2Curve, P: Affine): Uint8Array {
  const out = new Uint8Array(1 + 2 * curve.size);
  out[0] = 4;
  out.set(bigintToBytes(P.x, curve.size), 1);
  out.set(bigintToBytes(P.y, curve.size), 1 + curve.size);
  return out;
}

/** Cache key of a public key. */
export function hexKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** The recommended curve (GM/T 0003.5), shared by every SM2 operation unless a test passes another. */
export const SM2_CURVE: Sm2Curve = createSm2Curve(SM2_CURVE_PARAMS);

/** Big-endian fixed-length encoding of a non-negative integer. */
export function bigintToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError(`bigintToBytes: value does not fit in ${length} bytes`);
  return out;
}

/** Big-endian bytes to a non-negative integer. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt('0x' + toHex(bytes));
}

/** a mod m, non-negative. */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Modular inverse (noble's extended Euclid); m prime, a ≠ 0 mod m. */
export function invert(a: bigint, m: bigint): bigint {
  const r = mod(a, m);
  if (r === 0n) throw new RangeError('invert: zero has no inverse');
  return nobleInvert(r, m);
}
