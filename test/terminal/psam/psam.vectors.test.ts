// The PSAM's key derivation and cryptograms against the crypto layer's primitives, both through the typed
// API and through the PSAM's APDUs (DOMAIN.md §1.4 third-generation sequence: SELECT sx3 → SELECT DF01 →
// BFDE48xx20 card-div ‖ city-div ‖ R ‖ 00×8 → 80FA000010 R ‖ 00×8 → fold).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { concat, fromHex, toHex, xor } from '../../../src/apdu/bytes.js';
import { createBlockCipher } from '../../../src/crypto/block-cipher.js';
import { diversify, ssseAuthData } from '../../../src/crypto/kdf.js';
import { seededRandom } from '../../../src/env.js';
import { parseProfile } from '../../../src/card/personalize/profile.js';
import { Psam } from '../../../src/terminal/psam/psam.js';
import { PsamCard, PSAM_SX3_AID, psamKeyP2 } from '../../../src/terminal/psam/psam-card.js';

const profile = parseProfile(JSON.parse(readFileSync(new URL('../../../fixtures/profiles/shanghai.json', import.meta.url), 'utf8')));
// T6..TD of a Shanghai card with serial 00A1B2C3 (atr-historical.ts layout)
const hist8 = fromHex('8630310000A1B2C3');

describe('Psam', () => {
  const psam = Psam.fromProfile(profile, seededRandom(1));

  it('derives the card key in three levels: province "310000sh", city "310000sx", card T6–TD', () => {
    // independent recomputation with raw SM4-ECB: DK = SM4_K(D ‖ ¬D) at each level
    const sm4 = (k: Uint8Array, d: Uint8Array) => createBlockCipher('SM4', k).encrypt(concat(d, d.map((b) => b ^ 0xff)));
    let k = fromHex(profile.masterKeys.SSSE.UK!);
    for (const d of [fromHex('3331303030307368'), fromHex('3331303030307378'), hist8]) k = sm4(k, d);
    expect(toHex(psam.cardKey('SSSE', 'UK', { historical: hist8 }))).toBe(toHex(k));
  });

  it('EXTERNAL AUTHENTICATE data is fold(E_K(R ‖ 00×8)) ‖ R ‖ key version (17 bytes, P2 = UK reference 04)', () => {
    const r = fromHex('1122334455667788');
    const key = psam.cardKey('SSSE', 'UK', { historical: hist8 });
    const e = createBlockCipher('SM4', key).encrypt(concat(r, new Uint8Array(8)));
    const apdu = psam.externalAuthenticateApdu('SSSE', 'UK', { historical: hist8 }, r);
    expect(toHex(apdu)).toBe(`0082000411${toHex(xor(e.subarray(0, 8), e.subarray(8)))}${toHex(r)}01`);
  });

  it('checks an INTERNAL AUTHENTICATE answer computed the card way, and rejects a changed one', () => {
    const irk = psam.cardKey('SSSE', 'IRK', { historical: hist8 });
    const challenge = fromHex('32D9E876ADB31BBFDBF7A936D0D18C9E');
    const sk = createBlockCipher('SM4', irk).encrypt(concat(challenge.subarray(0, 8), new Uint8Array(8)));
    const answer = ssseAuthData('SM4', sk, challenge.subarray(8));
    expect(psam.verifyInternalAuth('SSSE', { historical: hist8 }, challenge, answer)).toBe(true);
    answer[0]! ^= 1;
    expect(psam.verifyInternalAuth('SSSE', { historical: hist8 }, challenge, answer)).toBe(false);
  });

  it('refuses a key it does not hold, naming it', () => {
    expect(() => psam.cardKey('DF01', 'DPK', { historical: hist8 })).toThrow(/DPK for DF01/);
  });
});

describe('PsamCard (APDU interface)', () => {
  const card = new PsamCard({ algorithm: 'SM4', regionCode: '310000', keyVersion: 1, masterKeys: profile.masterKeys });
  const send = (hex: string) => toHex(card.process(fromHex(hex)));

  it('runs the third-generation sequence and gives the same cryptogram as the typed API', () => {
    const r = '1122334455667788';
    expect(send('80FA00001011223344556677880000000000000000')).toBe('6985'); // nothing derived yet
    expect(send(`00A404000F${PSAM_SX3_AID}`)).toBe('9000');
    expect(send('00A4000002DF01')).toBe('9000');
    const p2 = psamKeyP2('SSSE', 'UK').toString(16).padStart(2, '0');
    expect(send(`BFDE48${p2}20${toHex(hist8)}3331303030307378${r}0000000000000000`)).toBe('9000');
    const out = send(`80FA000010${r}0000000000000000`);
    expect(out.slice(-4)).toBe('9000');
    const e = fromHex(out.slice(0, 32));
    const fold = xor(e.subarray(0, 8), e.subarray(8));
    const typed = Psam.fromProfile(profile, seededRandom(1)).externalAuthenticate('SSSE', 'UK', { historical: hist8 }, fromHex(r));
    expect(toHex(fold)).toBe(toHex(typed.subarray(0, 8)));
  });

  it('answers status words for bad commands and never throws', () => {
    expect(send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF')).toBe('6A82');
    expect(send('00A4')).toBe('6700');
    expect(send('00CA000000')).toBe('6D00');
    expect(send(`00A404000F${PSAM_SX3_AID}`)).toBe('9000');
    expect(send('00A4000002DF01')).toBe('9000');
    expect(send('BFDE48FF10' + '00'.repeat(16))).toBe('6A86');
  });

  it('DERIVE KEY matches the crypto layer diversify() chain', () => {
    const k1 = diversify('SM4', fromHex(profile.masterKeys.DF04.DPK!), fromHex('3331303030307368'));
    const k2 = diversify('SM4', k1, fromHex('3331303030307378'));
    const k3 = diversify('SM4', k2, hist8);
    const psam = Psam.fromProfile(profile, seededRandom(1));
    expect(toHex(psam.cardKey('DF04', 'DPK', { historical: hist8 }))).toBe(toHex(k3));
  });
});
