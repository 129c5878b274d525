// Card-OS transcripts on a hand-built image (fixture.ts): hex in, hex out. Expected cryptograms are
// computed with OpenSSL's SM4 directly (node:crypto), not with sscard's crypto.
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard, MemoryCardStore, createMemoryCard, type Card } from '../../../src/card/index.js';
import { EXT_KEY, INT_KEY, foldedAuth, sm4Ecb, testImage } from './fixture.js';

const deps = () => ({ random: seededRandom(7), clock: fixedClock(new Date('2026-11-22T00:00:00Z')), log: silentLogger() });
const tx = (card: Card, hex: string) => toHex(card.transmit(fromHex(hex)));

function powered(protocol: 'T=0' | 'T=1' = 'T=1', iface: 'contact' | 'contactless' = 'contact'): Card {
  const card = createCard(testImage(protocol), deps());
  card.powerOn(iface);
  return card;
}

describe('SELECT', () => {
  it('by FID, EF answers 9000 without data; by DF name answers 6F { 84 AID, A5 { 88 01 01 } }', () => {
    const card = powered();
    expect(tx(card, '00A40200020001')).toBe('9000');
    // 6F 0D | 84 06 A00000000101 | A5 03 880101
    expect(tx(card, '00A4040006A00000000101')).toBe('6F0D8406A00000000101A5038801019000');
    expect(tx(card, '00A4040C06A00000000101')).toBe('9000');
    expect(tx(card, '00A4040003A00000')).toBe('6F0D8406A00000000101A5038801019000'); // partial name
  });
  it('MF by 3F00, path from MF, parent, and not found', () => {
    const card = powered();
    expect(tx(card, '00A40000023F00')).toBe('6F0483023F009000');
    expect(tx(card, '00A4080004DF010005')).toBe('9000');
    expect(tx(card, '00A4030000')).toBe('6F0483023F009000');
    expect(tx(card, '00A4000002ABCD')).toBe('6A82');
    expect(tx(card, '00A4040005A000000009')).toBe('6A82');
    expect(tx(card, '00A4050000')).toBe('6A86');
  });
  it('contactless hides a contact-only file', () => {
    expect(tx(powered('T=1', 'contact'), '00A40200020004')).toBe('9000');
    expect(tx(powered('T=1', 'contactless'), '00A40200020004')).toBe('6A82');
  });
});

describe('READ BINARY / READ RECORD', () => {
  it('binary by SFI with offset, by current EF, 6282 when short, 6B00 beyond the end', () => {
    const card = powered();
    expect(tx(card, '00B081040C')).toBe('0405060708090A0B0C0D0E0F9000');
    expect(tx(card, '00B0000E04')).toBe('0E0F6282');
    expect(tx(card, '00B0001100')).toBe('6B00');
  });
  it('records by number (100), by tag first/last/next/previous (000-011), all from P1 (101)', () => {
    const card = powered();
    expect(tx(card, '00B2021400')).toBe('02034142439000'); // record 2 of SFI 2
    expect(tx(card, '00B2011000')).toBe('0102AABB9000'); // first with tag 01
    expect(tx(card, '00B2011100')).toBe('0101CC9000'); // last with tag 01
    expect(tx(card, '00B2011300')).toBe('0102AABB9000'); // previous with tag 01 (current is 3)
    expect(tx(card, '00B2011200')).toBe('0101CC9000'); // next with tag 01
    expect(tx(card, '00B2011200')).toBe('6A83'); // no further
    expect(tx(card, '00B2021500')).toBe('0203414243' + '0101CC' + '9000');
    expect(tx(card, '00B2051400')).toBe('6A83');
    expect(tx(card, '00B2010C00')).toBe('6981'); // SFI 1 is transparent
    expect(tx(card, '00B2011F00')).toBe('6A86');
  });
});

describe('access rules, PIN and authentication', () => {
  it('PIN-protected read: 6982, wrong PIN 63C2 63C1 63C0, then 6983 even with the right one', () => {
    const card = powered();
    expect(tx(card, '00B2011C00')).toBe('6982');
    expect(tx(card, '0020000002FFFF')).toBe('6A80');
    expect(tx(card, '00200000021111')).toBe('63C2');
    expect(tx(card, '0020000000')).toBe('63C2');
    expect(tx(card, '00200000021111')).toBe('63C1');
    expect(tx(card, '00200000021111')).toBe('63C0');
    expect(tx(card, '00200000021234')).toBe('6983');
    expect(tx(card, '00B2011C00')).toBe('6982');
  });
  it('the right PIN opens the file (cyclic: record 1 is the newest) and resets the counter; a warm reset forgets it', () => {
    const card = powered();
    expect(tx(card, '00200000021111')).toBe('63C2');
    expect(tx(card, '00200000041234FFFF')).toBe('9000');
    expect(tx(card, '0020000000')).toBe('9000');
    expect(tx(card, '00B2011C00')).toBe('0303039000');
    card.warmReset();
    expect(tx(card, '00B2011C00')).toBe('6982');
  });
  it('GET CHALLENGE: Le 04, 08, 10 (LD/T 32.5); Le 00 gives 8 bytes (EMV 4.3 Book 3 §6.5.6); other lengths 6700, P1P2 ≠ 0 6A86', () => {
    const card = powered();
    expect(tx(card, '0084000004')).toMatch(/^[0-9A-F]{8}9000$/);
    expect(tx(card, '0084000010')).toMatch(/^[0-9A-F]{32}9000$/);
    expect(tx(card, '0084000000')).toMatch(/^[0-9A-F]{16}9000$/);
    expect(tx(card, '0084000005')).toBe('6700');
    expect(tx(card, '0084000100')).toBe('6A86');
  });
  it('UPDATE needs EXTERNAL AUTHENTICATE with EXT: challenge → E_K(R‖00×8) folded → 9000 → UPDATE RECORD', () => {
    const card = powered();
    expect(tx(card, '00DC021406020399887766')).toBe('6982');
    const r = tx(card, '0084000008');
    expect(r).toMatch(/^[0-9A-F]{16}9000$/);
    const challenge = r.slice(0, 16);
    const auth = foldedAuth(EXT_KEY, challenge);
    expect(tx(card, `0082000411${auth}${challenge}01`)).toBe('9000');
    expect(tx(card, '00DC021406020399887766')).toBe('9000');
    expect(tx(card, '00B2021400')).toBe('020399887766' + '9000');
    expect(tx(card, '00DC02100402029988')).toBe('9000'); // mode 000: the first record with tag 02
    expect(tx(card, '00B2021400')).toBe('020299889000');
    expect(tx(card, '00DC0210040102AAAA')).toBe('6A80'); // data must start with the tag
    expect(tx(card, '00DC02140A010203040506070809')).toBe('6700'); // longer than a record
  });
  it('a wrong cryptogram counts down (63C2), the challenge is single-use (6985), the key blocks (6983)', () => {
    const card = powered();
    for (const left of ['63C2', '63C1', '63C0']) {
      const challenge = tx(card, '0084000008').slice(0, 16);
      expect(tx(card, `0082000410${'00'.repeat(8)}${challenge}`)).toBe(left);
    }
    expect(tx(card, `0082000410${'00'.repeat(16)}`)).toBe('6983');
    expect(tx(card, '0082000410' + '00'.repeat(16)).length).toBe(4);
  });
  it('INTERNAL AUTHENTICATE: SK = E_INT(factor ‖ 00×8), answer = fold(E_SK(orig ‖ 00×8))', () => {
    const card = powered();
    const factor = '1122334455667788';
    const orig = '8877665544332211';
    const sk = sm4Ecb(INT_KEY, factor + '00'.repeat(8));
    expect(tx(card, `0088000010${factor}${orig}`)).toBe(`${foldedAuth(sk, orig)}9000`);
    expect(tx(card, `0088000510${factor}${orig}`)).toBe('6A88');
    expect(tx(card, `008800000F${factor}${orig.slice(2)}`)).toBe('6700');
  });
  it('secure messaging (CLA 04): MAC under SK = E_K(challenge ‖ 00…) over CLA INS P1 P2 Lc data, 80-padded, XOR-folded', () => {
    const card = powered();
    const challenge = tx(card, '0084000004').slice(0, 8);
    const sk = sm4Ecb(EXT_KEY, challenge + '00'.repeat(12));
    const body = '04D6000005' + 'A1'; // Lc = 1 data byte + 4 MAC bytes
    const padded = body + '80' + '00'.repeat(16 - body.length / 2 - 1);
    const block = Buffer.from(sm4Ecb(sk, padded), 'hex');
    const mac = Buffer.alloc(4);
    for (let i = 0; i < 4; i++) mac[i] = block[i]! ^ block[i + 4]! ^ block[i + 8]! ^ block[i + 12]!;
    expect(tx(card, '00A40200020001')).toBe('9000');
    expect(tx(card, `04D6000005A1${mac.toString('hex')}`)).toBe('9000');
    expect(tx(card, '00B0000002')).toBe('A1019000');
    expect(tx(card, `04D6000005A1${mac.toString('hex')}`)).toBe('6988'); // challenge used up
  });
});

describe('secure messaging with encryption', () => {
  // CBC-MAC with 80-padding, zero IV, the 16-byte result folded by XOR of its four words (DOMAIN.md §1.4)
  const foldedMac = (keyHex: string, dataHex: string) => {
    const n = dataHex.length / 2;
    const padded = dataHex + '80' + '00'.repeat((16 - ((n + 1) % 16)) % 16);
    // CBC by hand over OpenSSL's SM4-ECB: E(E(B1) ^ B2) …
    let chain = Buffer.alloc(16);
    const blocks = Buffer.from(padded, 'hex');
    for (let i = 0; i < blocks.length; i += 16) {
      const x = Buffer.alloc(16);
      for (let j = 0; j < 16; j++) x[j] = blocks[i + j]! ^ chain[j]!;
      chain = Buffer.from(sm4Ecb(keyHex, x.toString('hex')), 'hex');
    }
    const mac = Buffer.alloc(4);
    for (let i = 0; i < 4; i++) mac[i] = chain[i]! ^ chain[i + 4]! ^ chain[i + 8]! ^ chain[i + 12]!;
    return mac.toString('hex').toUpperCase();
  };

  it('an enciphered file refuses plain data (6987) and takes E_SK(LD ‖ data ‖ 80…) ‖ MAC', () => {
    const card = powered();
    expect(tx(card, '00D6860002CAFE')).toBe('6987');
    const challenge = tx(card, '0084000004').slice(0, 8);
    const sk = sm4Ecb(EXT_KEY, challenge + '00'.repeat(12));
    const enc = sm4Ecb(sk, '02CAFE80' + '00'.repeat(12));
    const lc = (enc.length / 2 + 4).toString(16).padStart(2, '0').toUpperCase();
    const mac = foldedMac(sk, `04D68600${lc}${enc}`);
    expect(tx(card, `04D68600${lc}${enc}${mac}`)).toBe('9000');
    expect(tx(card, '00B0860004')).toBe('CAFE00009000');
  });
});

describe('T=0', () => {
  it('a command with data answers 61xx and GET RESPONSE fetches the FCI; a wrong Le answers 6Cxx', () => {
    const card = powered('T=0');
    expect(tx(card, '00A4040006A00000000101')).toBe('610F');
    expect(tx(card, '00C0000010')).toBe('6C0F');
    expect(tx(card, '00C000000A')).toBe('6F0D8406A00000000101' + '6105');
    expect(tx(card, '00C0000005')).toBe('A503880101' + '9000');
    expect(tx(card, '00A4000C023F00')).toBe('9000');
    expect(tx(card, '00B2021400')).toBe('6C05');
    expect(tx(card, '00B2021405')).toBe('02034142439000');
    expect(tx(card, '00C0000005')).toBe('6985');
  });
});

describe('durability', () => {
  it('a PIN counter survives a power cut (store reopened) and nothing changes on a failed command', () => {
    const store = new MemoryCardStore(testImage());
    let card = createMemoryCard(store, deps());
    card.powerOn('contact');
    expect(tx(card, '00200000021111')).toBe('63C2');
    const saves = store.saves;
    expect(tx(card, '00B2011C00')).toBe('6982');
    expect(tx(card, '00DC011406020399887766')).toBe('6982');
    expect(store.saves).toBe(saves);
    card = createMemoryCard(store, deps());
    card.powerOn('contact');
    expect(tx(card, '0020000000')).toBe('63C2');
  });
  it('a save that fails answers 6581 and keeps the old state', () => {
    const image = testImage();
    let fail = false;
    const store = { description: 'flaky', load: () => image, save: () => { if (fail) throw new Error('disk full'); } };
    const card = createCard(image, deps(), { store });
    card.powerOn('contact');
    fail = true;
    expect(tx(card, '00200000021111')).toBe('6581');
    expect(tx(card, '0020000000')).toBe('6581'); // while saves fail, PIN commands are refused (issue 8 item 3)
    fail = false;
    expect(tx(card, '00200000021111')).toBe('63C2');
  });
  it('malformed APDUs answer 6700; unknown INS 6D00; wrong CLA 6E00; the card never throws', () => {
    const card = powered();
    expect(tx(card, '00A4')).toBe('6700');
    expect(tx(card, '00A404000500')).toBe('6700');
    expect(tx(card, '0050000000')).toBe('6D00');
    expect(tx(card, '80B2011400')).toBe('6E00');
  });
});
