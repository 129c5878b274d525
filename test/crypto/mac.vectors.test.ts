/**
 * The MACs against values computed independently with the openssl CLI (separate process, CBC over
 * data padded by the test itself), plus rejections.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBlockCipher } from '../../src/crypto/block-cipher.js';
import { cbcMac, pbocMac, pbocScriptMac, retailMac, ssseMac } from '../../src/crypto/mac.js';
import { bytes, hex, opensslCbcMac, opensslRetailMac } from './sym-oracles.js';

const SM4_KEY = '0123456789ABCDEFFEDCBA9876543210';
const K16 = '0123456789ABCDEFFEDCBA9876543210';
const ascii = (s: string) => new TextEncoder().encode(s);
/** XOR of the four 4-byte words of a 16-byte block, written out for the test. */
const fold4 = (b: Uint8Array) => Uint8Array.from([0, 1, 2, 3], (i) => b[i]! ^ b[4 + i]! ^ b[8 + i]! ^ b[12 + i]!);

describe('cbcMac (ISO 9797-1 alg. 1, method-2 padding)', () => {
  it('SM4 equals the last block of `openssl enc -sm4-cbc` over padded data, for lengths around the block', () => {
    const c = createBlockCipher('SM4', bytes(SM4_KEY));
    for (const n of [0, 1, 15, 16, 17, 31, 32, 100]) {
      const m = Uint8Array.from({ length: n }, (_, i) => (i * 11 + 5) & 0xff);
      expect(hex(cbcMac(c, m)), `length ${n}`).toBe(hex(opensslCbcMac('sm4-cbc', SM4_KEY, m, 16)));
    }
  });

  it('3DES and DES equal `openssl enc -des-ede-cbc`; a given IV is used', () => {
    const m = ascii('Now is the time for all ');
    expect(hex(cbcMac(createBlockCipher('3DES', bytes(K16)), m))).toBe(hex(opensslCbcMac('des-ede-cbc', K16, m, 8)));
    const iv = '1122334455667788';
    expect(hex(cbcMac(createBlockCipher('DES', bytes('0123456789ABCDEF')), m, bytes(iv)))).toBe(
      hex(opensslCbcMac('des-ede-cbc', '0123456789ABCDEF0123456789ABCDEF', m, 8, iv)),
    );
  });
});

describe('ssseMac (DOMAIN.md §1.4 secure messaging, 4 bytes)', () => {
  // a secure-messaging input: CLA INS P1 P2 Lc(data + 4) data
  const apdu = bytes('04D6850009 3132333435');

  it('SM4: XOR of the four words of the last CBC block (zero IV)', () => {
    const sk = '00112233445566778899AABBCCDDEEFF';
    const expected = fold4(opensslCbcMac('sm4-cbc', sk, apdu, 16));
    expect(hex(ssseMac(createBlockCipher('SM4', bytes(sk)), apdu))).toBe(hex(expected));
    expect(hex(ssseMac('SM4', bytes(sk), apdu))).toBe(hex(expected));
  });

  it('DES (8-byte session key, also when the family is named 3DES): leftmost 4 bytes', () => {
    const sk = '8A1B2C3D4E5F6071';
    const expected = opensslCbcMac('des-ede-cbc', sk + sk, apdu, 8).slice(0, 4);
    expect(hex(ssseMac(createBlockCipher('DES', bytes(sk)), apdu))).toBe(hex(expected));
    expect(hex(ssseMac('3DES', bytes(sk), apdu))).toBe(hex(expected));
    expect(hex(ssseMac('DES', bytes(sk), apdu))).toBe(hex(expected));
  });

  it('3DES static key with IV = challenge (key-management form)', () => {
    const iv = 'A1B2C3D4E5F60718';
    const expected = opensslCbcMac('des-ede-cbc', K16, apdu, 8, iv).slice(0, 4);
    expect(hex(ssseMac('3DES', bytes(K16), apdu, bytes(iv)))).toBe(hex(expected));
  });

  it('SM4 with IV = challenge padded to 16 bytes', () => {
    const iv = 'A1B2C3D4000000000000000000000000';
    const expected = fold4(opensslCbcMac('sm4-cbc', SM4_KEY, apdu, 16, iv));
    expect(hex(ssseMac(createBlockCipher('SM4', bytes(SM4_KEY)), apdu, bytes(iv)))).toBe(hex(expected));
  });
});

describe('retailMac (ISO 9797-1 MAC algorithm 3, DES, method-2 padding)', () => {
  it('reproduces the published ICAO Doc 9303 Part 11 worked example (BAC, M_IFD = MAC(K_MAC, E_IFD))', () => {
    const kMac = bytes('7962D9ECE03D1ACD4C76089DCE131543');
    const eIfd = bytes('72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2');
    expect(hex(retailMac(kMac, eIfd))).toBe('5F1448EEA8AD90A7');
  });

  it('equals the openssl CLI composition (CBC-DES under K1, then D_K2, E_K1) for several lengths', () => {
    for (const n of [0, 7, 8, 9, 24, 41]) {
      const m = Uint8Array.from({ length: n }, (_, i) => (i * 7 + 1) & 0xff);
      expect(hex(retailMac(bytes(K16), m)), `length ${n}`).toBe(hex(opensslRetailMac(K16, m)));
    }
  });

  it('with K1 = K2 collapses to the single-DES CBC-MAC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ maxLength: 40 }), (k, m) => {
        const k16 = new Uint8Array(16);
        k16.set(k, 0);
        k16.set(k, 8);
        expect(retailMac(k16, m)).toEqual(cbcMac(createBlockCipher('DES', k), m));
      }),
      { numRuns: 50 },
    );
  });

  it('rejects a key that is not 16 bytes', () => {
    expect(() => retailMac(new Uint8Array(8), new Uint8Array(1))).toThrow(/key16/);
    expect(() => retailMac(new Uint8Array(24), new Uint8Array(1))).toThrow(/key16/);
  });
});

describe('pbocMac (DOMAIN.md §2)', () => {
  const data = bytes('000000001000 000000000000 0156 0000000000 0156 250101 00 12345678 7C00 0001 03A00000');

  it('3DES is the retail MAC (8 bytes)', () => {
    expect(hex(pbocMac('3DES', bytes(K16), data))).toBe(hex(opensslRetailMac(K16, data)));
  });

  it('SM4 [R] is the leftmost 8 bytes of the SM4 CBC-MAC', () => {
    expect(hex(pbocMac('SM4', bytes(SM4_KEY), data))).toBe(hex(opensslCbcMac('sm4-cbc', SM4_KEY, data, 16).slice(0, 8)));
  });

  it('the script MAC is its leftmost 4 bytes', () => {
    expect(hex(pbocScriptMac('SM4', bytes(SM4_KEY), data))).toBe(hex(opensslCbcMac('sm4-cbc', SM4_KEY, data, 16).slice(0, 4)));
    expect(hex(pbocScriptMac('3DES', bytes(K16), data))).toBe(hex(opensslRetailMac(K16, data).slice(0, 4)));
  });

  it('rejects other algorithms and wrong key lengths', () => {
    expect(() => pbocMac('DES' as 'SM4', new Uint8Array(8), data)).toThrow(/algorithm/);
    expect(() => pbocMac('SM4', new Uint8Array(8), data)).toThrow(/key/);
  });
});
