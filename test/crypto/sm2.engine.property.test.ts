/**
 * The SM2 fast paths (src/crypto/sm2/comb.ts: window tables with mixed Jacobian additions) against
 * noble's generic point arithmetic: k·G and u·G + v·P agree for random scalars, including edge scalars
 * (1, 2, n−1, digits of all ones), on the first use of a key (noble path) and with its table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/apdu/bytes.js';
import { seededRandom } from '../../src/env.js';
import { buildCombTable, combMultiplyAdd, jacobianXModNEquals, toAffine, wnafMultiply } from '../../src/crypto/sm2/comb.js';
import { SM2_CURVE, createSm2Curve, sm2GenerateKeyPair, sm2Sign, sm2Verify } from '../../src/crypto/sm2/index.js';

const { n, p, a } = SM2_CURVE.params;
const G = SM2_CURVE.Point.BASE;
const scalar = fc.oneof(fc.bigInt({ min: 1n, max: n - 1n }), fc.constantFrom(1n, 2n, 3n, 255n, 256n, n - 1n, n - 2n, (1n << 255n) - 1n, (1n << 248n) * 255n));

describe('comb tables agree with noble', () => {
  it('k·G', () => {
    fc.assert(
      fc.property(scalar, (k) => {
        const ours = SM2_CURVE.baseMultiply(k);
        const ref = G.multiply(k).toAffine();
        expect([ours.x, ours.y]).toEqual([ref.x, ref.y]);
      }),
      { numRuns: 40 },
    );
  });

  it('u·G + v·P on first and later uses of P, and the x mod n check', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0 }), scalar, scalar, (seed, u, v) => {
        const { publicKey } = sm2GenerateKeyPair(seededRandom(seed));
        const P = SM2_CURVE.publicPoint(publicKey);
        const ref = G.multiply(u).add(P.multiply(v)).toAffine();
        for (let use = 0; use < 5; use++) {
          // uses 1-3: wNAF for t·P; from use 4: P's own table
          const J = SM2_CURVE.mulAddPublic(u, v, publicKey);
          const aff = toAffine({ p, a }, J);
          expect([aff.x, aff.y]).toEqual([ref.x, ref.y]);
          expect(SM2_CURVE.xModNEquals(J, ref.x % n)).toBe(true);
          expect(SM2_CURVE.xModNEquals(J, (ref.x + 1n) % n)).toBe(false);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('a small window, a base point other than G, and wNAF with generic-a doublings (test curve, P = 7·G)', () => {
    const curve = createSm2Curve({
      p: 0x8542d69e4c044f18e8b92435bf6ff7de457283915c45517d722edb8b08f1dfc3n,
      a: 0x787968b4fa32c3fd2417842e73bbfeff2f3c848b6831d7e0ec65228b3937e498n,
      b: 0x63e4c6d3b23b0c849cf84241484bfe48f61d59a5b16ba06e6e12d1da27c5249an,
      Gx: 0x421debd61b62eab6746434ebc3cc315e32220b3badd50bdc4c4e6c147fedd43dn,
      Gy: 0x0680512bcbb42c07d47349d2153b70c4e5d7fdfcbfa36ea1a85841b9e46e09a2n,
      n: 0x8542d69e4c044f18e8b92435bf6ff7dd297720630485628d5ae74ee7c32e79b7n,
    });
    const cc = { p: curve.params.p, a: curve.params.a };
    const B = curve.Point.BASE.multiply(7n);
    const table = buildCombTable(cc, B.toAffine(), 3, 256);
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: curve.params.n - 1n }), (k) => {
        const ours = toAffine(cc, combMultiplyAdd(cc, table, k));
        const ref = B.multiply(k).toAffine();
        expect([ours.x, ours.y]).toEqual([ref.x, ref.y]);
        expect(jacobianXModNEquals(cc, combMultiplyAdd(cc, table, k), ref.x % curve.params.n, curve.params.n)).toBe(true);
        const w = toAffine(cc, wnafMultiply(cc, B.toAffine(), k)); // generic-a doublings
        expect([w.x, w.y]).toEqual([ref.x, ref.y]);
      }),
      { numRuns: 20 },
    );
  });
});

describe('verification is stable across uses of a key', () => {
  it('the same valid signature verifies on uses 1-4; a wrong one fails on each', () => {
    const random = seededRandom(31);
    const k = sm2GenerateKeyPair(random);
    const m = Uint8Array.of(1, 2, 3);
    const sig = sm2Sign(k.privateKey, m, { random });
    const bad = Uint8Array.from(sig);
    bad[5] ^= 1;
    const results = [0, 1, 2, 3].map(() => [sm2Verify(k.publicKey, m, sig), sm2Verify(k.publicKey, m, bad)]);
    expect(results).toEqual([[true, false], [true, false], [true, false], [true, false]]);
    expect(toHex(sig)).toHaveLength(128);
  });
});
