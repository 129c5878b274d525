/**
 * Known answers for SM4, 3DES and DES, and cross-checks against the openssl CLI and sm-crypto.
 */
import { describe, expect, it } from 'vitest';
import { createBlockCipher, type BlockAlgorithm } from '../../src/crypto/block-cipher.js';
import { bytes, hex, opensslEnc, smCrypto } from './sym-oracles.js';

const SM4_KEY = '0123456789ABCDEFFEDCBA9876543210';
const ascii = (s: string) => new TextEncoder().encode(s);

describe('SM4 standard vectors (GB/T 32907 Annex A, DOMAIN.md §6)', () => {
  const cipher = createBlockCipher('SM4', bytes(SM4_KEY));

  it('encrypts the example once', () => {
    expect(hex(cipher.encrypt(bytes(SM4_KEY)))).toBe('681EDF34D206965E86B3E94F536E4246');
    expect(hex(cipher.decrypt(bytes('681EDF34D206965E86B3E94F536E4246')))).toBe(SM4_KEY);
  });

  it('encrypts the example 1,000,000 times (one reused context)', () => {
    let block = bytes(SM4_KEY);
    for (let i = 0; i < 1_000_000; i++) block = cipher.encrypt(block);
    expect(hex(block)).toBe('595298C7C6FD271F0402F804C33D3F66');
  });
});

describe('DES and 3DES known answers', () => {
  const des = (key: string) => createBlockCipher('DES', bytes(key));

  it('NIST SP 800-20 variable-plaintext and variable-key KATs (single DES)', () => {
    expect(hex(des('0101010101010101').encrypt(bytes('8000000000000000')))).toBe('95F8A5E5DD31D900');
    expect(hex(des('0101010101010101').encrypt(bytes('4000000000000000')))).toBe('DD7F121CA5015619');
    expect(hex(des('8001010101010101').encrypt(bytes('0000000000000000')))).toBe('95A8D72813DAA94D');
    expect(hex(des('4001010101010101').encrypt(bytes('0000000000000000')))).toBe('0EEC1487DD8C26D5');
  });

  it('the classic worked example key 133457799BBCDFF1', () => {
    expect(hex(des('133457799BBCDFF1').encrypt(bytes('0123456789ABCDEF')))).toBe('85E813540F0AB405');
    expect(hex(des('133457799BBCDFF1').decrypt(bytes('85E813540F0AB405')))).toBe('0123456789ABCDEF');
  });

  it('FIPS 81 ECB and CBC examples ("Now is the time for all ")', () => {
    const c = des('0123456789ABCDEF');
    const p = ascii('Now is the time for all ');
    expect(hex(c.encrypt(p))).toBe('3FA40E8A984D48156A271787AB8883F9893D51EC4B563B53');
    const cbc = c.encryptCbc(p, bytes('1234567890ABCDEF'));
    expect(hex(cbc)).toBe('E5C7CDDE872BF27C43E934008C389C0F683788499A7C05F6');
    expect(c.decryptCbc(cbc, bytes('1234567890ABCDEF'))).toEqual(p);
  });

  it('NIST SP 800-67 3-key TDEA example ("The qufck brown fox jump")', () => {
    const c = createBlockCipher('3DES', bytes('0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123'));
    const ct = c.encrypt(ascii('The qufck brown fox jump'));
    expect(hex(ct)).toBe('A826FD8CE53B855FCCE21C8112256FE668D5C05DD9B6B900');
    expect(c.decrypt(ct)).toEqual(ascii('The qufck brown fox jump'));
  });

  it('2-key 3DES equals 3-key 3DES with K3 = K1, and 3DES with K1 = K2 equals DES', () => {
    const k1 = '0123456789ABCDEF', k2 = 'FEDCBA9876543210';
    const p = bytes('0011223344556677 8899AABBCCDDEEFF');
    expect(createBlockCipher('3DES', bytes(k1 + k2)).encrypt(p)).toEqual(
      createBlockCipher('3DES', bytes(k1 + k2 + k1)).encrypt(p),
    );
    expect(createBlockCipher('3DES', bytes(k1 + k1)).encrypt(p)).toEqual(createBlockCipher('DES', bytes(k1)).encrypt(p));
  });
});

describe('cross-checks against the openssl CLI', () => {
  const data = Uint8Array.from({ length: 80 }, (_, i) => (i * 29 + 7) & 0xff);
  const cases: Array<{ alg: BlockAlgorithm; key: string; ecb: string; cbc: string; cliKey: string }> = [
    { alg: 'SM4', key: SM4_KEY, ecb: 'sm4-ecb', cbc: 'sm4-cbc', cliKey: SM4_KEY },
    { alg: '3DES', key: '404142434445464748494A4B4C4D4E4F', ecb: 'des-ede', cbc: 'des-ede-cbc', cliKey: '404142434445464748494A4B4C4D4E4F' },
    {
      alg: '3DES',
      key: '0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123',
      ecb: 'des-ede3',
      cbc: 'des-ede3-cbc',
      cliKey: '0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123',
    },
    { alg: 'DES', key: '0123456789ABCDEF', ecb: 'des-ede', cbc: 'des-ede-cbc', cliKey: '0123456789ABCDEF0123456789ABCDEF' },
  ];

  for (const { alg, key, ecb, cbc, cliKey } of cases) {
    it(`${alg} (${key.length / 2}-byte key): ECB and CBC both ways, with several IVs on one object`, () => {
      const c = createBlockCipher(alg, bytes(key));
      expect(hex(c.encrypt(data))).toBe(hex(opensslEnc(ecb, cliKey, data)));
      expect(hex(c.decrypt(data))).toBe(hex(opensslEnc(ecb, cliKey, data, { decrypt: true })));
      // several calls on the same object: the running CBC context must restart at each IV
      for (const ivFill of [0x00, 0x5a, 0xff]) {
        const iv = new Uint8Array(c.blockSize).fill(ivFill).map((b, i) => b ^ i);
        const ivHex = hex(iv);
        const sub = data.subarray(0, c.blockSize * (2 + (ivFill % 3)));
        expect(hex(c.encryptCbc(sub, iv)), `enc iv ${ivHex}`).toBe(hex(opensslEnc(cbc, cliKey, sub, { iv: ivHex })));
        expect(hex(c.decryptCbc(sub, iv)), `dec iv ${ivHex}`).toBe(
          hex(opensslEnc(cbc, cliKey, sub, { iv: ivHex, decrypt: true })),
        );
      }
    });
  }

  it('SM4-CBC of the standard key and plaintext matches `openssl enc -sm4-cbc`', () => {
    const iv = '000102030405060708090A0B0C0D0E0F';
    const p = bytes(SM4_KEY + 'FEDCBA98765432100123456789ABCDEF');
    expect(hex(createBlockCipher('SM4', bytes(SM4_KEY)).encryptCbc(p, bytes(iv)))).toBe(
      hex(opensslEnc('sm4-cbc', SM4_KEY, p, { iv })),
    );
  });
});

describe('cross-checks against sm-crypto (pure JS SM4), both directions', () => {
  const key = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF';
  const iv = '0F0E0D0C0B0A09080706050403020100';
  const c = createBlockCipher('SM4', bytes(key));
  const opts = (mode?: string) => ({ padding: 'none', output: 'array', ...(mode ? { mode, iv: iv.toLowerCase() } : {}) });

  it('ECB: sm-crypto decrypts what sscard encrypts and the reverse', () => {
    const p = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
    const ours = c.encrypt(p);
    expect(Uint8Array.from(smCrypto.sm4.decrypt(ours, key.toLowerCase(), opts()))).toEqual(p);
    const theirs = Uint8Array.from(smCrypto.sm4.encrypt(p, key.toLowerCase(), opts()));
    expect(theirs).toEqual(ours);
    expect(c.decrypt(theirs)).toEqual(p);
  });

  it('CBC: sm-crypto decrypts what sscard encrypts and the reverse', () => {
    const p = Uint8Array.from({ length: 48 }, (_, i) => 255 - i);
    const ours = c.encryptCbc(p, bytes(iv));
    expect(Uint8Array.from(smCrypto.sm4.decrypt(ours, key.toLowerCase(), opts('cbc')))).toEqual(p);
    const theirs = Uint8Array.from(smCrypto.sm4.encrypt(p, key.toLowerCase(), opts('cbc')));
    expect(theirs).toEqual(ours);
    expect(c.decryptCbc(theirs, bytes(iv))).toEqual(p);
  });
});
