/**
 * qPBOC over the contactless interface (DOMAIN.md §2 "qPBOC"): PPSE → SELECT → GPO decides at once.
 * The fDDA signature and the certificate chain CA → issuer → ICC are verified with sm-crypto, an SM2
 * implementation independent of the card's, against the test-only CA public key derived from its seed.
 */
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import { decodeTlv } from '../../../src/card/apps/pboc/tlv.js';
import { makeCard } from './helpers/setup.js';
import { gpoCommand, n12, parseSm2Cert, pdolData, sm2VerifyIndependent, tag } from './helpers/terminal.js';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const smCrypto = require('sm-crypto') as { sm2: { getPublicKeyFromPrivateKey(d: string): string } };
const N = BigInt('0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123');
/** The test CA public key, from the documented seed derivation (docs/pboc.md), computed with sm-crypto. */
function testCaPublicKey(seed: string): Uint8Array {
  const d = (BigInt('0x' + createHash('sm3').update(seed).digest('hex')) % (N - 1n)) + 1n;
  return fromHex(smCrypto.sm2.getPublicKeyFromPrivateKey(d.toString(16).padStart(64, '0')));
}

const TTQ_QPBOC_FDDA = '28000080'; // byte 1: qPBOC (b6) + offline-only? no: 0x28 = qPBOC | offline-only; see per test
const TTQ_ONLINE_CAPABLE = '20000080'; // qPBOC, online capable, fDDA v01
const TTQ_OFFLINE_ONLY = '28000080'; // qPBOC, offline-only reader, fDDA v01

function selectOverRf(fx: ReturnType<typeof makeCard>): string {
  fx.card.powerOn('contactless');
  // SELECT PPSE 2PAY.SYS.DDF01 → FCI listing A000000333010101 in BF0C
  const ppse = fx.card.transmit('00A404000E325041592E5359532E4444463031');
  expect(ppse.sw).toBe(0x9000);
  expect(toHex(tag(tag(ppse.data, 'BF0C')!, '4F')!)).toBe('A000000333010101');
  // SELECT the application → PDOL
  const fci = fx.card.transmit('00A4040008A00000033301010100');
  expect(fci.sw).toBe(0x9000);
  return toHex(tag(fci.data, '9F38')!);
}

describe('qPBOC transcripts', () => {
  it('offline EC purchase: TC, balance debited, fDDA verified independently with the chain CA → issuer → ICC', () => {
    const fx = makeCard();
    const pdol = selectOverRf(fx);
    void TTQ_QPBOC_FDDA;
    // GPO: 12.34 CNY, UN 01020304, online-capable qPBOC reader with fDDA
    const r = fx.card.transmit(gpoCommand(pdolData(pdol, { ttq: TTQ_ONLINE_CAPABLE, amount: 1234, un: '01020304' })));
    expect(r.sw).toBe(0x9000);
    expect(toHex(tag(r.data, '9F27')!)).toBe('40'); // TC: offline approval
    expect(toHex(tag(r.data, '9F5D')!)).toBe(n12(50_000 - 1234)); // available offline amount
    const iad = tag(r.data, '9F10')!;
    expect(iad[2]).toBe(0x17); // CVN qPBOC
    expect(toHex(iad.subarray(8, 10))).toBe("0A01"); // IDD length, ECC IDD id
    expect(toHex(iad.subarray(10, 15))).toBe(n12(50_000 - 1234).slice(2)); // EC balance in the IDD
    const sdad = tag(r.data, '9F4B')!;
    const cardAuth = tag(r.data, '9F69')!;
    const afl = tag(r.data, '94')!;

    // the terminal reads the ODA records of the AFL (SFI 3: 8F, 90; 9F46; 93) and SFI 2 (static data)
    const read = (sfi: number, rec: number) => fx.card.transmit(`00B2${rec.toString(16).padStart(2, '0')}${((sfi << 3) | 4).toString(16).padStart(2, '0')}00`);
    expect(afl.length).toBe(12);
    const static2 = read(2, 1).data;
    const odaNodes = [1, 2, 3].flatMap((n) => decodeTlv(read(3, n).data));
    expect(toHex(tag(odaNodes, '8F')!)).toBe('F1');

    // CA → issuer certificate (CA public key from the seed, verified with sm-crypto)
    const caPub = testCaPublicKey('sscard TEST PBOC CA');
    expect(toHex(caPub)).toBe(fx.part.info.caPublicKey);
    const issuerCert = parseSm2Cert(tag(odaNodes, '90')!, 4);
    expect(issuerCert.format).toBe(0x12);
    expect(sm2VerifyIndependent(caPub, issuerCert.body, issuerCert.signature)).toBe(true);
    // issuer → ICC certificate, signed over its fields ‖ the static data to authenticate (SFI 2 value ‖ AIP)
    const iccCert = parseSm2Cert(tag(odaNodes, '9F46')!, 10);
    expect(iccCert.format).toBe(0x14);
    expect(toHex(iccCert.id).replace(/F+$/, '')).toBe(fx.part.info.pan);
    const staticData = concat(decodeTlv(static2)[0]!.value, tag(r.data, '82')!);
    expect(sm2VerifyIndependent(issuerCert.publicKey, concat(iccCert.body, staticData), iccCert.signature)).toBe(true);
    // SSAD (SDA) by the issuer
    const ssad = tag(odaNodes, '93')!;
    expect(sm2VerifyIndependent(issuerCert.publicKey, concat(ssad.subarray(0, 3), staticData), ssad.subarray(3))).toBe(true);
    // ICC → SDAD over 15 | LDD | ICC dynamic data ‖ 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69
    expect(sdad[0]).toBe(0x15);
    const ldd = sdad[1]!;
    const header = sdad.subarray(0, 2 + ldd);
    const signed = concat(header, fromHex('01020304'), fromHex(n12(1234)), fromHex('0156'), cardAuth);
    expect(sm2VerifyIndependent(iccCert.publicKey, signed, sdad.subarray(2 + ldd))).toBe(true);
    // the card unpredictable number in 9F69 is the ICC dynamic number
    expect(toHex(cardAuth.subarray(1, 5))).toBe(toHex(header.subarray(3)));
    // a tampered amount does not verify
    const tampered = concat(header, fromHex('01020304'), fromHex(n12(1)), fromHex('0156'), cardAuth);
    expect(sm2VerifyIndependent(iccCert.publicKey, tampered, sdad.subarray(2 + ldd))).toBe(false);

    // GET DATA 9F79 shows the new balance; contact and contactless share it
    expect(toHex(fx.card.transmit('80CA9F7900').data)).toBe(`9F7906${n12(48_766)}`);
    fx.card.powerOn('contact');
    fx.card.transmit('00A4040008A00000033301010100');
    expect(toHex(fx.card.transmit('80CA9F7900').data)).toBe(`9F7906${n12(48_766)}`);
    expect(toHex(fx.card.transmit('80CA9F3600').data)).toBe('9F36020001');
  });

  it('online purchase: above the single-transaction limit with an online-capable reader → ARQC, balance unchanged', () => {
    const fx = makeCard();
    const pdol = selectOverRf(fx);
    const r = fx.card.transmit(gpoCommand(pdolData(pdol, { ttq: TTQ_ONLINE_CAPABLE, amount: 30_000 })));
    expect(r.sw).toBe(0x9000);
    expect(toHex(tag(r.data, '9F27')!)).toBe('80');
    expect(tag(r.data, '9F4B')).toBeUndefined();
    expect(tag(r.data, '57')).toBeDefined();
    expect(toHex(fx.card.transmit('80CA9F7900').data)).toBe(`9F7906${n12(50_000)}`);
  });

  it('declined over the limit: offline-only reader, amount above 9F78 → AAC, balance unchanged', () => {
    const fx = makeCard();
    const pdol = selectOverRf(fx);
    const r = fx.card.transmit(gpoCommand(pdolData(pdol, { ttq: TTQ_OFFLINE_ONLY, amount: 20_001 })));
    expect(r.sw).toBe(0x9000);
    expect(toHex(tag(r.data, '9F27')!)).toBe('00'); // AAC: declined
    expect(toHex(fx.card.transmit('80CA9F7900').data)).toBe(`9F7906${n12(50_000)}`);
    // at the limit it is approved offline
    fx.card.transmit('00A4040008A00000033301010100');
    const ok = fx.card.transmit(gpoCommand(pdolData(pdol, { ttq: TTQ_OFFLINE_ONLY, amount: 20_000 })));
    expect(toHex(tag(ok.data, '9F27')!)).toBe('40');
  });

  it('a reader asking for full PBOC over RF (TTQ byte 1 b7 only) gets the contact-style format 1 answer', () => {
    const fx = makeCard();
    const pdol = selectOverRf(fx);
    const r = fx.card.transmit(gpoCommand(pdolData(pdol, { ttq: '40000000', amount: 100 })));
    expect(r.sw).toBe(0x9000);
    expect(r.data[0]).toBe(0x80); // format 1: AIP ‖ AFL, the terminal continues with READ RECORD and GENERATE AC
    expect(toHex(r.data.subarray(2, 4))).toBe('7C00');
  });

  it('over RF the PSE is not there and over contacts the PPSE is not there', () => {
    const fx = makeCard();
    fx.card.powerOn('contactless');
    expect(fx.card.transmit('00A404000E315041592E5359532E4444463031').sw).toBe(0x6a82);
    fx.card.powerOn('contact');
    expect(fx.card.transmit('00A404000E325041592E5359532E4444463031').sw).toBe(0x6a82);
  });
});
