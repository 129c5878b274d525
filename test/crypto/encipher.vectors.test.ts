/**
 * Secure-messaging encipherment LD ‖ data ‖ 80 00… (DOMAIN.md §1.4) against `openssl enc`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBlockCipher } from '../../src/crypto/block-cipher.js';
import { smDecipher, smEncipher } from '../../src/crypto/encipher.js';
import { bytes, hex, opensslEnc } from './sym-oracles.js';

const K = '0123456789ABCDEFFEDCBA9876543210';

describe('smEncipher / smDecipher', () => {
  it('SM4: ECB over LD ‖ data ‖ 80 00…', () => {
    const data = bytes('313233343536'); // PIN-like payload
    const expected = opensslEnc('sm4-ecb', K, bytes('06 313233343536 80 0000000000000000'));
    expect(hex(smEncipher(createBlockCipher('SM4', bytes(K)), data))).toBe(hex(expected));
  });

  it('3DES: a full LD ‖ data block gets no pad block [R]', () => {
    const data = bytes('11223344556677'); // 1 + 7 = 8 bytes
    const expected = opensslEnc('des-ede', K, bytes('07 11223344556677'));
    expect(hex(smEncipher(createBlockCipher('3DES', bytes(K)), data))).toBe(hex(expected));
  });

  it('round-trips and rejects corrupt input', () => {
    const c = createBlockCipher('SM4', bytes(K));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 255 }), (m) => {
        expect(smDecipher(c, smEncipher(c, m))).toEqual(m);
      }),
      { numRuns: 100 },
    );
    expect(() => smEncipher(c, new Uint8Array(256))).toThrow(/data/);
    // LD = 0x20 but only 15 bytes follow
    expect(() => smDecipher(c, c.encrypt(bytes('20' + '00'.repeat(15))))).toThrow(/LD/);
    // wrong padding byte
    expect(() => smDecipher(c, c.encrypt(bytes('02AABB81' + '00'.repeat(12))))).toThrow(/padding/);
    expect(() => smDecipher(c, new Uint8Array(15))).toThrow(/multiple of 16/);
  });
});
