/**
 * A small hand-built card image for the card-OS transcripts (independent of the SSSE personaliser):
 *
 * MF 3F00 (PIN P1 ref 00 = 1234, keys EXT 04 / INT 00, SM4)
 * ├── EF01 transparent 16 bytes, SFI 01, read free, update {key EXT}
 * ├── EF02 linear-variable, SFI 02, records 01 02 AABB / 02 03 414243 / 01 01 CC, read free, update {key EXT}
 * ├── EF03 cyclic 4 × 3, SFI 03, read {pin P1}, update free
 * ├── EF06 transparent 4 bytes, SFI 06, read free, update {key EXT} enciphered under secure messaging
 * ├── EF04 transparent, contact only, read free
 * └── DF01 AID A00000000101 (FCI proprietary 880101), EF05 records (SFI 05) read {pin P1}
 */
import { createCipheriv } from 'node:crypto';
import type { CardImage } from '../../../src/card/runtime/types.js';

export const EXT_KEY = '00112233445566778899AABBCCDDEEFF';
export const INT_KEY = '0F0E0D0C0B0A09080706050403020100';

export function testImage(protocol: 'T=0' | 'T=1' = 'T=1'): CardImage {
  return {
    format: 'sscard-card-image',
    version: 1,
    profile: 'test',
    protocol,
    atr: { contact: protocol === 'T=0' ? '3B6300004142' : '3BE30000014142438C', contactless: '3B8380014142438A' },
    cardLifeCycle: 'active',
    apps: {},
    mf: {
      kind: 'df',
      fid: 0x3f00,
      label: 'MF',
      pins: [{ id: 'P1', reference: 0, value: '1234', triesLeft: 3, maxTries: 3 }],
      keys: [
        { id: 'EXT', reference: 4, usage: 'external-auth', algorithm: 'SM4', version: 1, value: EXT_KEY, triesLeft: 3, maxTries: 3 },
        { id: 'INT', reference: 0, usage: 'internal-auth', algorithm: 'SM4', version: 1, value: INT_KEY },
      ],
      children: [
        { kind: 'ef', fid: 0x0001, sfi: 1, structure: 'transparent', size: 16, data: '000102030405060708090A0B0C0D0E0F', read: 'free', update: { key: 'EXT' } },
        { kind: 'ef', fid: 0x0002, sfi: 2, structure: 'linear-variable', recordSize: 8, maxRecords: 4, records: ['0102AABB', '0203414243', '0101CC'], read: 'free', update: { key: 'EXT' } },
        { kind: 'ef', fid: 0x0003, sfi: 3, structure: 'cyclic', recordSize: 3, maxRecords: 4, records: ['030303', '020202', '010101'], read: { pin: 'P1' }, update: 'free' },
        { kind: 'ef', fid: 0x0006, sfi: 6, structure: 'transparent', size: 4, data: '00000000', read: 'free', update: { key: 'EXT' }, enciphered: true },
        { kind: 'ef', fid: 0x0004, structure: 'transparent', size: 2, data: 'BEEF', read: 'free', update: 'never', interfaces: ['contact'] },
        {
          kind: 'df',
          fid: 0xdf01,
          aid: 'A00000000101',
          fciProprietary: '880101',
          children: [{ kind: 'ef', fid: 0x0005, sfi: 5, structure: 'linear-fixed', recordSize: 2, maxRecords: 1, records: ['5555'], read: { pin: 'P1' }, update: 'never' }],
        },
      ],
    },
  };
}

/** SM4-ECB straight from OpenSSL (the independent implementation for expected values). */
export function sm4Ecb(keyHex: string, dataHex: string): string {
  const c = createCipheriv('sm4-ecb', Buffer.from(keyHex, 'hex'), null).setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.from(dataHex, 'hex')), c.final()]).toString('hex').toUpperCase();
}

/** DOMAIN.md §1.4: authentication data = left half XOR right half of E_K(orig ‖ 00×8). */
export function foldedAuth(keyHex: string, original8Hex: string): string {
  const block = Buffer.from(sm4Ecb(keyHex, original8Hex + '00'.repeat(8)), 'hex');
  const out = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) out[i] = block[i]! ^ block[i + 8]!;
  return out.toString('hex').toUpperCase();
}
