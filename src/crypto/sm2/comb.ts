/**
 * Fixed-base scalar multiplication by a precomputed window table, in Jacobian coordinates with mixed
 * (Jacobian + affine) additions: the hot path of SM2 signing (k·G) and verification (s·G + t·P).
 *
 * For a point B and window width w, the table holds the affine points j·2^(w·i)·B for every window i and
 * digit j in [1, 2^w − 1]; k·B is then the sum of one table point per non-zero w-bit digit of k — no
 * doublings. With noble's complete projective formulas an addition costs ~17 field multiplications; a
 * mixed Jacobian addition costs 11 (8M + 3S, "add-1998-cmo-2" with Z2 = 1), hence this module.
 *
 * Not constant time: digits equal to zero are skipped and JavaScript BigInt arithmetic is variable-time
 * anyway (docs/crypto-sm2.md "Side channels"). Results are checked against noble in the tests.
 */

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
  /** windows[i][j − 1] = j · 2^(window·i) · B. */
  readonly windows: Affine[][];
}

export const INFINITY: Jacobian = Object.freeze({ X: 1n, Y: 1n, Z: 0n });

/** Modular inverse by the extended Euclidean algorithm (a ≠ 0 mod m). */
function inv(a: bigint, m: bigint): bigint {
  let r0 = a % m;
  if (r0 < 0n) r0 += m;
  let r1 = m;
  let s0 = 1n;
  let s1 = 0n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('inverse of a non-invertible element');
  return s0 < 0n ? s0 + m : s0;
}

/** Point doubling for any a ("dbl-2007-bl"). */
export function jacobianDouble(c: CombCurve, P: Jacobian): Jacobian {
  const { p, a } = c;
  if (P.Z === 0n || P.Y === 0n) return INFINITY;
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
 * Builds the table of base point `B` for scalars of up to `bits` bits.
 * Cost: about (2^w − 1)·⌈bits/w⌉ mixed additions and one inversion per window.
 */
export function buildCombTable(c: CombCurve, B: Affine, window: number, bits: number): CombTable {
  if (!Number.isInteger(window) || window < 1 || window > 12) throw new RangeError('window: 1..12');
  const count = Math.ceil(bits / window);
  const windows: Affine[][] = [];
  let base: Affine = B;
  for (let i = 0; i < count; i++) {
    const row: Jacobian[] = [{ X: base.x, Y: base.y, Z: 1n }];
    for (let j = 2; j < 1 << window; j++) row.push(jacobianAddAffine(c, row[row.length - 1]!, base));
    const affine = normalizeAll(c, row);
    windows.push(affine);
    if (i + 1 < count) base = toAffine(c, jacobianAddAffine(c, row[row.length - 1]!, base)); // 2^w · base
  }
  return { window, windows };
}

/** acc + k·B with B's table (k ≥ 0 of at most the table's bit length). */
export function combMultiplyAdd(c: CombCurve, table: CombTable, k: bigint, acc: Jacobian = INFINITY): Jacobian {
  const w = BigInt(table.window);
  const mask = (1n << w) - 1n;
  let R = acc;
  let rest = k;
  for (let i = 0; rest > 0n; i++) {
    const digit = Number(rest & mask);
    rest >>= w;
    if (digit !== 0) {
      const row = table.windows[i];
      if (!row) throw new RangeError('combMultiplyAdd: scalar longer than the table');
      R = jacobianAddAffine(c, R, row[digit - 1]!);
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
