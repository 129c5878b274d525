/**
 * The qPBOC fDDA signature 9F4B and the ICC certificate 9F46, verified by the OpenSSL CLI
 * (`openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678`), a verifier
 * independent of the card code (DOMAIN.md §6.1: OpenSSL needs the distinguishing ID passed explicitly).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import { derBitString, derOid, derSequence } from '../../../src/crypto/sm2/der.js';
import { sm2SignatureToDer } from '../../../src/crypto/sm2/sign.js';
import { decodeTlv } from '../../../src/card/apps/pboc/tlv.js';
import { makeCard } from './helpers/setup.js';
import { gpoCommand, n12, parseSm2Cert, pdolData, tag } from './helpers/terminal.js';

/** SubjectPublicKeyInfo PEM of an SM2 public key 04 ‖ X ‖ Y. */
function spkiPem(pub04: Uint8Array): string {
  const der = derSequence(derSequence(derOid('1.2.840.10045.2.1'), derOid('1.2.156.10197.1.301')), derBitString(pub04));
  const b64 = Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

/** true when OpenSSL verifies the SM2 signature r ‖ s over `message` with ID 1234567812345678. */
function opensslVerify(pub04: Uint8Array, message: Uint8Array, sig64: Uint8Array): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-fdda-'));
  writeFileSync(join(dir, 'pub.pem'), spkiPem(pub04));
  writeFileSync(join(dir, 'msg.bin'), message);
  writeFileSync(join(dir, 'sig.der'), sm2SignatureToDer(sig64));
  try {
    const out = execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-digest', 'sm3', '-in', join(dir, 'msg.bin'), '-sigfile', join(dir, 'sig.der'), '-pkeyopt', 'distid:1234567812345678'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return out.includes('Signature Verified Successfully');
  } catch {
    return false;
  }
}

describe('fDDA verified by OpenSSL', () => {
  it('9F4B over 15|LDD|ICC dyn data ‖ 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69 and 9F46 by the issuer key of 90', () => {
    const fx = makeCard();
    fx.card.powerOn('contactless');
    const pdol = toHex(tag(fx.card.transmit('00A4040008A00000033301010100').data, '9F38')!);
    const r = fx.card.transmit(gpoCommand(pdolData(pdol, { ttq: '20000080', amount: 888, un: 'CAFEBABE' })));
    expect(toHex(tag(r.data, '9F27')!)).toBe('40');
    const oda = [1, 2, 3].flatMap((n) => decodeTlv(fx.card.transmit(`00B20${n}1C00`).data));
    const issuer = parseSm2Cert(tag(oda, '90')!, 4);
    const icc = parseSm2Cert(tag(oda, '9F46')!, 10);
    const staticData = concat(decodeTlv(fx.card.transmit('00B2011400').data)[0]!.value, tag(r.data, '82')!);

    expect(opensslVerify(fromHex(fx.part.info.caPublicKey), issuer.body, issuer.signature)).toBe(true);
    expect(opensslVerify(issuer.publicKey, concat(icc.body, staticData), icc.signature)).toBe(true);

    const sdad = tag(r.data, '9F4B')!;
    const ldd = sdad[1]!;
    const signed = concat(sdad.subarray(0, 2 + ldd), fromHex('CAFEBABE'), fromHex(n12(888)), fromHex('0156'), tag(r.data, '9F69')!);
    expect(opensslVerify(icc.publicKey, signed, sdad.subarray(2 + ldd))).toBe(true);
    // and OpenSSL rejects it for another amount
    const other = concat(sdad.subarray(0, 2 + ldd), fromHex('CAFEBABE'), fromHex(n12(889)), fromHex('0156'), tag(r.data, '9F69')!);
    expect(opensslVerify(icc.publicKey, other, sdad.subarray(2 + ldd))).toBe(false);
  });
});
