/**
 * Fixed-base scalar multiplication by a precomputed window table, in Jacobian coordinates with mixed
 * (Jacobian + affine) additions: the hot path of SM2 signing (k·G) and verification (s·G + t·P).
 *
 * For a point B and window width w, the table holds the affine points j·2^(w·i)·B for every window i and
 * j in [1, 2^(w−1)]; k·B is then the sum of one table point (or its negative) per non-zero signed w-bit
 * digit of k — no doublings. With noble's complete projective formulas an addition costs ~17 field multiplications; a
 * mixed Jacobian addition costs 11 (8M + 3S, "add-1998-cmo-2" with Z2 = 1), hence this module.
 *
 * Not constant time: digits equal to zero are skipped and JavaScript BigInt arithmetic is variable-time
 * anyway (docs/crypto-sm2.md "Side channels"). Results are checked against noble in the tests.
 */
import { invert } from '@noble/curves/abstract/modular.js';

/** Field and curve constants the formulas need. */
export interface CombCurve {
  p: bigint;
  a: bigint;
}

/** A Jacobian point (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
export interface Jacobian {
  X: bigint;
  Y: bigint;
  Z: bigint;
}

/** An affine point. */
export interface Affine {
  x: bigint;
  y: bigint;
}

/** A precomputed table for one base point. */
export interface CombTable {
  readonly window: number;
  /** windows[i][j − 1] = j · 2^(window·i) · B, j in [1, 2^(window−1)]. */
  readonly windows: Affine[][];
}

export const INFINITY: Jacobian = Object.freeze({ X: 1n, Y: 1n, Z: 0n });

/** Modular inverse (noble's extended Euclid, variable time); a ≠ 0 mod m. */
function inv(a: bigint, m: bigint): bigint {
  return invert(a, m);
}

/** Point doubling for a = −3 ("dbl-2001-b", 3M + 5S). */
function jacobianDoubleAm3(p: bigint, P: Jacobian): Jacobian {
  const delta = (P.Z * P.Z) % p;
  const gamma = (P.Y * P.Y) % p;
  const beta = (P.X * gamma) % p;
  const alpha = (3n * (((P.X - delta) * (P.X + delta)) % p)) % p;
  let X3 = ((alpha * alpha) % p) - 8n * beta;
  X3 %= p;
  if (X3 < 0n) X3 += p;
  const yz = P.Y + P.Z;
  let Z3 = ((yz * yz) % p) - gamma - delta;
  Z3 %= p;
  if (Z3 < 0n) Z3 += p;
  let Y3 = ((alpha * (4n * beta - X3)) % p) - ((8n * ((gamma * gamma) % p)) % p);
  Y3 %= p;
  if (Y3 < 0n) Y3 += p;
  return { X: X3, Y: Y3, Z: Z3 };
}

/** Point doubling for any a ("dbl-2007-bl"; "dbl-2001-b" when a = −3). */
export function jacobianDouble(c: CombCurve, P: Jacobian): Jacobian {
  const { p, a } = c;
  if (P.Z === 0n || P.Y === 0n) return INFINITY;
  if (a === p - 3n) return jacobianDoubleAm3(p, P);
  const XX = (P.X * P.X) % p;
  const YY = (P.Y * P.Y) % p;
  const YYYY = (YY * YY) % p;
  const ZZ = (P.Z * P.Z) % p;
  const t = P.X + YY;
  const S = (2n * ((t * t - XX - YYYY) % p) + 2n * p) % p;
  const M = (3n * XX + a * ((ZZ * ZZ) % p)) % p;
  const T = (((M * M - 2n * S) % p) + p) % p;
  const u = P.Y + P.Z;
  const Z3 = (((u * u - YY - ZZ) % p) + p) % p;
  const Y3 = (((M * (S - T) - 8n * YYYY) % p) + p) % p;
  return { X: T, Y: Y3, Z: Z3 };
}

/** P + Q for Jacobian P and affine Q ("add-1998-cmo-2" with Z2 = 1), handling all special cases. */
export function jacobianAddAffine(c: CombCurve, P: Jacobian, Q: Affine): Jacobian {
  const p = c.p;
  if (P.Z === 0n) return { X: Q.x, Y: Q.y, Z: 1n };
  const Z1Z1 = (P.Z * P.Z) % p;
  const U2 = (Q.x * Z1Z1) % p;
  const S2 = (((Q.y * P.Z) % p) * Z1Z1) % p;
  let H = U2 - P.X;
  if (H < 0n) H += p;
  let R = S2 - P.Y;
  if (R < 0n) R += p;
  if (H === 0n) return R === 0n ? jacobianDouble(c, P) : INFINITY;
  const HH = (H * H) % p;
  const HHH = (H * HH) % p;
  const V = (P.X * HH) % p;
  let X3 = ((R * R) % p) - HHH - 2n * V;
  X3 %= p;
  if (X3 < 0n) X3 += p;
  let Y3 = ((R * (V - X3)) % p) - ((P.Y * HHH) % p);
  Y3 %= p;
  if (Y3 < 0n) Y3 += p;
  return { X: X3, Y: Y3, Z: (P.Z * H) % p };
}

/** Affine form of a Jacobian point (throws at infinity). */
export function toAffine(c: CombCurve, P: Jacobian): Affine {
  if (P.Z === 0n) throw new RangeError('point at infinity has no affine form');
  const zi = inv(P.Z, c.p);
  const zi2 = (zi * zi) % c.p;
  return { x: (P.X * zi2) % c.p, y: (((P.Y * zi2) % c.p) * zi) % c.p };
}

/** Affine forms of many Jacobian points with one inversion (Montgomery's trick); none at infinity. */
function normalizeAll(c: CombCurve, points: Jacobian[]): Affine[] {
  const p = c.p;
  const prefix: bigint[] = new Array(points.length);
  let acc = 1n;
  for (let i = 0; i < points.length; i++) {
    prefix[i] = acc;
    acc = (acc * points[i]!.Z) % p;
  }
  let accInv = inv(acc, p);
  const out: Affine[] = new Array(points.length);
  for (let i = points.length - 1; i >= 0; i--) {
    const P = points[i]!;
    const zi = (accInv * prefix[i]!) % p;
    accInv = (accInv * P.Z) % p;
    const zi2 = (zi * zi) % p;
    out[i] = { x: (P.X * zi2) % p, y: (((P.Y * zi2) % p) * zi) % p };
  }
  return out;
}

/**
 * Builds the signed-digit table of base point `B` for scalars of up to `bits` bits: for each window i,
 * the points j·2^(w·i)·B for j in [1, 2^(w−1)] (negative digits use −P = (x, p − y)).
 * Cost: about 2^(w−1)·⌈(bits + 1)/w⌉ mixed additions and two inversions per window.
 */
export function buildCombTable(c: CombCurve, B: Affine, window: number, bits: number): CombTable {
  if (!Number.isInteger(window) || window < 2 || window > 12) throw new RangeError('window: 2..12');
  const count = Math.ceil((bits + 1) / window);
  const half = 1 << (window - 1);
  const windows: Affine[][] = [];
  let base: Affine = B;
  for (let i = 0; i < count; i++) {
    const row: Jacobian[] = [{ X: base.x, Y: base.y, Z: 1n }];
    for (let j = 2; j <= half; j++) row.push(jacobianAddAffine(c, row[row.length - 1]!, base));
    windows.push(normalizeAll(c, row));
    if (i + 1 < count) base = toAffine(c, jacobianDouble(c, row[half - 1]!)); // 2^w · base
  }
  return { window, windows };
}

/** acc + k·B with B's table (0 ≤ k < 2^bits of the table), signed w-bit digits. */
export function combMultiplyAdd(c: CombCurve, table: CombTable, k: bigint, acc: Jacobian = INFINITY): Jacobian {
  const w = table.window;
  const wn = BigInt(w);
  const mask = (1n << wn) - 1n;
  const half = 1 << (w - 1);
  const full = 1 << w;
  let R = acc;
  let rest = k;
  let carry = 0;
  for (let i = 0; rest > 0n || carry; i++) {
    let digit = Number(rest & mask) + carry;
    rest >>= wn;
    if (digit > half) {
      digit -= full;
      carry = 1;
    } else carry = 0;
    if (digit !== 0) {
      const row = table.windows[i];
      if (!row) throw new RangeError('combMultiplyAdd: scalar longer than the table');
      const pt = row[Math.abs(digit) - 1]!;
      R = jacobianAddAffine(c, R, digit > 0 ? pt : { x: pt.x, y: pt.y === 0n ? 0n : c.p - pt.y });
    }
  }
  return R;
}

/**
 * k·P for a point used once (no table worth building): width-5 wNAF over the odd multiples P, 3P, …, 15P
 * (normalized to affine with one inversion), doublings in Jacobian coordinates. k ≥ 0.
 */
export function wnafMultiply(c: CombCurve, P: Affine, k: bigint): Jacobian {
  const W = 5n;
  const full = 1n << W;
  const half = full >> 1n;
  const digits: number[] = [];
  for (let rest = k; rest > 0n; rest >>= 1n) {
    if (rest & 1n) {
      let d = rest & (full - 1n);
      if (d >= half) d -= full;
      rest -= d;
      digits.push(Number(d));
    } else digits.push(0);
  }
  if (digits.length === 0) return INFINITY;
  const twoP = jacobianDouble(c, { X: P.x, Y: P.y, Z: 1n });
  if (twoP.Z === 0n) throw new RangeError('wnafMultiply: point of order 2');
  const twoPa = toAffine(c, twoP);
  const odd: Jacobian[] = [{ X: P.x, Y: P.y, Z: 1n }];
  for (let i = 1; i < 8; i++) odd.push(jacobianAddAffine(c, odd[i - 1]!, twoPa));
  const table = normalizeAll(c, odd);
  let R = INFINITY;
  for (let i = digits.length - 1; i >= 0; i--) {
    R = jacobianDouble(c, R);
    const d = digits[i]!;
    if (d !== 0) {
      const pt = table[(Math.abs(d) - 1) >> 1]!;
      R = jacobianAddAffine(c, R, d > 0 ? pt : { x: pt.x, y: pt.y === 0n ? 0n : c.p - pt.y });
    }
  }
  return R;
}

/**
 * Whether the affine x of Jacobian P, reduced mod n, equals `target` — without an inversion:
 * x = X/Z², so test X = cand·Z² for cand = target and target + n (while < p).
 */
export function jacobianXModNEquals(c: CombCurve, P: Jacobian, target: bigint, n: bigint): boolean {
  if (P.Z === 0n) return false;
  const zz = (P.Z * P.Z) % c.p;
  for (let cand = target; cand < c.p; cand += n) {
    if ((cand * zz) % c.p === P.X) return true;
  }
  return false;
}
