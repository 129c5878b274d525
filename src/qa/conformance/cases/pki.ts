/**
 * The `pki` suite: the third-generation PKI application (DOMAIN.md §1.5 [C, one vendor's COS]; the
 * LD/T 6001.3-2023 §10 asymmetric-application tests and the LD/T 6001.5-2023 §7 PKI_SignData /
 * PKI_VerifySign functions): the signing certificate, the user PIN in clear and enciphered, and PSO
 * COMPUTE DIGITAL SIGNATURE (ISO/IEC 7816-8 §5.4) whose r ‖ s is verified here with src/crypto's SM2
 * (GM/T 0003.2, user ID 1234567812345678) against the public key of the card's own certificate.
 */
import { concat, toHex } from '../../../apdu/bytes.js';
import { createBlockCipher } from '../../../crypto/block-cipher.js';
import { parseCertificate, SM2_WITH_SM3_OID, type ParsedCertificate } from '../../../crypto/cert/x509.js';
import { sm2Verify } from '../../../crypto/sm2/index.js';
import { GET_PUBLIC_KEY_HEADER, PKI_ADF_AID, PKI_AID, PKI_PIN_REFERENCE, SIGN_CERT_FID, pkiPinKey } from '../../../spec/pki.js';
import { SSSE_PIN_REFERENCE } from '../../../spec/ssse/identifiers.js';
import type { CaseContext } from '../context.js';
import { apdu, hexOf, pinBcd, REF, tlvCheck, valueAt, verifyPin } from '../apdus.js';
import { suiteBuilder, verifyStep } from '../table.js';
import type { ConformanceCase } from '../types.js';

const { steps, flow } = suiteBuilder('pki');
const OK = { sw: '9000' } as const;
const SELECT_PKI = `00A404000C${PKI_AID}`;
const SELECT_ADF = `00A404000C${PKI_ADF_AID}`;
const SELECT_CERT = `00A4000002${hexOf(SIGN_CERT_FID, 2)}`;
const GET_PUBLIC_KEY = toHex(Uint8Array.from(GET_PUBLIC_KEY_HEADER));

async function selectAdf(t: CaseContext): Promise<void> {
  await t.send(SELECT_PKI, OK, 'SELECT PKI');
  await t.send(SELECT_ADF, OK, 'SELECT SS.CERT.ADF1');
}

/** Reads the signing certificate with READ BINARY in chunks (ISO/IEC 7816-4 §7.2.3). */
async function readCertificate(t: CaseContext): Promise<Uint8Array> {
  await selectAdf(t);
  await t.send(SELECT_CERT, OK, 'SELECT EF 0018');
  const head = (await t.send('00B0000004', { sw: '9000', length: 4 }, 'READ BINARY offset 0')).data;
  if (head[0] !== 0x30 || head[1] !== 0x82) t.fail(`EF 0018 starts with ${toHex(head)}, not a DER SEQUENCE with a 2-byte length (30 82 …)`);
  const total = 4 + ((head[2]! << 8) | head[3]!);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < total; ) {
    const n = Math.min(0xf0, total - offset);
    parts.push((await t.send(`00B0${hexOf(offset, 2)}${hexOf(n, 1)}`, { sw: '9000', length: n }, `READ BINARY offset ${offset}`)).data);
    offset += n;
  }
  return concat(...parts);
}

async function certificate(t: CaseContext): Promise<ParsedCertificate> {
  const der = await readCertificate(t);
  try {
    return parseCertificate(der);
  } catch (err) {
    return t.fail(`EF 0018 is not an SM2 X.509 certificate: ${(err as Error).message}`);
  }
}

async function sign(t: CaseContext, message: Uint8Array): Promise<Uint8Array> {
  return (await t.send(apdu('002A9E9A', message, 256), { sw: '9000', length: 64 }, 'PSO COMPUTE DIGITAL SIGNATURE')).data;
}

const cases: ConformanceCase[] = [
  steps({
    id: 'pki.select',
    title: 'SELECT of the PKI application "PKI.社会保障" answers its FCI',
    refs: [REF.dom('1.5'), REF.isoSelect, REF.t3Acse],
    steps: [{ send: SELECT_PKI, expect: { sw: '9000', check: tlvCheck((n) => (valueAt(n, '6F', '84') === PKI_AID ? undefined : `FCI 6F/84 is ${valueAt(n, '6F', '84') ?? 'absent'}`)) } }],
  }),
  steps({
    id: 'pki.select-adf',
    title: 'SELECT of the certificate ADF "SS.CERT.ADF1" answers its FCI',
    refs: [REF.dom('1.5'), REF.isoSelect],
    steps: [
      { send: SELECT_PKI, expect: OK },
      { send: SELECT_ADF, expect: { sw: '9000', check: tlvCheck((n) => (valueAt(n, '6F', '84') === PKI_ADF_AID ? undefined : `FCI 6F/84 is ${valueAt(n, '6F', '84') ?? 'absent'}`)) } },
    ],
  }),
  flow({
    id: 'pki.certificate',
    title: 'EF 0018 holds an X.509 certificate signed with SM2-with-SM3 over an SM2 public key',
    refs: [REF.t3Acse, REF.dom('1.5'), 'GB/T 20518-2018', 'RFC 5280 §4.1'],
    run: async (t) => {
      const cert = await certificate(t);
      t.check(cert.signatureAlgorithm === SM2_WITH_SM3_OID, `signature algorithm ${cert.signatureAlgorithm}, not SM2-with-SM3 (${SM2_WITH_SM3_OID})`);
      t.check(!cert.isCa, 'the card certificate says it is a CA');
      t.note(`subject ${cert.subject}; issuer ${cert.issuer}`);
    },
  }),
  flow({
    id: 'pki.certificate-validity',
    title: 'the certificate is valid today (notBefore ≤ now ≤ notAfter)',
    refs: [REF.t3Acse, 'RFC 5280 §4.1.2.5'],
    run: async (t) => {
      const cert = await certificate(t);
      const now = t.clock.now();
      t.check(cert.notBefore <= now && now <= cert.notAfter, `the certificate is valid ${cert.notBefore.toISOString()} … ${cert.notAfter.toISOString()}, not at ${now.toISOString()}`);
    },
  }),
  flow({
    id: 'pki.public-key',
    title: "GET PUBLIC KEY (80 C9 82 80) answers 04 ‖ X ‖ Y, the certificate's key",
    refs: [REF.dom('1.5')],
    run: async (t) => {
      const cert = await certificate(t);
      const key = (await t.send(`${GET_PUBLIC_KEY}00`, { sw: '9000', length: 65 }, 'GET PUBLIC KEY')).data;
      t.check(toHex(key) === toHex(cert.publicKey), `GET PUBLIC KEY answered ${toHex(key).slice(0, 20)}…, the certificate holds ${toHex(cert.publicKey).slice(0, 20)}…`);
    },
  }),
  steps({
    id: 'pki.sign-needs-pin',
    title: 'PSO COMPUTE DIGITAL SIGNATURE without PIN_PKI answers 6982',
    refs: [REF.iso8Pso, REF.dom('1.5'), REF.isoSw],
    steps: [
      { send: SELECT_PKI, expect: OK },
      { send: SELECT_ADF, expect: OK },
      { send: '002A9E9A0361626300', expect: { sw: '6982' } },
    ],
  }),
  steps({
    id: 'pki.verify-pin',
    title: 'VERIFY PIN_PKI (00 20 00 81) with the right PIN answers 9000',
    refs: [REF.isoVerify, REF.dom('1.5')],
    steps: [
      { send: SELECT_PKI, expect: OK },
      verifyStep('pki'),
    ],
  }),
  flow({
    id: 'pki.sign-verify',
    title: "PSO COMPUTE DIGITAL SIGNATURE: r ‖ s verifies with SM2 (ID 1234567812345678) under the certificate's key",
    refs: [REF.iso8Pso, REF.gmSm2, REF.t5Pki, REF.dom('1.5')],
    run: async (t) => {
      const cert = await certificate(t);
      await t.verifyPin('pki');
      const message = t.random(32);
      const signature = await sign(t, message);
      t.check(sm2Verify(cert.publicKey, message, signature), `the signature ${toHex(signature).slice(0, 16)}… of ${toHex(message)} does not verify with the certificate's public key`);
    },
  }),
  flow({
    id: 'pki.sign-binds-message',
    title: 'the signature does not verify for another message (the verification is not vacuous)',
    refs: [REF.gmSm2, REF.t5Pki],
    run: async (t) => {
      const cert = await certificate(t);
      await t.verifyPin('pki');
      const message = t.random(32);
      const signature = await sign(t, message);
      const other = Uint8Array.from(message);
      other[0] ^= 0x01;
      t.check(!sm2Verify(cert.publicKey, other, signature), 'the signature also verifies for an altered message');
    },
  }),
  steps({
    id: 'pki.sign-empty-data',
    title: 'PSO COMPUTE DIGITAL SIGNATURE without data answers 6700',
    refs: [REF.iso8Pso, REF.isoSw],
    steps: [
      { send: SELECT_PKI, expect: OK },
      { send: SELECT_ADF, expect: OK },
      verifyStep('pki'),
      { send: '002A9E9A00', expect: { sw: '6700' } },
    ],
  }),
  steps({
    id: 'pki.sign-wrong-p1p2',
    title: 'PSO with P1P2 other than 9E9A (here 9E9B) answers 6A86',
    refs: [REF.iso8Pso, REF.isoSw],
    steps: [
      { send: SELECT_PKI, expect: OK },
      { send: SELECT_ADF, expect: OK },
      verifyStep('pki'),
      { send: '002A9E9B0361626300', expect: { sw: '6A86' } },
    ],
  }),
  flow({
    id: 'pki.pin-wrong-then-right',
    title: 'a wrong PIN_PKI answers 63Cx; the right one then 9000',
    refs: [REF.isoVerify, REF.dom('1.5')],
    risk: 'restores',
    run: async (t) => {
      t.requirePin('pki');
      await t.send(SELECT_PKI, OK);
      const tries = (await t.send(`002000${hexOf(PKI_PIN_REFERENCE, 1)}`, { sw: '63Cx' }, 'VERIFY (try counter)')).sw & 0x0f;
      t.check(tries >= 2, `only ${tries} PIN_PKI tries left: not trying a wrong PIN`);
      const wrong = t.settings.pkiPin.replace(/\d/g, (d) => String((Number(d) + 5) % 10));
      await t.send(verifyPin(PKI_PIN_REFERENCE, wrong), { sw: `63C${hexOf(tries - 1, 1).slice(1)}` }, 'VERIFY wrong PIN_PKI');
      await t.verifyPin('pki');
    },
  }),
  flow({
    id: 'pki.pin-enciphered',
    title: 'enciphered VERIFY (00 20 01 81 10 ‖ SM4(K, R ‖ 00×8), K = SM3(PIN)[0..16]) answers 9000 and opens signing',
    refs: [REF.dom('1.5')],
    run: async (t) => {
      t.requirePin('pki');
      const cert = await certificate(t);
      const r = (await t.send('0084000008', { sw: '9000', length: 8 }, 'GET CHALLENGE')).data;
      const block = createBlockCipher('SM4', pkiPinKey(pinBcd(t.settings.pkiPin))).encrypt(concat(r, new Uint8Array(8)));
      await t.send(apdu(`002001${hexOf(PKI_PIN_REFERENCE, 1)}`, block), OK, 'VERIFY PIN_PKI (enciphered)');
      const message = t.random(16);
      t.check(sm2Verify(cert.publicKey, message, await sign(t, message)), 'the signature after the enciphered VERIFY does not verify');
    },
  }),
  flow({
    id: 'pki.pin-enciphered-no-challenge',
    title: 'enciphered VERIFY without a fresh challenge is refused (6985)',
    refs: [REF.dom('1.5'), REF.isoSw],
    run: async (t) => {
      await t.send(SELECT_PKI, OK);
      await t.send(SELECT_ADF, OK);
      const block = createBlockCipher('SM4', pkiPinKey(pinBcd(t.settings.pkiPin))).encrypt(new Uint8Array(16));
      await t.send(apdu(`002001${hexOf(PKI_PIN_REFERENCE, 1)}`, block), { sw: ['6985', '6984'] }, 'VERIFY PIN_PKI (enciphered) without GET CHALLENGE');
    },
  }),
  flow({
    id: 'pki.pin-scope',
    title: 'PIN_PKI is not PIN_SSSE: with PIN_PKI verified, DF04 EF05 still answers 6982',
    refs: [REF.isoSecurityStatus, REF.dom('1.5'), REF.t3DfSafety('DF04')],
    run: async (t) => {
      await t.send(SELECT_PKI, OK);
      await t.verifyPin('pki');
      await t.send('00A4040006D15600000503', OK, 'SELECT DF04');
      await t.send('00B2812800', { sw: '6982' }, 'READ RECORD DF04 EF05 tag 81');
      await t.send(`002000${hexOf(SSSE_PIN_REFERENCE, 1)}`, { sw: '63Cx' }, 'VERIFY PIN_SSSE (try counter): not verified');
    },
  }),
  flow({
    id: 'pki.pin-dropped-outside',
    title: 'leaving the PKI DF drops PIN_PKI: after selecting the MF and the PKI again, signing answers 6982',
    refs: [REF.isoSecurityStatus, REF.iso8Pso],
    run: async (t) => {
      await selectAdf(t);
      await t.verifyPin('pki');
      await t.send('00A40000023F00', OK, 'SELECT MF');
      await selectAdf(t);
      await t.send('002A9E9A0361626300', { sw: '6982' }, 'PSO COMPUTE DIGITAL SIGNATURE');
    },
  }),
  flow({
    id: 'pki.read-beyond-end',
    title: 'READ BINARY of EF 0018 at an offset past its end answers 6B00',
    refs: [REF.isoReadBinary, REF.isoSw],
    run: async (t) => {
      await selectAdf(t);
      await t.send(SELECT_CERT, OK, 'SELECT EF 0018');
      await t.send('00B0700010', { sw: '6B00' }, 'READ BINARY offset 7000');
    },
  }),
  flow({
    id: 'pki.certificate-not-writable',
    title: 'the certificate cannot be rewritten (UPDATE BINARY of its own bytes is refused)',
    refs: [REF.t3Acse, REF.isoSw],
    run: async (t) => {
      await selectAdf(t);
      await t.send(SELECT_CERT, OK, 'SELECT EF 0018');
      const head = (await t.send('00B0000010', { sw: '9000', length: 16 }, 'READ BINARY offset 0')).data;
      await t.send(apdu('00D60000', head), { sw: ['6982', '6985', '6986'] }, 'UPDATE BINARY offset 0 (same bytes)');
    },
  }),
  steps({
    id: 'pki.get-public-key-wrong-p1p2',
    title: 'GET PUBLIC KEY with other P1P2 (80 C9 82 81) answers 6A86',
    refs: [REF.dom('1.5'), REF.isoSw],
    steps: [
      { send: SELECT_PKI, expect: OK },
      { send: SELECT_ADF, expect: OK },
      { send: '80C9828100', expect: { sw: '6A86' } },
    ],
  }),
];

/** Every case of the suite, in run order. */
export const PKI_CASES: readonly ConformanceCase[] = cases;
