/**
 * Key derivation (DOMAIN.md §1.4, §2). Expected keys are computed with the openssl CLI (a separate
 * implementation) over the data layouts written out in the test, never with the code under test.
 */
import { describe, expect, it } from 'vitest';
import {
  diversify,
  pbocApplicationCryptogram,
  pbocArpc,
  pbocDiversificationData,
  pbocSessionKey,
  pbocUdk,
  ssseAuthData,
  ssseCardKey,
  ssseDiversificationData,
  ssseSessionKey,
} from '../../src/crypto/kdf.js';
import { bytes, hex, notBytes, opensslCbcMac, opensslDes, opensslEnc, opensslRetailMac } from './sym-oracles.js';

const cat = (...p: Uint8Array[]) => new Uint8Array(Buffer.concat(p));
/** Real third-generation ATR 3B6D000000814A444686605199000001AC: historical bytes T6-TD. */
const ATR8 = bytes('8660519900 0001AC'.replace(' ', ''));
const ATR8_HEX = '86605199000001AC';

/** One diversification level computed with the CLI. */
const cli = {
  '3DES': (k: string, d: Uint8Array) => hex(opensslEnc('des-ede', k, cat(d, notBytes(d)))),
  SM4: (k: string, d: Uint8Array) => hex(opensslEnc('sm4-ecb', k, cat(d, notBytes(d)))),
  DES: (k: string, d: Uint8Array) => hex(opensslDes(k, d)),
};

describe('SSSE three-level diversification (DOMAIN.md §1.4)', () => {
  it('builds the level data; 650100 gives the documented level-1 value 3635303030307368', () => {
    const [l1, l2, l3] = ssseDiversificationData('650100', ATR8);
    expect(hex(l1)).toBe('3635303030307368');
    expect(hex(l2)).toBe('3635303130307378'); // "650100" ‖ "sx"
    expect(hex(l3)).toBe(ATR8_HEX);
  });

  const master = { '3DES': '11111111111111112222222222222222', SM4: '000102030405060708090A0B0C0D0E0F', DES: '0123456789ABCDEF' };
  for (const alg of ['3DES', 'SM4', 'DES'] as const) {
    it(`${alg}: each level and the card key equal the openssl CLI chain`, () => {
      const d = [bytes('3635303030307368'), bytes('3635303130307378'), ATR8];
      let k = master[alg];
      for (const level of d) {
        const next = cli[alg](k, level);
        expect(hex(diversify(alg, bytes(k), level))).toBe(next);
        k = next;
      }
      expect(k.length).toBe(alg === 'DES' ? 16 : 32);
      expect(hex(ssseCardKey(alg, bytes(master[alg]), '650100', ATR8))).toBe(k);
    });
  }

  it('rejects bad region codes, ATR bytes and diversification data', () => {
    expect(() => ssseDiversificationData('65010', ATR8)).toThrow(/regionCode/);
    expect(() => ssseDiversificationData('65010X', ATR8)).toThrow(/regionCode/);
    expect(() => ssseDiversificationData('650100', new Uint8Array(7))).toThrow(/atrHistorical8/);
    expect(() => diversify('SM4', new Uint8Array(16), new Uint8Array(16))).toThrow(/data8/);
    expect(() => diversify('3DES', new Uint8Array(8), new Uint8Array(8))).toThrow(/key/);
  });
});

describe('SSSE session key and authentication data (DOMAIN.md §1.4)', () => {
  const R = bytes('1122334455667788');

  it('SM4: SK = SM4_K(R ‖ 00×8); auth data = left ⊕ right of SM4_SK(orig ‖ 00×8)', () => {
    const k = '0123456789ABCDEFFEDCBA9876543210';
    const sk = hex(opensslEnc('sm4-ecb', k, cat(R, new Uint8Array(8))));
    expect(hex(ssseSessionKey('SM4', bytes(k), R))).toBe(sk);
    const orig = bytes('A0A1A2A3A4A5A6A7');
    const e = opensslEnc('sm4-ecb', sk, cat(orig, new Uint8Array(8)));
    const fold = e.subarray(0, 8).map((b, i) => b ^ e[8 + i]!);
    expect(hex(ssseAuthData('SM4', bytes(sk), orig))).toBe(hex(fold));
  });

  it('3DES: SK = 3DES_K(R) (8 bytes, a DES key); auth data under SK is single DES', () => {
    const k = '404142434445464748494A4B4C4D4E4F';
    const sk = hex(opensslEnc('des-ede', k, R));
    expect(hex(ssseSessionKey('3DES', bytes(k), R))).toBe(sk);
    const orig = bytes('0102030405060708');
    expect(hex(ssseAuthData('3DES', bytes(sk), orig))).toBe(hex(opensslDes(sk, orig)));
    // with the static 16-byte key (external authentication), 3DES
    expect(hex(ssseAuthData('3DES', bytes(k), orig))).toBe(hex(opensslEnc('des-ede', k, orig)));
  });

  it('a short R is zero-padded on the right', () => {
    const k = '404142434445464748494A4B4C4D4E4F';
    expect(hex(ssseSessionKey('3DES', bytes(k), bytes('11223344')))).toBe(
      hex(opensslEnc('des-ede', k, bytes('1122334400000000'))),
    );
  });

  it('rejects R longer than a block and original data not 8 bytes', () => {
    expect(() => ssseSessionKey('3DES', new Uint8Array(16), new Uint8Array(9))).toThrow(/random/);
    expect(() => ssseSessionKey('SM4', new Uint8Array(16), new Uint8Array(0))).toThrow(/random/);
    expect(() => ssseAuthData('SM4', new Uint8Array(16), new Uint8Array(16))).toThrow(/original8/);
  });
});

describe('PBOC key derivation and cryptograms (DOMAIN.md §2)', () => {
  const IMK_3DES = '0123456789ABCDEFFEDCBA9876543210';
  const IMK_SM4 = '00112233445566778899AABBCCDDEEFF';
  const PAN = '6228480402564890018';

  it('D = rightmost 16 digits of PAN ‖ PSN, left-padded with zeros', () => {
    expect(hex(pbocDiversificationData(PAN, '01'))).toBe('8040256489001801');
    expect(hex(pbocDiversificationData('123456789012', '00'))).toBe('0012345678901200');
    expect(hex(pbocDiversificationData('6212345678901234', ''))).toBe('1234567890123400');
    expect(() => pbocDiversificationData('62123A5678901234', '01')).toThrow(/pan/);
    expect(() => pbocDiversificationData('6212345678901234', '123')).toThrow(/psn/);
  });

  it('3DES: UDK, session key, AC (retail MAC) and ARPC equal the openssl CLI pieces', () => {
    const d = bytes('8040256489001801');
    const udk = hex(opensslEnc('des-ede', IMK_3DES, cat(d, notBytes(d))));
    expect(hex(pbocUdk('3DES', bytes(IMK_3DES), PAN, '01'))).toBe(udk);

    const sk = hex(opensslEnc('des-ede', udk, bytes('000000000000002A 000000000000FFD5')));
    expect(hex(pbocSessionKey('3DES', bytes(udk), 0x002a))).toBe(sk);

    const cdol = bytes('000000010000 000000000000 0156 0000000000 0156 250601 00 CAFEBABE 7C00 002A 03A00000');
    expect(hex(pbocApplicationCryptogram('3DES', bytes(sk), cdol))).toBe(hex(opensslRetailMac(sk, cdol)));

    const arqc = bytes('8A3B1C2D4E5F6071');
    expect(hex(pbocArpc('3DES', bytes(sk), arqc, bytes('3030')))).toBe(
      hex(opensslEnc('des-ede', sk, bytes('BA0B1C2D4E5F6071'))),
    );
  });

  it('SM4 [R]: UDK = SM4(D ‖ ¬D), SK = SM4(00×6 ATC 00×6 ¬ATC), AC = CBC-MAC left 8, ARPC = left 8 of SM4(X ‖ 00×8)', () => {
    const d = bytes('8040256489001801');
    const udk = hex(opensslEnc('sm4-ecb', IMK_SM4, cat(d, notBytes(d))));
    expect(hex(pbocUdk('SM4', bytes(IMK_SM4), PAN, '01'))).toBe(udk);

    const sk = hex(opensslEnc('sm4-ecb', udk, bytes('0000000000001234 000000000000EDCB')));
    expect(hex(pbocSessionKey('SM4', bytes(udk), 0x1234))).toBe(sk);

    const data = bytes('000000010000 000000000000 0156 0000000000 0156 250601 00 CAFEBABE 7C00 1234 03A00000');
    expect(hex(pbocApplicationCryptogram('SM4', bytes(sk), data))).toBe(
      hex(opensslCbcMac('sm4-cbc', sk, data, 16).slice(0, 8)),
    );

    const arqc = bytes('8A3B1C2D4E5F6071');
    const x = bytes('BA0B1C2D4E5F6071 0000000000000000');
    expect(hex(pbocArpc('SM4', bytes(sk), arqc, bytes('3030')))).toBe(hex(opensslEnc('sm4-ecb', sk, x).slice(0, 8)));
  });

  it('rejects bad ATCs, ARQC/ARC lengths and algorithms', () => {
    expect(() => pbocSessionKey('SM4', new Uint8Array(16), 0x10000)).toThrow(/atc/);
    expect(() => pbocSessionKey('SM4', new Uint8Array(16), -1)).toThrow(/atc/);
    expect(() => pbocArpc('3DES', new Uint8Array(16), new Uint8Array(7), new Uint8Array(2))).toThrow(/arqc/);
    expect(() => pbocArpc('3DES', new Uint8Array(16), new Uint8Array(8), new Uint8Array(1))).toThrow(/arc/);
    expect(() => pbocUdk('DES' as 'SM4', new Uint8Array(8), PAN, '01')).toThrow(/algorithm/);
  });
});
