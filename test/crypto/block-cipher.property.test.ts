/**
 * Round trips and rejections of the block ciphers and the method-2 padding.
 */
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBlockCipher, cipherFor, type BlockAlgorithm } from '../../src/crypto/block-cipher.js';
import { padIso9797M2, unpadIso9797M2 } from '../../src/crypto/padding.js';
import { bytes, hex } from './sym-oracles.js';

const blocks = (size: number, max = 8) =>
  fc.integer({ min: 0, max }).chain((n) => fc.uint8Array({ minLength: n * size, maxLength: n * size }));

const key = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe('decrypt(encrypt(x)) == x', () => {
  const algs: Array<[BlockAlgorithm, number, number]> = [
    ['SM4', 16, 16],
    ['3DES', 16, 8],
    ['3DES', 24, 8],
    ['DES', 8, 8],
  ];
  for (const [alg, keyLength, bs] of algs) {
    it(`${alg} with a ${keyLength}-byte key, ECB and CBC, on one object across calls`, () => {
      fc.assert(
        fc.property(key(keyLength), fc.array(fc.tuple(blocks(bs), key(bs)), { minLength: 1, maxLength: 4 }), (k, msgs) => {
          const c = createBlockCipher(alg, k);
          for (const [m, iv] of msgs) {
            expect(c.decrypt(c.encrypt(m))).toEqual(m);
            const ct = c.encryptCbc(m, iv);
            expect(c.decryptCbc(ct, iv)).toEqual(m);
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  it('SM4-CBC on a reused object equals a fresh native sm4-cbc context per message', () => {
    fc.assert(
      fc.property(key(16), fc.array(fc.tuple(blocks(16, 5), key(16)), { minLength: 1, maxLength: 5 }), (k, msgs) => {
        const c = createBlockCipher('SM4', k);
        for (const [m, iv] of msgs) {
          const ref = createCipheriv('sm4-cbc', k, iv).setAutoPadding(false).update(m);
          expect(hex(c.encryptCbc(m, iv))).toBe(hex(ref));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('inputs are not modified and outputs do not alias later results', () => {
    const c = createBlockCipher('SM4', new Uint8Array(16).fill(1));
    const m = new Uint8Array(32).fill(9);
    const iv = new Uint8Array(16).fill(3);
    const first = c.encryptCbc(m, iv);
    const firstHex = hex(first);
    c.encryptCbc(new Uint8Array(32), new Uint8Array(16));
    c.encrypt(new Uint8Array(16));
    expect(hex(first)).toBe(firstHex);
    expect(m).toEqual(new Uint8Array(32).fill(9));
    expect(iv).toEqual(new Uint8Array(16).fill(3));
  });
});

describe('ISO 9797-1 method-2 padding', () => {
  it('round-trips and always pads to a whole number of blocks with 1..blockSize bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(8, 16), (m, bs) => {
        const p = padIso9797M2(m, bs);
        expect(p.length % bs).toBe(0);
        expect(p.length - m.length).toBeGreaterThanOrEqual(1);
        expect(p.length - m.length).toBeLessThanOrEqual(bs);
        expect(p[m.length]).toBe(0x80);
        expect(unpadIso9797M2(p)).toEqual(m);
        expect(unpadIso9797M2(p, bs)).toEqual(m);
      }),
      { numRuns: 200 },
    );
  });

  it('gives a full final block a whole pad block', () => {
    expect(hex(padIso9797M2(bytes('0102030405060708'), 8))).toBe('01020304050607088000000000000000');
    expect(hex(padIso9797M2(new Uint8Array(0), 16))).toBe('80000000000000000000000000000000');
    expect(hex(padIso9797M2(bytes('AA'), 8))).toBe('AA80000000000000');
  });

  it('rejects bad padding', () => {
    expect(() => unpadIso9797M2(bytes('0102030405060700'))).toThrow(RangeError); // no 80
    expect(() => unpadIso9797M2(bytes('0000000000000000'))).toThrow(/padding/);
    expect(() => unpadIso9797M2(new Uint8Array(0))).toThrow(/padding/);
    expect(() => unpadIso9797M2(bytes('01020304050607FF'))).toThrow(/padding/);
    // with a block size: padding longer than one block, or a partial block
    expect(() => unpadIso9797M2(bytes('8000000000000000 0000000000000000'), 8)).toThrow(/more than a block/);
    expect(() => unpadIso9797M2(bytes('0180'), 8)).toThrow(/multiple of 8/);
  });

  it('rejects a bad block size, naming it', () => {
    expect(() => padIso9797M2(new Uint8Array(1), 0)).toThrow(/blockSize/);
    expect(() => padIso9797M2(new Uint8Array(1), 1.5)).toThrow(/blockSize/);
  });
});

describe('rejections at the boundary (the argument is named)', () => {
  it('wrong key lengths', () => {
    expect(() => createBlockCipher('SM4', new Uint8Array(8))).toThrow(/key: SM4 needs a key of 16 bytes, got 8/);
    expect(() => createBlockCipher('SM4', new Uint8Array(24))).toThrow(RangeError);
    expect(() => createBlockCipher('3DES', new Uint8Array(8))).toThrow(/key: 3DES needs a key of 16 or 24 bytes/);
    expect(() => createBlockCipher('3DES', new Uint8Array(20))).toThrow(RangeError);
    expect(() => createBlockCipher('DES', new Uint8Array(16))).toThrow(/key: DES needs a key of 8 bytes/);
    expect(() => cipherFor('3DES', new Uint8Array(12))).toThrow(/key/);
    expect(() => createBlockCipher('AES' as BlockAlgorithm, new Uint8Array(16))).toThrow(/algorithm/);
    expect(() => createBlockCipher('SM4', 'not bytes' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('data not a multiple of the block size, and wrong IV lengths', () => {
    const sm4 = createBlockCipher('SM4', new Uint8Array(16));
    const des3 = createBlockCipher('3DES', new Uint8Array(16));
    expect(() => sm4.encrypt(new Uint8Array(15))).toThrow(/data: SM4 needs a multiple of 16 bytes, got 15/);
    expect(() => sm4.decrypt(new Uint8Array(8))).toThrow(RangeError);
    expect(() => des3.encrypt(new Uint8Array(9))).toThrow(/data: 3DES needs a multiple of 8 bytes/);
    expect(() => sm4.encryptCbc(new Uint8Array(17), new Uint8Array(16))).toThrow(/data/);
    expect(() => sm4.encryptCbc(new Uint8Array(16), new Uint8Array(8))).toThrow(/iv: SM4 needs a 16-byte IV, got 8/);
    expect(() => des3.decryptCbc(new Uint8Array(8), new Uint8Array(16))).toThrow(/iv/);
  });

  it('empty data is zero blocks', () => {
    const sm4 = createBlockCipher('SM4', new Uint8Array(16));
    expect(sm4.encrypt(new Uint8Array(0)).length).toBe(0);
    expect(sm4.encryptCbc(new Uint8Array(0), new Uint8Array(16)).length).toBe(0);
  });

  it('cipherFor picks DES for 8-byte keys of the DES family', () => {
    expect(cipherFor('3DES', new Uint8Array(8)).algorithm).toBe('DES');
    expect(cipherFor('DES', new Uint8Array(16)).algorithm).toBe('3DES');
    expect(cipherFor('SM4', new Uint8Array(16)).blockSize).toBe(16);
    expect(() => cipherFor('SM4', new Uint8Array(8))).toThrow(/key/);
  });
});
