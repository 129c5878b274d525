/**
 * Offline medical debit cryptography (DOMAIN.md §1.4), against the openssl CLI.
 */
import { describe, expect, it } from 'vitest';
import { medicalDebitMac, medicalDebitSessionKey, medicalDebitTac } from '../../src/crypto/purse.js';
import { bytes, hex, opensslCbcMac, opensslEnc } from './sym-oracles.js';

const random4 = bytes('5A6B7C8D');
const seq2 = bytes('0007');
const tseq4 = bytes('00001234');
// amounts ‖ type ‖ terminal ID ‖ time, as the card lays it out (content does not matter here)
const mac1Input = bytes('00000064 00000032 00000032 09 112233445566 20260101120000');

describe('medical debit', () => {
  it('SM4: SK = SM4_DPK(random ‖ seq ‖ tseq[2..4] ‖ 00×8); MAC1 = SSSE MAC; TAC under DTK', () => {
    const dpk = '0F1E2D3C4B5A69788796A5B4C3D2E1F0';
    const sk = hex(opensslEnc('sm4-ecb', dpk, bytes('5A6B7C8D 0007 1234 0000000000000000')));
    expect(hex(medicalDebitSessionKey('SM4', bytes(dpk), random4, seq2, tseq4))).toBe(sk);
    const last = opensslCbcMac('sm4-cbc', sk, mac1Input, 16);
    const fold = [0, 1, 2, 3].map((i) => last[i]! ^ last[4 + i]! ^ last[8 + i]! ^ last[12 + i]!);
    expect(hex(medicalDebitMac('SM4', bytes(sk), mac1Input))).toBe(hex(Uint8Array.from(fold)));
    const dtk = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF';
    const t = opensslCbcMac('sm4-cbc', dtk, mac1Input, 16);
    expect(hex(medicalDebitTac('SM4', bytes(dtk), mac1Input))).toBe(
      hex(Uint8Array.from([0, 1, 2, 3].map((i) => t[i]! ^ t[4 + i]! ^ t[8 + i]! ^ t[12 + i]!))),
    );
  });

  it('3DES: SK = 3DES_DPK(input) is a DES key; MAC under it is single DES; TAC [R] under DTK_L ⊕ DTK_R', () => {
    const dpk = '404142434445464748494A4B4C4D4E4F';
    const sk = hex(opensslEnc('des-ede', dpk, bytes('5A6B7C8D00071234')));
    expect(hex(medicalDebitSessionKey('3DES', bytes(dpk), random4, seq2, tseq4))).toBe(sk);
    expect(hex(medicalDebitMac('3DES', bytes(sk), mac1Input))).toBe(
      hex(opensslCbcMac('des-ede-cbc', sk + sk, mac1Input, 8).slice(0, 4)),
    );
    const dtk = bytes('0011223344556677 8899AABBCCDDEEFF');
    const tacKey = hex(dtk.subarray(0, 8).map((b, i) => b ^ dtk[8 + i]!));
    expect(tacKey).toBe('8888888888888888');
    expect(hex(medicalDebitTac('3DES', dtk, mac1Input))).toBe(
      hex(opensslCbcMac('des-ede-cbc', tacKey + tacKey, mac1Input, 8).slice(0, 4)),
    );
  });

  it('rejects wrong input lengths, naming them', () => {
    expect(() => medicalDebitSessionKey('SM4', new Uint8Array(16), new Uint8Array(3), seq2, tseq4)).toThrow(/random4/);
    expect(() => medicalDebitSessionKey('SM4', new Uint8Array(16), random4, new Uint8Array(4), tseq4)).toThrow(/sequence2/);
    expect(() => medicalDebitSessionKey('SM4', new Uint8Array(16), random4, seq2, new Uint8Array(2))).toThrow(/terminalSequence4/);
  });
});
