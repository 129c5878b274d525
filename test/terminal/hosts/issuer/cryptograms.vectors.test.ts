/**
 * The issuer host's cryptography against the OpenSSL CLI, for SM4 and 3DES. Every expected value is
 * computed here by `openssl enc` over layouts written out in this file (docs/pboc.md, DOMAIN.md §2):
 *
 *   D      = rightmost 16 digits of PAN ‖ PSN, BCD (8 bytes)
 *   UDK    SM4: E_IMK(D ‖ ¬D)                        3DES: E_IMK(D) ‖ E_IMK(¬D)
 *   SK     SM4: E_UDK(00×6 ‖ ATC ‖ 00×6 ‖ ¬ATC)      3DES: E_UDK(00×6 ‖ ATC) ‖ E_UDK(00×6 ‖ ¬ATC)
 *   MAC    SM4: CBC-MAC (zero IV, 80-padding), leftmost 8 of the last block
 *          3DES: ISO 9797-1 alg. 3: CBC single DES under K1, then D_K2, E_K1 on the last block
 *   AC     MAC_SK_AC(9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ AIP ‖ ATC ‖ CVR)
 *   ARPC   SM4: leftmost 8 of E_SK((ARQC ⊕ ARC‖00×6) ‖ 00×8)     3DES: E_SK(ARQC ⊕ ARC‖00×6)
 *   script MAC  leftmost 4 of MAC_SK_MAC(CLA INS P1 P2 Lc ‖ ATC ‖ ARQC ‖ data)
 *   EC IDD MAC  leftmost 4 of MAC_SK_MAC(01 ‖ balance(5) ‖ ATC)
 *   PIN CHANGE  E_SK_ENC(2L PPPP…FF [‖ 80 00…]) (ECB; padded only to fill a 16-byte SM4 block)
 *
 * The host gets a field 55 built here and must accept the ARQC, answer that ARPC and these scripts.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { IssuerHost } from '../../../../src/terminal/hosts/issuer/issuer-host.js';
import { IssuerKeyring, keySetsFromJson } from '../../../../src/terminal/hosts/issuer/keys.js';
import { SqliteIssuerStorage } from '../../../../src/terminal/hosts/issuer/sqlite-storage.js';
import { toHex, fromHex } from '../../../../src/apdu/bytes.js';

function openssl(cipher: string, keyHex: string, dataHex: string, options: { iv?: string; decrypt?: boolean } = {}): string {
  const args = ['enc', `-${cipher}`, '-K', keyHex, '-nopad', ...(options.iv ? ['-iv', options.iv] : []), ...(options.decrypt ? ['-d'] : [])];
  return execFileSync('openssl', args, { input: Buffer.from(dataHex, 'hex') }).toString('hex').toUpperCase();
}

const not = (hex: string) => toHex(fromHex(hex).map((b) => b ^ 0xff));
const xorHex = (a: string, b: string) => toHex(fromHex(a).map((x, i) => x ^ fromHex(b)[i]!));
const pad80 = (hex: string, block: number) => {
  let h = `${hex}80`;
  while ((h.length / 2) % block !== 0) h += '00';
  return h;
};

interface Suite {
  alg: 'SM4' | '3DES';
  ecb: (key: string, data: string) => string;
  mac: (key: string, data: string) => string;
  udk: (imk: string, d: string) => string;
  sk: (udk: string, atc: string) => string;
  arpc: (sk: string, arqc: string, arc: string) => string;
  algId: string;
}

const SM4: Suite = {
  alg: 'SM4',
  algId: '04',
  ecb: (k, d) => openssl('sm4-ecb', k, d),
  mac: (k, d) => openssl('sm4-cbc', k, pad80(d, 16), { iv: '00'.repeat(16) }).slice(-32).slice(0, 16),
  udk: (imk, d) => openssl('sm4-ecb', imk, d + not(d)),
  sk: (udk, atc) => openssl('sm4-ecb', udk, `${'00'.repeat(6)}${atc}${'00'.repeat(6)}${not(atc)}`),
  arpc: (sk, arqc, arc) => openssl('sm4-ecb', sk, xorHex(arqc, `${arc}${'00'.repeat(6)}`) + '00'.repeat(8)).slice(0, 16),
};

const TDES: Suite = {
  alg: '3DES',
  algId: '01',
  ecb: (k, d) => openssl('des-ede-ecb', k, d),
  // ISO 9797-1 MAC algorithm 3: single DES (3DES with K1 = K2) CBC, then D_K2 and E_K1 on the last block
  mac: (k, d) => {
    const k1 = k.slice(0, 16);
    const k2 = k.slice(16, 32);
    const h = openssl('des-ede-cbc', k1 + k1, pad80(d, 8), { iv: '00'.repeat(8) }).slice(-16);
    const x = openssl('des-ede-ecb', k2 + k2, h, { decrypt: true });
    return openssl('des-ede-ecb', k1 + k1, x);
  },
  udk: (imk, d) => openssl('des-ede-ecb', imk, d) + openssl('des-ede-ecb', imk, not(d)),
  sk: (udk, atc) => openssl('des-ede-ecb', udk, `${'00'.repeat(6)}${atc}`) + openssl('des-ede-ecb', udk, `${'00'.repeat(6)}${not(atc)}`),
  arpc: (sk, arqc, arc) => openssl('des-ede-ecb', sk, xorHex(arqc, `${arc}${'00'.repeat(6)}`)),
};

// TEST keys and a Luhn-valid PAN
const IMK = { AC: '0123456789ABCDEFFEDCBA9876543210', MAC: '11223344556677888877665544332211', ENC: 'A1A2A3A4A5A6A7A8B1B2B3B4B5B6B7B8' };
const PAN = '6212345678901234569';
const PSN = '01';
// D: the rightmost 16 digits of PAN ‖ PSN = 621234567890123456901, as BCD
const D = '4567890123456901';

const tlv = (tag: string, value: string) => `${tag}${(value.length / 2).toString(16).padStart(2, '0').toUpperCase()}${value}`;

describe.each([SM4, TDES])('issuer cryptography, $alg, against OpenSSL', (s) => {
  const keyring = new IssuerKeyring(keySetsFromJson({ issuerKeys: [{ bin: '621234', algorithm: s.alg, masterKeys: IMK }] }, 'test keys'));
  const atc = '002A';
  const udk = { ac: s.udk(IMK.AC, D), mac: s.udk(IMK.MAC, D), enc: s.udk(IMK.ENC, D) };
  const sk = { ac: s.sk(udk.ac, atc), mac: s.sk(udk.mac, atc), enc: s.sk(udk.enc, atc) };

  // terminal data the cryptogram covers: 9F02 | 9F03 | 9F1A | 95 | 5F2A | 9A | 9C | 9F37
  const amount = '000000001250';
  // (pairs, not an object: JavaScript would put the integer-like key "95" first)
  const terminal: [string, string][] = [
    ['9F02', amount],
    ['9F03', '000000000000'],
    ['9F1A', '0156'],
    ['95', '0000008000'],
    ['5F2A', '0156'],
    ['9A', '261122'],
    ['9C', '00'],
    ['9F37', 'CAFEBABE'],
  ];
  const terminalBytes = terminal.map(([, v]) => v).join('');
  const terminalTlv = terminal.map(([t, v]) => tlv(t, v)).join('');
  const aip = '7C00';
  const cvr = '03A00000'; // 03 | GAC1 ARQC, GAC2 not requested
  const iad = `070101${cvr}${s.algId}`;
  const acInput = terminalBytes + aip + atc + cvr;
  const arqc = s.mac(sk.ac, acInput);

  const field55 = () =>
    fromHex(
      tlv('9F26', arqc) + tlv('9F27', '80') + tlv('9F10', iad) + tlv('9F36', atc) + tlv('82', aip) + terminalTlv + tlv('9F79', '000000003000'),
    );

  async function host(): Promise<IssuerHost> {
    const h = new IssuerHost({ storage: new SqliteIssuerStorage({ memory: true }), keyring, clock: fixedClock(new Date('2026-11-22T10:00:00Z')), random: seededRandom(3) });
    await h.openAccount({ pan: PAN, balance: 100_000, ecBalance: 3000 });
    return h;
  }

  it('the diversification value D is the rightmost 16 digits of PAN ‖ PSN', () => {
    expect(`${PAN}${PSN}`.slice(-16)).toBe(D);
  });

  it('accepts the ARQC OpenSSL computed and answers the ARPC OpenSSL computes for ARC "00"', async () => {
    const h = await host();
    const r = await h.authorise({ transactionId: 'v1', pan: PAN, panSequence: PSN, amount: 1250, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData: field55() });
    expect(r.responseCode).toBe('00');
    expect(toHex(r.authorisationResponseCode)).toBe('3030');
    expect(toHex(r.arpc!)).toBe(s.arpc(sk.ac, arqc, '3030'));
    expect(toHex(r.issuerAuthenticationData!)).toBe(`${s.arpc(sk.ac, arqc, '3030')}3030`);
  });

  it('answers a refusal with the ARPC over its own ARC ("51")', async () => {
    const poor = new IssuerHost({ storage: new SqliteIssuerStorage({ memory: true }), keyring, clock: fixedClock(new Date('2026-11-22T10:00:00Z')), random: seededRandom(3) });
    await poor.openAccount({ pan: PAN, balance: 1000, ecBalance: 3000 });
    const r = await poor.authorise({ transactionId: 'v2', pan: PAN, panSequence: PSN, amount: 1250, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData: field55() });
    expect(r.responseCode).toBe('51');
    expect(toHex(r.arpc!)).toBe(s.arpc(sk.ac, arqc, '3531'));
  });

  it('declines an ARQC one bit off (05) without an ARPC', async () => {
    const h = await host();
    const bad = field55();
    bad[3] ^= 0x01; // first byte of the 9F26 value
    const r = await h.authorise({ transactionId: 'v3', pan: PAN, panSequence: PSN, amount: 1250, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData: bad });
    expect(r.responseCode).toBe('05');
    expect(r.arpc).toBeUndefined();
  });

  it('EC load script: 72 { 9F18 id, 86 04DA9F790A new balance ‖ MAC } with the MAC OpenSSL computes', async () => {
    const h = await host();
    const queued = await h.queueScript(PAN, { kind: 'ec-load', amount: 20_000 });
    const r = await h.authorise({ transactionId: 'v4', pan: PAN, panSequence: PSN, amount: 1250, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData: field55() });
    // the card reported 30.00 (9F79): new balance 30.00 + 200.00 = 230.00
    const body = '000000023000';
    const header = '04DA9F790A';
    const mac = s.mac(sk.mac, header + atc + arqc + body).slice(0, 8);
    const id = queued.id.toString(16).padStart(8, '0');
    const command = header + body + mac;
    expect(toHex(r.issuerScripts)).toBe(tlv('72', tlv('9F18', id) + tlv('86', command)));
  });

  it('PIN CHANGE script: E_SK_ENC(PIN block …) ‖ MAC, as OpenSSL computes them', async () => {
    const h = await host();
    const queued = await h.queueScript(PAN, { kind: 'pin-change', newPin: '246810' });
    const r = await h.authorise({ transactionId: 'v5', pan: PAN, panSequence: PSN, amount: 1250, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData: field55() });
    const pinBlock = '26246810FFFFFFFF';
    const enciphered = s.ecb(sk.enc, s.alg === 'SM4' ? `${pinBlock}80${'00'.repeat(7)}` : pinBlock);
    const lc = (enciphered.length / 2 + 4).toString(16).padStart(2, '0').toUpperCase();
    const header = `84240002${lc}`;
    const mac = s.mac(sk.mac, header + atc + arqc + enciphered).slice(0, 8);
    expect(toHex(r.issuerScripts)).toBe(tlv('72', tlv('9F18', queued.id.toString(16).padStart(8, '0')) + tlv('86', header + enciphered + mac)));
  });

  it('CARD BLOCK goes in template 71 with the MAC over its header alone', async () => {
    const h = await host();
    const queued = await h.queueScript(PAN, { kind: 'card-block' });
    const r = await h.authorise({ transactionId: 'v6', pan: PAN, panSequence: PSN, amount: 1250, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData: field55() });
    const mac = s.mac(sk.mac, `8416000004${atc}${arqc}`).slice(0, 8);
    expect(toHex(r.issuerScripts)).toBe(tlv('71', tlv('9F18', queued.id.toString(16).padStart(8, '0')) + tlv('86', `8416000004${mac}`)));
  });

  it('clears a qPBOC EC purchase whose TC and EC balance MAC OpenSSL computed; a wrong MAC is rejected', async () => {
    const h = await host();
    const offAtc = '0031';
    const skAc = s.sk(udk.ac, offAtc);
    const skMac = s.sk(udk.mac, offAtc);
    const tcCvr = '03900000'; // GAC1 TC, GAC2 not requested
    const tc = s.mac(skAc, terminalBytes + aip + offAtc + tcCvr);
    const balance5 = '0000001750'; // 30.00 − 12.50
    const ecMac = s.mac(skMac, `01${balance5}${offAtc}`).slice(0, 8);
    const icc = (mac: string) =>
      fromHex(tlv('9F26', tc) + tlv('9F27', '40') + tlv('9F10', `071701${tcCvr}${s.algId}0A01${balance5}${mac}`) + tlv('9F36', offAtc) + tlv('82', aip) + terminalTlv);
    const clearing = { pan: PAN, panSequence: PSN, amount: 1250, currency: '0156', channel: 'contactless' as const };
    const wrong = xorHex(ecMac, '00000001');
    expect(await h.clearOffline({ ...clearing, transactionId: 'o1', iccData: icc(wrong) })).toEqual({ accepted: false, reason: 'rejected: the EC balance MAC in the IAD does not verify' });
    const ok = await h.clearOffline({ ...clearing, transactionId: 'o2', iccData: icc(ecMac) });
    expect(ok.accepted).toBe(true);
    expect((await h.account(PAN))!.ecBalance).toBe(1750);
  });
});
