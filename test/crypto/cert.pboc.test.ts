/**
 * PBOC SM2 offline-data-authentication objects (DOMAIN.md §2 [C/R]; layouts in docs/crypto-sm2.md):
 * build → parse → verify round trips, the observed 148-byte ICC certificate size, a CA → issuer → ICC
 * chain under a test CA, rejection of tampering; signatures checked independently with sm-crypto.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../src/apdu/bytes.js';
import { seededRandom } from '../../src/env.js';
import {
  PBOC_SM2_LAYOUT,
  buildIccCertificate,
  buildIssuerCertificate,
  buildSdad,
  buildSsad,
  parsePbocCertificate,
  pbocCertificateExpired,
  verifyIccCertificate,
  verifyIssuerCertificate,
  verifySdad,
  verifySsad,
} from '../../src/crypto/cert/pboc-cert.js';
import { sm2GenerateKeyPair } from '../../src/crypto/sm2/index.js';
import { smCrypto } from './sm2-oracles.js';

const random = seededRandom(0x9f46);
const ca = sm2GenerateKeyPair(random);
const issuer = sm2GenerateKeyPair(random);
const icc = sm2GenerateKeyPair(random);
const PAN = '6231234567890123456';
const staticData = fromHex('5A0A6231234567890123456F5F24033012318200027C00');

const issuerCert = buildIssuerCertificate({ caPrivateKey: ca.privateKey, issuerId: '623123', expiry: '1230', serial: 0x000001, issuerPublicKey: issuer.publicKey, random });
const iccCert = buildIccCertificate({ issuerPrivateKey: issuer.privateKey, pan: PAN, expiry: '301231', serial: Uint8Array.of(0, 0, 2), iccPublicKey: icc.publicKey.subarray(1), staticData, random });

describe('PBOC SM2 certificates', () => {
  it('ICC certificate 9F46 has the observed layout: 148 bytes, 14 | PAN | MMYY | serial | 04 00 11 40 | Q | sig', () => {
    expect(iccCert.length).toBe(148);
    const hex = toHex(iccCert);
    expect(hex.slice(0, 2)).toBe('14');
    expect(hex.slice(2, 22)).toBe('6231234567890123456F');
    expect(hex.slice(22, 26)).toBe('1230');
    expect(hex.slice(26, 32)).toBe('000002');
    expect(hex.slice(32, 40)).toBe('04001140');
    expect(hex.slice(40, 168)).toBe(toHex(icc.publicKey.subarray(1)));
  });

  it('issuer certificate 90: 12 | issuer id (4) | MMYY | serial | 04 00 11 40 | Q | sig = 142 bytes', () => {
    expect(issuerCert.length).toBe(142);
    expect(toHex(issuerCert.subarray(0, 14))).toBe('12623123FF1230000001' + '04001140');
  });

  it('signatures are SM2 with Z_A (ID 1234567812345678) over the documented data (sm-crypto check)', () => {
    expect(smCrypto.verify(ca.publicKey, issuerCert.subarray(0, 78), issuerCert.subarray(78))).toBe(true);
    expect(smCrypto.verify(issuer.publicKey, concat(iccCert.subarray(0, 84), staticData), iccCert.subarray(84))).toBe(true);
  });

  it('chain CA → issuer → ICC verifies and yields the keys and fields', () => {
    const i = verifyIssuerCertificate(issuerCert, ca.publicKey);
    expect(i.idDigits).toBe('623123');
    expect(i.expiry).toBe('1230');
    expect(toHex(i.publicKey)).toBe(toHex(issuer.publicKey));
    const c = verifyIccCertificate(iccCert, i.publicKey, staticData);
    expect(c.idDigits).toBe(PAN);
    expect(toHex(c.serial)).toBe('000002');
    expect(toHex(c.publicKey)).toBe(toHex(icc.publicKey));
    expect(pbocCertificateExpired(c, new Date(Date.UTC(2030, 11, 31, 23)))).toBe(false);
    expect(pbocCertificateExpired(c, new Date(Date.UTC(2031, 0, 1)))).toBe(true);
  });

  it('rejects a wrong CA key, altered static data, and any altered certificate byte', () => {
    expect(() => verifyIssuerCertificate(issuerCert, issuer.publicKey)).toThrow(/CA signature does not verify/);
    const altered = Uint8Array.from(staticData);
    altered[3] ^= 1;
    expect(() => verifyIccCertificate(iccCert, issuer.publicKey, altered)).toThrow(/issuer signature does not verify/);
    fc.assert(
      fc.property(fc.nat(iccCert.length - 1), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const bad = Uint8Array.from(iccCert);
        bad[at] ^= mask;
        expect(() => verifyIccCertificate(bad, issuer.publicKey, staticData)).toThrow(RangeError);
      }),
      { numRuns: 20 },
    );
  });

  it('parse rejects wrong format, length and key information with clear errors', () => {
    expect(() => parsePbocCertificate(iccCert.subarray(0, 147))).toThrow(/needs 148 bytes, got 147/);
    expect(() => parsePbocCertificate(concat(Uint8Array.of(0x13), iccCert.subarray(1)))).toThrow(/neither 12 \(issuer\) nor 14 \(ICC\)/);
    expect(() => parsePbocCertificate(iccCert, PBOC_SM2_LAYOUT.formats.issuerCertificate)).toThrow(/where 12 was expected/);
    const badInfo = Uint8Array.from(iccCert);
    badInfo[16] = 0x05;
    expect(() => parsePbocCertificate(badInfo)).toThrow(/key information 05001140/);
    const badMonth = Uint8Array.from(iccCert);
    badMonth[11] = 0x13;
    expect(() => parsePbocCertificate(badMonth)).toThrow(/expiry 1330 is not MMYY/);
    expect(() => buildIssuerCertificate({ caPrivateKey: ca.privateKey, issuerId: '62A', expiry: '1230', serial: 1, issuerPublicKey: issuer.publicKey })).toThrow(/issuerId: digits only/);
  });
});

describe('SSAD 93 and SDAD 9F4B', () => {
  it('SSAD round trip: 13 | DAC | signature over 13 | DAC | static data; tamper rejected', () => {
    const ssad = buildSsad({ issuerPrivateKey: issuer.privateKey, dac: fromHex('DAC1'), staticData, random });
    expect(ssad.length).toBe(67);
    expect(toHex(ssad.subarray(0, 3))).toBe('13DAC1');
    expect(smCrypto.verify(issuer.publicKey, concat(ssad.subarray(0, 3), staticData), ssad.subarray(3))).toBe(true);
    expect(toHex(verifySsad(ssad, issuer.publicKey, staticData).dac)).toBe('DAC1');
    expect(() => verifySsad(ssad, issuer.publicKey, staticData.subarray(1))).toThrow(/does not verify/);
  });

  it('SDAD round trip: 15 | LDD | len | ICC dynamic number | signature over header ‖ terminal data', () => {
    const terminalData = fromHex('12345678' + '000000001000' + '0156' + '0102');
    const sdad = buildSdad({ iccPrivateKey: icc.privateKey, iccDynamicNumber: fromHex('A1B2C3D4'), terminalData, random });
    expect(toHex(sdad.subarray(0, 7))).toBe('150504A1B2C3D4');
    expect(sdad.length).toBe(7 + 64);
    expect(smCrypto.verify(icc.publicKey, concat(sdad.subarray(0, 7), terminalData), sdad.subarray(7))).toBe(true);
    expect(toHex(verifySdad(sdad, icc.publicKey, terminalData).iccDynamicNumber)).toBe('A1B2C3D4');
    const otherTerminal = Uint8Array.from(terminalData);
    otherTerminal[0] ^= 1;
    expect(() => verifySdad(sdad, icc.publicKey, otherTerminal)).toThrow(/ICC signature does not verify/);
    expect(() => verifySdad(sdad.subarray(0, 70), icc.publicKey, terminalData)).toThrow(/LDD 5 does not fit/);
  });
});
