/**
 * Outcome tests of the PBOC contact kernel: every outcome path against a card personalised to reach it
 * (the real personaliser and card runtime, src/card; the real issuer host, src/terminal/hosts/issuer).
 * TVR and TSI are checked against DOMAIN.md §2.1 written out in helpers/expected-bits.ts; the ARQC, the
 * ARPC, the TC and the issuer-script MACs are recomputed by the OpenSSL CLI (helpers/openssl.ts) over
 * the layouts written below, from the APDUs in the result's trace.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import { TransportError } from '../../../src/apdu/transport.js';
import type { PbocState } from '../../../src/card/apps/pboc/state.js';
import { scriptedPinPad } from '../../../src/terminal/kernels/context.js';
import { runPbocContact } from '../../../src/terminal/kernels/pboc-contact/kernel.js';
import { flipByteInRecord, KERNEL_TEST_SECTION, makeTestCard, recordFile, type TestCard } from './helpers/cards.js';
import { tsi, tvr } from './helpers/expected-bits.js';
import { arpc as opensslArpc, mac as opensslMac, opensslHasSm4, sessionKey, udk } from './helpers/openssl.js';
import { commandData, commands, payContact, responseData, responseTag } from './helpers/run.js';
import { clock, constantRandom, recording, terminalConfig, testIssuer } from './helpers/setup.js';

const MK = KERNEL_TEST_SECTION.masterKeys;
const PSN = KERNEL_TEST_SECTION.psn;
const hasOpenssl = opensslHasSm4();
if (!hasOpenssl) console.warn('[kernels] OpenSSL with SM4 not found: the cryptogram vectors are skipped');

/** A card and an account for it at the issuer (balance in fen). */
async function cardWithAccount(options: Parameters<typeof makeTestCard>[0] = {}, balance = 100_000) {
  const card = makeTestCard(options);
  const issuer = testIssuer();
  await issuer.openAccount({ pan: card.pan, holder: 'TEST', balance, pin: '123456', ecBalance: card.state().ec.balance, ecBalanceLimit: card.state().ec.balanceLimit });
  return { card, issuer };
}

/** Edits the committed card state. */
function withState(card: TestCard, edit: (s: PbocState) => void): void {
  const image = card.store.load();
  edit(image.apps.pboc as PbocState);
  card.store.save(image);
}

/**
 * ARQC over the layout of docs/pboc.md [R]: 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 (the first 29
 * bytes of the CDOL1 data, in the card's CDOL1 order) ‖ AIP ‖ ATC ‖ CVR (IAD bytes 4-7).
 */
function expectArqcVerifies(result: Awaited<ReturnType<typeof payContact>>, pan: string): { atc: number; arqc: string; skAc: string } {
  const gac1 = commands(result, '80AE')[0]!;
  const cdol1 = commandData(gac1);
  const aip = responseData(commands(result, '80A8')[0]!).subarray(2, 4);
  const atcHex = responseTag(gac1, '9F36')!;
  const iad = responseTag(gac1, '9F10')!;
  const arqc = responseTag(gac1, '9F26')!;
  const atc = Number.parseInt(atcHex, 16);
  const skAc = sessionKey(udk(MK.AC, pan, PSN), atc);
  expect(opensslMac(skAc, concat(cdol1.subarray(0, 29), aip, fromHex(atcHex), fromHex(iad.slice(6, 14))))).toBe(arqc);
  return { atc, arqc, skAc };
}

describe.skipIf(!hasOpenssl)('PBOC contact kernel: outcomes', () => {
  beforeAll(() => {
    expect(hasOpenssl).toBe(true);
  });

  it('approved online: ARQC (OpenSSL) → issuer → ARPC in tag 91 of CDOL2 (OpenSSL) → TC (OpenSSL), posted', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('online');
    expect(result.reason).toBeUndefined();
    expect(result.tvr.hex).toBe(tvr());
    expect(result.tsi.hex).toBe(tsi('odaPerformed', 'cvmPerformed', 'cardRiskManagementPerformed', 'issuerAuthenticationPerformed', 'terminalRiskManagementPerformed'));
    expect(result.cvm).toBe('offline-pin');
    expect(result.cvmResults).toBe('410302');
    // the card asked for a TC (clean TVR, below the floor limit) went online by itself (offline amount limit 0)
    expect(result.cryptograms.map((c) => `${c.requested}→${c.type}`)).toEqual(['TC→ARQC', 'TC→TC']);
    expect(result.cryptogramType).toBe('TC');
    expect(result.atc).toBe(1);
    expect(result.issuer).toMatchObject({ approved: true, responseCode: '00', authenticated: true });

    const { atc, arqc, skAc } = expectArqcVerifies(result, card.pan);
    // CDOL2 data: 8A ARC(2) ‖ 95 TVR(5) ‖ 9F37 UN(4) ‖ 91 ARPC(8) ‖ ARC(2)
    const gac2 = commands(result, '80AE')[1]!;
    expect(gac2.command.slice(0, 8)).toBe('80AE4000');
    const cdol2 = toHex(commandData(gac2));
    expect(cdol2.slice(0, 4)).toBe('3030');
    expect(cdol2.slice(22, 38)).toBe(opensslArpc(skAc, arqc, '3030'));
    expect(cdol2.slice(38, 42)).toBe('3030');
    expect(commands(result, '0082')).toHaveLength(0);
    // the TC: the 29 CDOL1 bytes with 95 and 9F37 from CDOL2, ‖ ARC ‖ AIP ‖ ATC ‖ CVR of GAC 2
    const cdol1 = commandData(commands(result, '80AE')[0]!);
    const terminal29 = concat(cdol1.subarray(0, 14), fromHex(cdol2.slice(4, 14)), cdol1.subarray(19, 25), fromHex(cdol2.slice(14, 22)));
    const iad2 = responseTag(gac2, '9F10')!;
    const tc = opensslMac(skAc, concat(terminal29, fromHex('3030'), fromHex('7C00'), Uint8Array.of(atc >> 8, atc & 0xff), fromHex(iad2.slice(6, 14))));
    expect(responseTag(gac2, '9F26')).toBe(tc);
    // posted at the issuer
    const account = await issuer.account(card.pan);
    expect(account!.balance).toBe(100_000 - 1250);
    expect(account!.held).toBe(0);
    expect(result.receipt).toMatchObject({ amount: 1250, cryptogramType: 'TC', atc: 1, maskedPan: `${card.pan.slice(0, 6)}*********${card.pan.slice(-4)}`, authorisationCode: '00' });
  });

  it('approved online with EXTERNAL AUTHENTICATE (ARPC ‖ ARC, verified by OpenSSL) when so configured', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContact(card, { amount: 880, issuer, config: terminalConfig({ issuerAuthentication: 'external-authenticate' }) });
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('online');
    const { arqc, skAc } = expectArqcVerifies(result, card.pan);
    const ext = commands(result, '00820000')[0]!;
    expect(ext.sw).toBe('9000');
    expect(toHex(commandData(ext))).toBe(`${opensslArpc(skAc, arqc, '3030')}3030`);
    // tag 91 of CDOL2 then carries zeros
    expect(toHex(commandData(commands(result, '80AE')[1]!)).slice(22)).toBe('00'.repeat(10));
    expect(result.tsi.bits.map((b) => b.key)).toContain('issuerAuthenticationPerformed');
  });

  it('approved offline: the card answers a TC to the first GENERATE AC; the issuer clears it', async () => {
    const { card, issuer } = await cardWithAccount({ section: { risk: { offlineAmountLimit: 100_000 } } });
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('offline');
    expect(result.tvr.hex).toBe(tvr());
    expect(result.tsi.hex).toBe(tsi('odaPerformed', 'cvmPerformed', 'cardRiskManagementPerformed', 'terminalRiskManagementPerformed'));
    expect(result.cryptograms).toHaveLength(1);
    expect(result.cryptogramType).toBe('TC');
    // TC over the same layout as an ARQC (first GENERATE AC), recomputed by OpenSSL
    const gac1 = commands(result, '80AE40')[0]!;
    const atc = Number.parseInt(responseTag(gac1, '9F36')!, 16);
    const sk = sessionKey(udk(MK.AC, card.pan, PSN), atc);
    const tc = opensslMac(sk, concat(commandData(gac1).subarray(0, 29), fromHex('7C00'), fromHex(responseTag(gac1, '9F36')!), fromHex(responseTag(gac1, '9F10')!.slice(6, 14))));
    expect(responseTag(gac1, '9F26')).toBe(tc);
    expect(result.clearing?.accepted).toBe(true);
    expect((await issuer.account(card.pan))!.balance).toBe(100_000 - 1250);
  });

  it('randomly selected for online processing (the injected random source draws 1)', async () => {
    const { card, issuer } = await cardWithAccount({ section: { risk: { offlineAmountLimit: 100_000 } } });
    const result = await payContact(card, { amount: 1250, issuer, random: constantRandom(0x00) });
    expect(result.tvr.hex).toBe(tvr('randomlySelected'));
    expect(result.cryptograms[0]).toMatchObject({ requested: 'ARQC', type: 'ARQC' });
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('online');
  });

  it('over the floor limit: TVR byte 4 b8, online', async () => {
    const { card, issuer } = await cardWithAccount({ section: { risk: { offlineAmountLimit: 1_000_000 } } });
    const result = await payContact(card, { amount: 60_000, issuer });
    expect(result.tvr.hex).toBe(tvr('floorLimitExceeded'));
    expect(result.cryptograms[0]!.requested).toBe('ARQC');
    expect(result.outcome).toBe('APPROVED');
  });

  it('declined by the card: the issuer cannot be reached, the terminal asks a TC (ARC Y3), the card answers AAC', async () => {
    const { card, issuer } = await cardWithAccount();
    const port = recording(issuer, { unreachable: true });
    const result = await payContact(card, { amount: 1250, issuer: port });
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('DECLINED_BY_CARD');
    expect(result.cryptograms.map((c) => `${c.requested}→${c.type}`)).toEqual(['TC→ARQC', 'TC→AAC']);
    expect(toHex(commandData(commands(result, '80AE')[1]!)).slice(0, 4)).toBe('5933'); // "Y3"
    expect(port.calls.authorise).toHaveLength(1);
    expect(port.calls.complete).toHaveLength(0);
    expect(result.tsi.hex).toBe(tsi('odaPerformed', 'cvmPerformed', 'cardRiskManagementPerformed', 'terminalRiskManagementPerformed'));
  });

  it('declined by the issuer: insufficient funds (51); the card is told (AAC) and nothing is posted', async () => {
    const { card, issuer } = await cardWithAccount({}, 1000);
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('DECLINED_BY_ISSUER');
    expect(result.reason?.detail).toMatch(/^51/);
    expect(result.issuer).toMatchObject({ approved: false, responseCode: '51' });
    const gac2 = commands(result, '80AE')[1]!;
    expect(gac2.command.slice(0, 8)).toBe('80AE0000');
    expect(toHex(commandData(gac2)).slice(0, 4)).toBe('3531'); // ARC "51"
    expect(result.cryptogramType).toBe('AAC');
    expect((await issuer.account(card.pan))!.balance).toBe(1000);
  });

  it('declined by the issuer: account blocked (78)', async () => {
    const { card, issuer } = await cardWithAccount();
    await issuer.setAccountStatus(card.pan, 'blocked');
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.outcome).toBe('DECLINED');
    expect(result.issuer?.responseCode).toBe('78');
    expect(result.reason?.code).toBe('DECLINED_BY_ISSUER');
  });

  it('declined by the issuer: card blocked (62) with a CARD BLOCK script in template 71; the card is blocked afterwards', async () => {
    const { card, issuer } = await cardWithAccount();
    await issuer.setCardBlocked(card.pan, true, { script: true });
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.outcome).toBe('DECLINED');
    expect(result.issuer?.responseCode).toBe('62');
    expect(result.reason?.code).toBe('DECLINED_BY_ISSUER');
    expect(result.scripts).toHaveLength(1);
    expect(result.scripts[0]).toMatchObject({ template: '71', ok: true });
    expect(result.scripts[0]!.commands[0]!.command.slice(0, 8)).toBe('84160000');
    expect(result.tsi.bits.map((b) => b.key)).toContain('scriptProcessingPerformed');
    const next = await payContact(card, { amount: 100, issuer });
    expect(next.outcome).toBe('TERMINATED');
    expect(next.reason?.code).toBe('CARD_BLOCKED');
  });

  it('PIN tries exhausted: the last try is wrong (6983) → TVR byte 3 b6 → declined by the terminal (TAC-Denial)', async () => {
    const { card, issuer } = await cardWithAccount();
    withState(card, (s) => {
      s.pin.triesLeft = 1;
    });
    const result = await payContact(card, { amount: 1250, issuer, pins: ['654321'] });
    expect(commands(result, '00200080')[0]!.sw).toBe('6983');
    expect(result.tvr.hex).toBe(tvr('pinTryLimitExceeded'));
    // the CVM list goes on after a failed PIN (41 = apply the next rule): signature
    expect(result.cvm).toBe('signature');
    expect(result.cryptograms[0]!.requested).toBe('AAC');
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('DECLINED_BY_TERMINAL');
    expect(card.state().pin.triesLeft).toBe(0);
  });

  it('PIN try counter already 0 (9F17): no VERIFY is sent; TVR byte 3 b6', async () => {
    const { card, issuer } = await cardWithAccount();
    withState(card, (s) => {
      s.pin.triesLeft = 0;
    });
    const result = await payContact(card, { amount: 1250, issuer });
    expect(commands(result, '00200080')).toHaveLength(0);
    expect(responseData(commands(result, '80CA9F17')[0]!)).toEqual(fromHex('9F170100'));
    expect(result.tvr.hex).toBe(tvr('pinTryLimitExceeded'));
    expect(result.outcome).toBe('DECLINED');
  });

  it('a wrong PIN, then the right one: 63C2, then 9000', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContact(card, { amount: 1250, issuer, pins: ['000000', '123456'] });
    expect(commands(result, '00200080').map((c) => c.sw)).toEqual(['63C2', '9000']);
    expect(result.cvm).toBe('offline-pin');
    expect(result.outcome).toBe('APPROVED');
  });

  it('the cardholder does not enter the PIN: TVR byte 3 b4; signature instead', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContact(card, { amount: 1250, issuer, pinPad: scriptedPinPad([]) });
    expect(result.tvr.hex).toBe(tvr('pinNotEntered'));
    expect(result.cvm).toBe('signature');
    expect(result.receipt.signatureRequired).toBe(true);
    expect(result.outcome).toBe('APPROVED');
  });

  it('no PIN pad: TVR byte 3 b5; signature instead', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContact(card, { amount: 1250, issuer, config: terminalConfig({ pinPad: false }) });
    expect(result.tvr.hex).toBe(tvr('pinPadAbsent'));
    expect(result.cvm).toBe('signature');
  });

  it('online PIN (CVM 02, the card personalised with it): captured, sent to the issuer, verified there', async () => {
    const { card, issuer } = await cardWithAccount({ section: { cvmList: '000000000000000042031E031F00' } });
    const port = recording(issuer);
    const result = await payContact(card, { amount: 1250, issuer: port, pins: ['123456'], request: { forceOnline: true } });
    expect(result.cvm).toBe('online-pin');
    expect(result.tvr.hex).toBe(tvr('onlinePinEntered', 'merchantForcedOnline'));
    expect(commands(result, '00200080')).toHaveLength(0);
    expect(port.calls.authorise[0]!.onlinePin).toBe('123456');
    expect(result.outcome).toBe('APPROVED');
    const wrong = await payContact(card, { amount: 1250, issuer, pins: ['111111'] });
    expect(wrong.issuer?.responseCode).toBe('55');
    expect(wrong.outcome).toBe('DECLINED');
  });

  it('application blocked: SELECT answers 6283, no candidate is left → TERMINATED', async () => {
    const { card, issuer } = await cardWithAccount();
    withState(card, (s) => {
      s.blocked = true;
    });
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.outcome).toBe('TERMINATED');
    expect(result.reason?.code).toBe('APPLICATION_BLOCKED');
    expect(commands(result, '00A4040008A000000333010101').map((c) => c.sw)).toContain('6283');
    expect(commands(result, '80A8')).toHaveLength(0);
  });

  it('card blocked: SELECT of the PSE answers 6A81 → TERMINATED', async () => {
    const { card } = await cardWithAccount();
    withState(card, (s) => {
      s.cardBlocked = true;
      s.blocked = true; // CARD BLOCK blocks the application too (the image schema says so)
    });
    const result = await payContact(card, { amount: 1250 });
    expect(result.outcome).toBe('TERMINATED');
    expect(result.reason?.code).toBe('CARD_BLOCKED');
    expect(result.trace).toHaveLength(1);
  });

  it('expired card: TVR byte 2 b7 (and DDA failed: its certificates expired with it) → declined by the terminal', async () => {
    const { card, issuer } = await cardWithAccount({ issued: new Date('2010-01-15T10:00:00Z'), section: { validityYears: 1 } });
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.tvr.hex).toBe(tvr('ddaFailed', 'expiredApplication'));
    expect(result.notes.some((n) => /expired/.test(n))).toBe(true);
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('DECLINED_BY_TERMINAL');
    expect(result.reason?.detail).toMatch(/Expired application/);
  });

  it('ODA failure: a tampered ICC certificate fails DDA (TVR byte 1 b4) → online (TAC-Online) → approved', async () => {
    const { card, issuer } = await cardWithAccount({ edit: (image) => flipByteInRecord(image, 3, 2, '9F4681', 100) });
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.tvr.hex).toBe(tvr('ddaFailed'));
    expect(result.tsi.bits.map((b) => b.key)).toContain('odaPerformed');
    expect(commands(result, '0088')).toHaveLength(0); // no INTERNAL AUTHENTICATE without an ICC key
    expect(result.cryptograms[0]!.requested).toBe('ARQC');
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('online');
  });

  it('ODA failure on an offline-only terminal: TAC-Default → AAC → declined by the terminal', async () => {
    const { card } = await cardWithAccount({ edit: (image) => flipByteInRecord(image, 3, 1, '9081', 40) });
    const result = await payContact(card, { amount: 1250, config: terminalConfig({ onlineCapable: false }) });
    expect(result.tvr.hex).toBe(tvr('ddaFailed'));
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('DECLINED_BY_TERMINAL');
    expect(result.cryptograms[0]).toMatchObject({ requested: 'AAC', type: 'AAC' });
  });

  it('SDA when the terminal does not do DDA; a tampered SSAD fails it (TVR byte 1 b7 and b2)', async () => {
    const { card, issuer } = await cardWithAccount({ edit: (image) => flipByteInRecord(image, 3, 3, '9343', 10) });
    const result = await payContact(card, { amount: 1250, issuer, config: terminalConfig({ capabilities: 'E0E880' }) });
    expect(result.tvr.hex).toBe(tvr('sdaFailed', 'sdaSelected'));
    expect(result.outcome).toBe('APPROVED');
    const clean = await payContact(makeTestCard({ seed: 8 }), { amount: 1250, config: terminalConfig({ capabilities: 'E0E880', onlineCapable: false }), request: {} });
    expect(clean.tvr.hex).toBe(tvr('sdaSelected'));
  });

  it('the CA key is not in the terminal configuration: DDA failed', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContact(card, { amount: 1250, issuer, config: terminalConfig({ caPublicKeys: [] }) });
    expect(result.tvr.hex).toBe(tvr('ddaFailed'));
    expect(result.notes.join('\n')).toMatch(/no CA public key A000000333\/F1/);
  });

  it('a revoked issuer certificate fails DDA', async () => {
    const card = makeTestCard();
    const cert = recordFile(card.store.load(), 3).records![0]!; // 70 81 94 8F 01 F1 90 81 8E 12 id(4) MMYY(2) serial(3)
    const serial = cert.slice(2 * (3 + 3 + 3 + 1 + 4 + 2), 2 * (3 + 3 + 3 + 1 + 4 + 2 + 3));
    const result = await payContact(card, { amount: 1250, config: terminalConfig({ onlineCapable: false, revocationList: [{ rid: 'A000000333', caIndex: 'F1', serial }] }) });
    expect(result.notes.join('\n')).toMatch(/revocation list/);
    expect(result.tvr.hex).toBe(tvr('ddaFailed'));
  });

  it('the card on the exception file: TVR byte 1 b5 → online', async () => {
    const { card, issuer } = await cardWithAccount({ section: { risk: { offlineAmountLimit: 100_000 } } });
    const result = await payContact(card, { amount: 1250, issuer, config: terminalConfig({ exceptionFile: [{ pan: card.pan }] }) });
    expect(result.tvr.hex).toBe(tvr('exceptionFile'));
    expect(result.cryptograms[0]!.requested).toBe('ARQC');
  });

  it('velocity checking with 9F14/9F23 on the card: GET DATA 9F36 and 9F13; new card; limits exceeded', async () => {
    const { card, issuer } = await cardWithAccount({
      // lower and upper consecutive offline limits 0 in the (unsigned) track record, as an issuer would add them
      edit: (image) => {
        const f = recordFile(image, 1);
        const rec = fromHex(f.records![0]!);
        f.records = [toHex(concat(Uint8Array.of(0x70, rec[1]! + 8), rec.subarray(2), fromHex('9F1401009F230100')))];
      },
    });
    const result = await payContact(card, { amount: 1250, issuer });
    expect(commands(result, '80CA9F36')).toHaveLength(1);
    expect(commands(result, '80CA9F13')).toHaveLength(1);
    expect(result.tvr.hex).toBe(tvr('newCard', 'lowerOfflineLimitExceeded', 'upperOfflineLimitExceeded'));
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('online');
  });

  it('issuer authentication failure (tag 91 in CDOL2): the card declines; TVR byte 5 b7 from the CVR; the hold is released', async () => {
    const { card, issuer } = await cardWithAccount();
    const port = recording(issuer, {
      response: (r) => {
        const bad = r.issuerAuthenticationData!.slice();
        bad[0]! ^= 0x01;
        return { ...r, issuerAuthenticationData: bad, arpc: bad.slice(0, 8) };
      },
    });
    const result = await payContact(card, { amount: 1250, issuer: port });
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('ISSUER_AUTHENTICATION_FAILED');
    expect(result.tvr.hex).toBe(tvr('issuerAuthenticationFailed'));
    expect(result.issuer?.authenticated).toBe(false);
    expect(port.calls.complete).toHaveLength(1);
    expect(port.calls.complete[0]!.cardApproved).toBe(false);
    const account = (await issuer.account(card.pan))!;
    expect(account.balance).toBe(100_000);
    expect(account.held).toBe(0);
  });

  it('issuer authentication failure (EXTERNAL AUTHENTICATE 6300): TVR byte 5 b7; AAC', async () => {
    const { card, issuer } = await cardWithAccount();
    const port = recording(issuer, {
      response: (r) => {
        const bad = r.issuerAuthenticationData!.slice();
        bad[3]! ^= 0x80;
        return { ...r, issuerAuthenticationData: bad };
      },
    });
    const result = await payContact(card, { amount: 1250, issuer: port, config: terminalConfig({ issuerAuthentication: 'external-authenticate' }) });
    expect(commands(result, '0082')[0]!.sw).toBe('6300');
    expect(result.tvr.hex).toBe(tvr('issuerAuthenticationFailed'));
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('ISSUER_AUTHENTICATION_FAILED');
  });

  it('a failing script after the final GENERATE AC (PUT DATA 9F77 below the EC balance: 6A80): TVR byte 5 b5, script results 1x', async () => {
    const { card, issuer } = await cardWithAccount();
    await issuer.queueScript(card.pan, { kind: 'put-data', tag: '9F77', value: 100 });
    const port = recording(issuer);
    const result = await payContact(card, { amount: 1250, issuer: port });
    expect(result.outcome).toBe('APPROVED');
    expect(result.tvr.hex).toBe(tvr('scriptFailedAfterFinalAc'));
    expect(result.tsi.bits.map((b) => b.key)).toContain('scriptProcessingPerformed');
    expect(result.scripts).toHaveLength(1);
    const script = result.scripts[0]!;
    expect(script).toMatchObject({ template: '72', ok: false });
    expect(script.commands[0]!.sw).toBe('6A80');
    expect(script.resultBytes.slice(0, 2)).toBe('11');
    // the script MAC, recomputed by OpenSSL: CLA INS P1 P2 Lc ‖ ATC ‖ ARQC ‖ data, SK of the MAC UDK
    const apdu = fromHex(script.commands[0]!.command);
    const { atc, arqc } = expectArqcVerifies(result, card.pan);
    const skMac = sessionKey(udk(MK.MAC, card.pan, PSN), atc);
    const body = apdu.subarray(5, apdu.length - 4);
    expect(toHex(apdu.subarray(apdu.length - 4))).toBe(opensslMac(skMac, concat(apdu.subarray(0, 5), Uint8Array.of(atc >> 8, atc & 0xff), fromHex(arqc), body), 4));
    // the completion carried the script results (DF31: 5 bytes per script) to the issuer
    const completion = toHex(port.calls.complete[0]!.iccData);
    expect(completion).toContain(`DF3105${script.resultBytes}`);
    expect(script.resultBytes).toMatch(/^11[0-9A-F]{8}$/);
  });

  it('a failing script before the final GENERATE AC (its MAC altered on the way: 6988): TVR byte 5 b6', async () => {
    const { card, issuer } = await cardWithAccount();
    await issuer.queueScript(card.pan, { kind: 'application-block' });
    const port = recording(issuer, {
      response: (r) => {
        const s = r.issuerScripts.slice();
        s[s.length - 1]! ^= 0xff; // last byte of the last command: its MAC
        return { ...r, issuerScripts: s };
      },
    });
    const result = await payContact(card, { amount: 1250, issuer: port });
    expect(result.scripts[0]).toMatchObject({ template: '71', ok: false });
    expect(result.scripts[0]!.commands[0]!.sw).toBe('6988');
    expect(result.tvr.hex).toBe(tvr('scriptFailedBeforeFinalAc'));
    expect(card.state().blocked).toBe(false);
  });

  it('an EC load by script (PUT DATA 9F79 in template 72): the new balance is read back', async () => {
    const { card, issuer } = await cardWithAccount();
    await issuer.queueScript(card.pan, { kind: 'ec-load', amount: 10_000 });
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.outcome).toBe('APPROVED');
    expect(result.scripts[0]).toMatchObject({ template: '72', ok: true });
    expect(result.ecBalance).toBe(60_000);
    expect(card.state().ec.balance).toBe(60_000);
    expect(result.tvr.hex).toBe(tvr());
  });

  it('the card leaves the reader after the issuer approved: the authorisation is reversed, the failure is thrown', async () => {
    const { card, issuer } = await cardWithAccount();
    const port = recording(issuer);
    const reader = card.reader();
    await reader.connect('contact');
    let gac = 0;
    const transport = {
      async transmit(c: Uint8Array) {
        if (c[0] === 0x80 && c[1] === 0xae && ++gac === 2) throw new TransportError('card removed');
        return reader.transport.transmit(c);
      },
    };
    await expect(runPbocContact(transport, { amount: 1250, transactionId: 'REV1' }, { config: terminalConfig(), issuer: port, pinPad: scriptedPinPad(['123456']), clock, random: constantRandom() })).rejects.toThrow(TransportError);
    expect(port.calls.reverse).toEqual([{ transactionId: 'REV1', reason: 'card removed' }]);
    const account = (await issuer.account(card.pan))!;
    expect(account.held).toBe(0);
    expect(account.balance).toBe(100_000);
  });

  it('every exchange is in the trace, with its step', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContact(card, { amount: 1250, issuer });
    expect(result.trace.map((t) => t.step)).toEqual([
      'application selection (PSE)',
      'application selection (PSE)',
      'application selection (PSE)',
      'final selection',
      'initiate application processing',
      'read application data',
      'read application data',
      'read application data',
      'read application data',
      'read application data',
      'offline data authentication (DDA)',
      'cardholder verification (offline PIN)',
      'cardholder verification (offline PIN)',
      'EC balance (before GENERATE AC)',
      'first GENERATE AC',
      'second GENERATE AC',
    ]);
    expect(result.trace.every((t) => /^[0-9A-F]+$/.test(t.command) && /^[0-9A-F]{4}$/.test(t.sw))).toBe(true);
  });
});

