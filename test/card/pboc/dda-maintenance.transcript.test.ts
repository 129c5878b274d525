/**
 * DDA by INTERNAL AUTHENTICATE, the 3DES profile variant, UPDATE RECORD and PIN CHANGE scripts, GET DATA
 * edge cases and the ATC at its limit.
 */
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import { encodePinBlock } from '../../../src/card/apps/pboc/verify.js';
import { createBlockCipher } from '../../../src/crypto/block-cipher.js';
import { decodeTlv } from '../../../src/card/apps/pboc/tlv.js';
import { makeCard, type Fixture } from './helpers/setup.js';
import { TestIssuer, n12, parseSm2Cert, sm2VerifyIndependent, tag } from './helpers/terminal.js';

const SELECT = '00A4040008A00000033301010100';
const GPO = (amount: number) => `80A80000258323${'00000000'}${n12(amount)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344000100`;
const CDOL1 = (amount: number) => `${n12(amount)}${n12(0)}0156${'00'.repeat(5)}015626112200AABBCCDD103000${'20'.repeat(20)}`;

function online(fx: Fixture) {
  fx.card.powerOn('contact');
  fx.card.transmit(SELECT);
  fx.card.transmit(GPO(0));
  const r = fx.card.transmit(`80AE800034${CDOL1(0)}00`);
  return { atc: parseInt(toHex(tag(r.data, '9F36')!), 16), arqc: tag(r.data, '9F26')!, issuer: new TestIssuer(fx.profile, fx.part.info.pan, fx.part.info.psn) };
}

describe('DDA and card maintenance', () => {
  it('INTERNAL AUTHENTICATE (DDA): 80 | SDAD verified with the ICC public key of 9F46', () => {
    const fx = makeCard();
    fx.card.powerOn('contact');
    fx.card.transmit(SELECT);
    fx.card.transmit(GPO(100));
    const cert = parseSm2Cert(tag(decodeTlv(fx.card.transmit('00B2021C00').data), '9F46')!, 10);
    // INTERNAL AUTHENTICATE with DDOL data 9F37 = 0A0B0C0D
    const r = fx.card.transmit('00880000040A0B0C0D00');
    expect(r.sw).toBe(0x9000);
    const sdad = tag(r.data, '80')!;
    const ldd = sdad[1]!;
    const signed = concat(sdad.subarray(0, 2 + ldd), fromHex('0A0B0C0D'));
    expect(sm2VerifyIndependent(cert.publicKey, signed, sdad.subarray(2 + ldd))).toBe(true);
    expect(sm2VerifyIndependent(cert.publicKey, concat(sdad.subarray(0, 2 + ldd), fromHex('0A0B0C0E')), sdad.subarray(2 + ldd))).toBe(false);
    // wrong DDOL length
    expect(fx.card.transmit('008800000301020300').sw).toBe(0x6700);
  });

  it('3DES profile: ARQC and ARPC agree with the issuer (IAD algorithm 01)', () => {
    const fx = makeCard({ algorithm: '3DES' });
    const { atc, arqc, issuer } = online(fx);
    const arpc = issuer.arpc(atc, arqc, fromHex('3030'));
    expect(fx.card.transmit(`008200000A${toHex(arpc)}3030`).sw).toBe(0x9000);
    const r = fx.card.transmit(`80AE400015${'3030'}${'00'.repeat(5)}AABBCCDD${'00'.repeat(10)}00`);
    expect(toHex(tag(r.data, '9F27')!)).toBe('40');
    expect(tag(r.data, '9F10')![7]).toBe(0x01);
  });

  it('tag 91 in CDOL2 authenticates the issuer inside GENERATE AC 2', () => {
    const fx = makeCard();
    const { atc, arqc, issuer } = online(fx);
    const arpc = issuer.arpc(atc, arqc, fromHex('3030'));
    const r = fx.card.transmit(`80AE400015${'3030'}${'00'.repeat(5)}AABBCCDD${toHex(arpc)}303000`);
    expect(toHex(tag(r.data, '9F27')!)).toBe('40');
    expect(toHex(fx.card.transmit('80CA9F1300').data)).toBe(`9F1302${atc.toString(16).padStart(4, '0').toUpperCase()}`);
  });

  it('UPDATE RECORD 04 DC by script replaces a record; with a wrong MAC it does not', () => {
    const fx = makeCard();
    const { atc, arqc, issuer } = online(fx);
    const newRecord = '700A5708621234000000001D'; // some track data
    expect(fx.card.transmit(issuer.script('04DC010C', newRecord, atc, arqc, true)).sw).toBe(0x6988);
    expect(toHex(fx.card.transmit('00B2010C00').data)).not.toBe(newRecord);
    expect(fx.card.transmit(issuer.script('04DC010C', newRecord, atc, arqc)).sw).toBe(0x9000);
    expect(toHex(fx.card.transmit('00B2010C00').data)).toBe(newRecord);
    // logs are not updatable by script
    expect(fx.card.transmit(issuer.script('04DC015C', '00', atc, arqc)).sw).toBe(0x6a82);
  });

  it('PIN CHANGE 84 24 00 02 with the new PIN block enciphered under the ENC session key', () => {
    const fx = makeCard();
    const { atc, arqc, issuer } = online(fx);
    const block = concat(encodePinBlock('654321'), fromHex('8000000000000000'));
    const enc = createBlockCipher('SM4', issuer.sk('enc', atc)).encrypt(block);
    expect(fx.card.transmit(issuer.script('84240002', toHex(enc), atc, arqc)).sw).toBe(0x9000);
    expect(fx.card.transmit('002000800826123456FFFFFFFF').sw).toBe(0x63c2);
    expect(fx.card.transmit('002000800826654321FFFFFFFF').sw).toBe(0x9000);
  });

  it('GET DATA answers the listed objects only; GAC before GPO is refused', () => {
    const fx = makeCard();
    fx.card.powerOn('contact');
    fx.card.transmit(SELECT);
    expect(toHex(fx.card.transmit('80CA9F7700').data)).toBe(`9F7706${n12(100_000)}`);
    expect(toHex(fx.card.transmit('80CA9F7800').data)).toBe(`9F7806${n12(20_000)}`);
    expect(toHex(fx.card.transmit('80CA9F6D00').data)).toBe(`9F6D06${n12(10_000)}`);
    expect(toHex(fx.card.transmit('80CA9F4F00').data)).toBe('9F4F199A039F21039F02069F03069F1A025F2A029F4E149C019F3602');
    expect(fx.card.transmit('80CA9F2600').sw).toBe(0x6a88);
    expect(fx.card.transmit(`80AE800034${CDOL1(0)}00`).sw).toBe(0x6985);
    expect(fx.card.transmit('80A8000002830000').sw).toBe(0x6700);
  });

  it('the ATC at FFFF: GPO refused (6985), the ATC never wraps', () => {
    const fx = makeCard();
    const image = fx.saved();
    (image.apps.pboc as { atc: number }).atc = 0xfffe;
    fx.replace(image).powerOn('contact');
    fx.card.transmit(SELECT);
    expect(fx.card.transmit(GPO(1)).sw).toBe(0x9000);
    expect(fx.card.transmit(GPO(1)).sw).toBe(0x6985);
    expect(toHex(fx.card.transmit('80CA9F3600').data)).toBe('9F3602FFFF');
  });
});
