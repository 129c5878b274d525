// Card-OS transcripts of the PIN-management and life-cycle commands (DOMAIN.md §1.3): CHANGE PIN,
// RELOAD PIN, PIN CHANGE/UNBLOCK, APPLICATION BLOCK/UNBLOCK, CARD BLOCK. The key-management MAC
// (static key, IV = the last challenge padded with 00) and the enciphered PIN are computed with
// OpenSSL's SM4 (node:crypto), not with sscard's crypto.
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { MemoryCardStore, createMemoryCard, type Card } from '../../../src/card/index.js';
import type { CardImage, DfImage } from '../../../src/card/runtime/types.js';
import { sm4Ecb, testImage } from './fixture.js';

const MNT_KEY = '101112131415161718191A1B1C1D1E1F';
const RLD_KEY = '202122232425262728292A2B2C2D2E2F';
const UBK_KEY = '303132333435363738393A3B3C3D3E3F';

/** The test image with a maintenance, a PIN-reload and a PIN-unblock key in DF01 (the PIN stays in the MF). */
function image(): CardImage {
  const img = testImage();
  const df01 = img.mf.children.find((c): c is DfImage => c.kind === 'df' && c.fid === 0xdf01)!;
  df01.keys = [
    { id: 'MNT', reference: 1, usage: 'maintenance', algorithm: 'SM4', version: 1, value: MNT_KEY },
    { id: 'RLD', reference: 2, usage: 'pin-reload', algorithm: 'SM4', version: 1, value: RLD_KEY },
    { id: 'UBK', reference: 3, usage: 'pin-unblock', algorithm: 'SM4', version: 1, value: UBK_KEY },
  ];
  return img;
}

const deps = () => ({ random: seededRandom(11), clock: fixedClock(new Date('2026-11-22T00:00:00Z')), log: silentLogger() });
const tx = (card: Card, hex: string) => toHex(card.transmit(fromHex(hex)));

function open(store: MemoryCardStore): Card {
  const card = createMemoryCard(store, deps());
  card.powerOn('contact');
  return card;
}

/** Key-management MAC: SM4-CBC, IV = challenge ‖ 00…, 80-padded input, last block XOR-folded to 4 bytes. */
function kmMac(keyHex: string, challengeHex: string, inputHex: string): string {
  const iv = Buffer.from(challengeHex.padEnd(32, '0'), 'hex');
  let padded = inputHex + '80';
  while ((padded.length / 2) % 16 !== 0) padded += '00';
  const c = createCipheriv('sm4-cbc', Buffer.from(keyHex, 'hex'), iv).setAutoPadding(false);
  const out = Buffer.concat([c.update(Buffer.from(padded, 'hex')), c.final()]);
  const last = out.subarray(out.length - 16);
  const mac = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) mac[i] = last[i]! ^ last[i + 4]! ^ last[i + 8]! ^ last[i + 12]!;
  return mac.toString('hex').toUpperCase();
}

const lc = (bytes: number) => bytes.toString(16).padStart(2, '0').toUpperCase();

/** GET CHALLENGE (4 bytes), then the command `header ‖ Lc ‖ data ‖ MAC` with the MAC over `macCla ‖ INS P1 P2 ‖ Lc ‖ data`. */
function withMac(card: Card, keyHex: string, header: string, data = '', macCla = header.slice(0, 2)): string {
  const challenge = tx(card, '0084000004').slice(0, 8);
  const l = lc(data.length / 2 + 4);
  const mac = kmMac(keyHex, challenge, `${macCla}${header.slice(2)}${l}${data}`);
  return tx(card, `${header}${l}${data}${mac}`);
}

const SELECT_DF01 = '00A4040006A00000000101';
const FCI_DF01 = '6F0D8406A00000000101A503880101';

describe('PIN management', () => {
  it('CHANGE PIN 80 5E 01 00 old‖FF‖new: a wrong old PIN counts down, the right one sets the new PIN', () => {
    const card = open(new MemoryCardStore(image()));
    expect(tx(card, '805E0100061111FF567890')).toBe('63C2'); // wrong old PIN
    expect(tx(card, '805E0100061234FF567890')).toBe('9000'); // counter back to 3, PIN now 567890
    expect(tx(card, '0020000000')).toBe('9000'); // verified by the change
    expect(tx(card, '00200000021234')).toBe('63C2');
    expect(tx(card, '0020000003567890')).toBe('9000');
    expect(tx(card, '805E01000412FF5678')).toBe('6A80'); // old PIN of one byte (2 digits) is malformed
  });

  it('a blocked PIN (6983) is unblocked by PIN UNBLOCK 84 24 00 00 with the unblock key MAC; a wrong MAC answers 9302', () => {
    const store = new MemoryCardStore(image());
    let card = open(store);
    for (const sw of ['63C2', '63C1', '63C0', '6983']) expect(tx(card, '00200000021111')).toBe(sw);
    expect(tx(card, '00200000021234')).toBe('6983');
    // the blocked counter survives a re-open of the store
    card = open(store);
    expect(tx(card, '0020000000')).toBe('6983');
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}9000`);
    expect(tx(card, '842400000400000000')).toBe('6985'); // no challenge
    tx(card, '0084000004');
    expect(tx(card, '842400000400000000')).toBe('9302'); // wrong MAC
    expect(tx(card, '00200000021234')).toBe('6983'); // still blocked
    expect(withMac(card, UBK_KEY, '84240000')).toBe('9000');
    expect(tx(card, '00200000021234')).toBe('9000');
    card = open(store);
    expect(tx(card, '0020000000')).toBe('63C3');
  });

  it('PIN CHANGE 84 24 00 01: E_UBK(LD ‖ new PIN ‖ 80…) ‖ MAC sets the PIN', () => {
    const card = open(new MemoryCardStore(image()));
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}9000`);
    const enc = sm4Ecb(UBK_KEY, '03222222' + '80' + '00'.repeat(11));
    expect(withMac(card, UBK_KEY, '84240001', enc)).toBe('9000');
    expect(tx(card, '00200000021234')).toBe('63C2');
    expect(tx(card, '0020000003222222')).toBe('9000');
  });

  it('RELOAD PIN 80 5E 00 00 new PIN ‖ MAC (reload key; MAC input with CLA 84 [R]) sets the PIN and resets its counter', () => {
    const card = open(new MemoryCardStore(image()));
    expect(tx(card, '00200000021111')).toBe('63C2');
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}9000`);
    expect(withMac(card, RLD_KEY, '805E0000', '111111', '80')).toBe('9302'); // MAC over CLA 80: refused
    expect(withMac(card, RLD_KEY, '805E0000', '111111', '84')).toBe('9000');
    expect(tx(card, '0020000000')).toBe('63C3');
    expect(tx(card, '0020000003111111')).toBe('9000');
  });
});

describe('life cycle', () => {
  it('APPLICATION BLOCK: the DF is still selected but answers 6283, its commands 6985; UNBLOCK restores it; the state persists', () => {
    const store = new MemoryCardStore(image());
    let card = open(store);
    expect(tx(card, '00200000021234')).toBe('9000');
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}9000`);
    expect(tx(card, '00B2012C00')).toBe('55559000');
    expect(withMac(card, MNT_KEY, '841E0000', '', '80')).toBe('9302'); // MAC input with another CLA
    expect(withMac(card, MNT_KEY, '841E0000')).toBe('9000');
    card = open(store); // power cut: the block is in the image
    expect(tx(card, '00200000021234')).toBe('9000');
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}6283`);
    expect(tx(card, '00B2012C00')).toBe('6985');
    expect(withMac(card, MNT_KEY, '84180000')).toBe('9000');
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}9000`);
    expect(tx(card, '00B2012C00')).toBe('55559000');
    expect(tx(card, '00A40000023F00')).toBe('6F0483023F009000'); // the MF is untouched by the block
  });

  it('APPLICATION BLOCK P2=01 terminates the DF: UNBLOCK answers 9303', () => {
    const card = open(new MemoryCardStore(image()));
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}9000`);
    expect(withMac(card, MNT_KEY, '841E0001')).toBe('9000');
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}6283`);
    expect(withMac(card, MNT_KEY, '84180000')).toBe('9303');
  });

  it('CARD BLOCK: every later command answers 6A81, also after a power cut', () => {
    const store = new MemoryCardStore(image());
    let card = open(store);
    expect(tx(card, SELECT_DF01)).toBe(`${FCI_DF01}9000`);
    expect(withMac(card, MNT_KEY, '84160000')).toBe('9000');
    expect(tx(card, '00A40000023F00')).toBe('6A81');
    card = open(store);
    expect(tx(card, '0084000004')).toBe('6A81');
    expect(tx(card, '00200000021234')).toBe('6A81');
  });
});
