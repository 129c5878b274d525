/**
 * SM2 properties (fast-check, modest run counts: the machine is shared) and rejection of malformed input
 * with clear errors.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/apdu/bytes.js';
import { seededRandom } from '../../src/env.js';
import {
  SM2_CURVE,
  SM2_CURVE_PARAMS,
  sm2Kdf,
  sm2CiphertextFromDer,
  sm2CiphertextToDer,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2PrivateKeyFromPem,
  sm2PrivateKeyToPem,
  sm2PublicKeyFromPrivate,
  sm2PublicKeyFromSpki,
  sm2PublicKeyToPem,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  sm2Za,
} from '../../src/crypto/sm2/index.js';
import { derInteger, derOctetString, derSequence } from '../../src/crypto/sm2/der.js';

const n = SM2_CURVE_PARAMS.n;
const hex32 = (v: bigint) => v.toString(16).padStart(64, '0');
const RUNS = { numRuns: 25 };

/** A private key in [1, n−2] from fast-check. */
const privateKeyArb = fc.bigInt({ min: 1n, max: n - 2n }).map((d) => fromHex(hex32(d)));
const messageArb = fc.uint8Array({ minLength: 0, maxLength: 300 });

describe('SM2 properties', () => {
  it('verify(sign(m)) holds; a changed message, signature or ID fails', () => {
    fc.assert(
      fc.property(privateKeyArb, messageArb, fc.integer({ min: 0 }), fc.nat(63), (d, m, seed, at) => {
        const P = sm2PublicKeyFromPrivate(d);
        const sig = sm2Sign(d, m, { random: seededRandom(seed) });
        expect(sm2Verify(P, m, sig)).toBe(true);
        const m2 = m.length ? Uint8Array.from(m, (b, i) => (i === at % m.length ? b ^ 1 : b)) : Uint8Array.of(0);
        expect(sm2Verify(P, m2, sig)).toBe(false);
        const sig2 = Uint8Array.from(sig);
        sig2[at] ^= 0x80;
        expect(sm2Verify(P, m, sig2)).toBe(false);
        expect(sm2Verify(P, m, sig, { id: Uint8Array.of(0x31) })).toBe(false);
      }),
      RUNS,
    );
  });

  it('decrypt(encrypt(m)) = m; a changed ciphertext is rejected', () => {
    fc.assert(
      fc.property(privateKeyArb, fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 0 }), fc.nat(), (d, m, seed, at) => {
        const ct = sm2Encrypt(sm2PublicKeyFromPrivate(d), m, seededRandom(seed));
        expect(ct.length).toBe(65 + 32 + m.length);
        expect(toHex(sm2Decrypt(d, ct))).toBe(toHex(m));
        const bad = Uint8Array.from(ct);
        const i = 65 + (at % (ct.length - 65)); // in C3 or C2
        bad[i] ^= 0x01;
        expect(() => sm2Decrypt(d, bad)).toThrow(/C3 does not match/);
      }),
      RUNS,
    );
  });

  it('DER conversions round-trip (signatures, SM2Cipher, keys)', () => {
    fc.assert(
      fc.property(privateKeyArb, fc.bigInt({ min: 1n, max: n - 1n }), fc.bigInt({ min: 1n, max: n - 1n }), fc.integer({ min: 0 }), (d, r, s, seed) => {
        const sig = fromHex(hex32(r) + hex32(s));
        expect(toHex(sm2SignatureFromDer(sm2SignatureToDer(sig)))).toBe(toHex(sig));
        const P = sm2PublicKeyFromPrivate(d);
        const ct = sm2Encrypt(P, Uint8Array.of(1, 2, 3), seededRandom(seed));
        expect(toHex(sm2CiphertextFromDer(sm2CiphertextToDer(ct)))).toBe(toHex(ct));
        expect(toHex(sm2PrivateKeyFromPem(sm2PrivateKeyToPem(d)))).toBe(toHex(d));
        expect(toHex(sm2PrivateKeyFromPem(sm2PrivateKeyToPem(d, 'sec1')))).toBe(toHex(d));
        expect(toHex(sm2PublicKeyFromSpki(sm2PublicKeyToPem(P)))).toBe(toHex(P));
      }),
      RUNS,
    );
  });

  it('keys, signatures and ciphertexts are deterministic for a seeded RandomSource; keys in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0 }), (seed) => {
        const a = sm2GenerateKeyPair(seededRandom(seed));
        const b = sm2GenerateKeyPair(seededRandom(seed));
        expect(toHex(a.privateKey)).toBe(toHex(b.privateKey));
        const d = BigInt('0x' + toHex(a.privateKey));
        expect(d >= 1n && d <= n - 2n).toBe(true);
        expect(toHex(sm2PublicKeyFromPrivate(a.privateKey))).toBe(toHex(a.publicKey));
        // signatures and ciphertexts depend only on the inputs and the injected RandomSource
        const m = Uint8Array.of(seed & 0xff, 1, 2);
        expect(toHex(sm2Sign(a.privateKey, m, { random: seededRandom(seed + 1) }))).toBe(toHex(sm2Sign(a.privateKey, m, { random: seededRandom(seed + 1) })));
        expect(toHex(sm2Encrypt(a.publicKey, m, seededRandom(seed + 2)))).toBe(toHex(sm2Encrypt(a.publicKey, m, seededRandom(seed + 2))));
      }),
      { numRuns: 10 },
    );
  });
});

describe('SM2 rejects malformed input with clear errors', () => {
  const keys = sm2GenerateKeyPair(seededRandom(99));
  const msg = Uint8Array.of(1, 2, 3);
  const sig = sm2Sign(keys.privateKey, msg, { random: seededRandom(1) });

  it('public keys: wrong length, compressed form, off-curve point', () => {
    expect(() => sm2Verify(keys.publicKey.subarray(0, 64), msg, sig)).toThrow(RangeError);
    expect(() => sm2Verify(keys.publicKey.subarray(0, 64), msg, sig)).toThrow(/publicKey: expected an uncompressed point/);
    const compressed = Uint8Array.from(keys.publicKey);
    compressed[0] = 0x02;
    expect(() => sm2Za(compressed)).toThrow(/uncompressed point/);
    const off = Uint8Array.from(keys.publicKey);
    off[64] ^= 1;
    expect(() => sm2Verify(off, msg, sig)).toThrow(/publicKey: not a point on the curve/);
    expect(() => sm2Encrypt(off, msg, seededRandom(1))).toThrow(/not a point on the curve/);
  });

  it('private keys: wrong length, zero, n−1, n', () => {
    expect(() => sm2Sign(keys.privateKey.subarray(1), msg, { random: seededRandom(1) })).toThrow(/privateKey: expected 32 bytes/);
    for (const d of [0n, n - 1n, n]) {
      expect(() => sm2PublicKeyFromPrivate(fromHex(hex32(d)))).toThrow(/privateKey: must be in \[1, n−2\]/);
    }
  });

  it('signatures: wrong length throws; r or s out of [1, n−1] does not verify; DER out of range throws', () => {
    expect(() => sm2Verify(keys.publicKey, msg, sig.subarray(0, 63))).toThrow(/signature: expected 64 bytes/);
    const r = sig.subarray(0, 32);
    const s = sig.subarray(32);
    for (const bad of [fromHex(hex32(0n) + toHex(s)), fromHex(hex32(n) + toHex(s)), fromHex(toHex(r) + hex32(0n)), fromHex(toHex(r) + hex32(n))]) {
      expect(sm2Verify(keys.publicKey, msg, bad)).toBe(false);
      expect(() => sm2SignatureToDer(bad)).toThrow(/outside \[1, n−1\]/);
    }
    // SEQUENCE { INTEGER n, INTEGER 1 }
    const derN = fromHex('3026' + '022100' + hex32(n) + '020101');
    expect(() => sm2SignatureFromDer(derN)).toThrow(/r is outside/);
  });

  it('DER: trailing bytes, non-minimal integers, truncation', () => {
    const der = sm2SignatureToDer(sig);
    expect(() => sm2SignatureFromDer(Uint8Array.from([...der, 0]))).toThrow(/1 trailing bytes after offset/);
    expect(() => sm2SignatureFromDer(der.subarray(0, der.length - 1))).toThrow(/needs \d+ bytes/);
    expect(() => sm2SignatureFromDer(fromHex('3007020200010201 01'))).toThrow(/non-minimal INTEGER/);
    expect(() => sm2SignatureFromDer(fromHex('3003020101'))).toThrow(/expected SEQUENCE of 2 INTEGERs/);
  });

  it('ciphertexts: too short, C1 off the curve, wrong hash length in SM2Cipher', () => {
    const ct = sm2Encrypt(keys.publicKey, msg, seededRandom(2));
    expect(() => sm2Decrypt(keys.privateKey, ct.subarray(0, 97))).toThrow(/at least 98 bytes/);
    const off = Uint8Array.from(ct);
    off[10] ^= 1;
    expect(() => sm2Decrypt(keys.privateKey, off)).toThrow(/ciphertext C1: not a point on the curve/);
    expect(() => sm2Encrypt(keys.publicKey, new Uint8Array(0), seededRandom(1))).toThrow(/plaintext: must not be empty/);
    const x = BigInt('0x' + toHex(ct.subarray(1, 33)));
    const y = BigInt('0x' + toHex(ct.subarray(33, 65)));
    const shortHash = derSequence(derInteger(x), derInteger(y), derOctetString(ct.subarray(65, 96)), derOctetString(ct.subarray(97)));
    expect(() => sm2CiphertextFromDer(shortHash)).toThrow(/SM2Cipher: hash must be 32 bytes, got 31/);
    const offCurve = derSequence(derInteger(x), derInteger(y ^ 1n), derOctetString(ct.subarray(65, 97)), derOctetString(ct.subarray(97)));
    expect(() => sm2CiphertextFromDer(offCurve)).toThrow(/SM2Cipher C1: not a point on the curve/);
  });

  it('decryption refuses a ciphertext whose KDF output t is all zero (GM/T 0003.4 §7.1 B4)', () => {
    // Build one by hand with noble's arithmetic: find k with KDF(x2 ‖ y2, 1 byte) = 00, then C2 = M.
    const P = SM2_CURVE.Point.fromBytes(keys.publicKey);
    const M = Uint8Array.of(0x5a);
    for (let k = 1000n; ; k++) {
      const S = P.multiply(k).toBytes(false).subarray(1);
      if (sm2Kdf(S, 1)[0] !== 0) continue;
      const c3 = createHash('sm3').update(S.subarray(0, 32)).update(M).update(S.subarray(32)).digest();
      const ct = Uint8Array.from([...SM2_CURVE.Point.BASE.multiply(k).toBytes(false), ...c3, ...M]);
      expect(() => sm2Decrypt(keys.privateKey, ct)).toThrow(/KDF output is all zero/);
      break;
    }
  });

  it('key containers: another curve OID and garbage PEM', () => {
    const pem = sm2PublicKeyToPem(keys.publicKey);
    const p256Spki = fromHex(
      '3059301306072A8648CE3D020106082A8648CE3D030107034200' + toHex(keys.publicKey),
    );
    expect(() => sm2PublicKeyFromSpki(p256Spki)).toThrow(/curve 1.2.840.10045.3.1.7 is not SM2/);
    expect(() => sm2PublicKeyFromSpki(pem.replace('PUBLIC KEY', 'CERTIFICATE').replace('PUBLIC KEY', 'CERTIFICATE'))).toThrow(/label "CERTIFICATE"/);
    expect(() => sm2PrivateKeyFromPem('not a pem')).toThrow(/no -----BEGIN/);
  });

  it('signing needs a RandomSource or a fixed k', () => {
    expect(() => sm2Sign(keys.privateKey, msg, {})).toThrow(/options.random .* or options.k is required/);
    expect(() => sm2Sign(keys.privateKey, msg, { k: 0n })).toThrow(/k: must be a bigint in \[1, n−1\]/);
  });
});
