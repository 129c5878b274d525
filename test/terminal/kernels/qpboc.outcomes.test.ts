/**
 * Outcome tests of the qPBOC kernel (JR/T 0025.12) against cards personalised to reach each outcome, the
 * real card runtime and the real issuer host: offline EC approval with fDDA, online approval (ARQC
 * recomputed by OpenSSL over the layout written here), online PIN, decline by the card and by the issuer,
 * the pre-processing limits, fDDA failure, blocked and expired applications, and the card leaving the
 * field during an EC purchase (JR/T 0025.12 Annex F, docs/pboc-kernels.md [R]).
 */
import { describe, expect, it } from 'vitest';
import { concat, fromHex, toHex } from '../../../src/apdu/bytes.js';
import type { PbocState } from '../../../src/card/apps/pboc/state.js';
import { MemoryTornStore } from '../../../src/terminal/kernels/qpboc/torn-transaction.js';
import { flipByteInRecord, KERNEL_TEST_SECTION, makeTestCard, type TestCard } from './helpers/cards.js';
import { tsi, tvr } from './helpers/expected-bits.js';
import { mac as opensslMac, opensslHasSm4, sessionKey, udk } from './helpers/openssl.js';
import { cardLeavesField, commandData, commands, payContactless, responseTag } from './helpers/run.js';
import { recording, terminalConfig, testIssuer } from './helpers/setup.js';

const hasOpenssl = opensslHasSm4();

async function cardWithAccount(options: Parameters<typeof makeTestCard>[0] = {}, balance = 100_000) {
  const card = makeTestCard(options);
  const issuer = testIssuer();
  await issuer.openAccount({ pan: card.pan, holder: 'TEST', balance, pin: '123456', ecBalance: card.state().ec.balance, ecBalanceLimit: card.state().ec.balanceLimit });
  return { card, issuer };
}

function withState(card: TestCard, edit: (s: PbocState) => void): void {
  const image = card.store.load();
  edit(image.apps.pboc as PbocState);
  card.store.save(image);
}

/**
 * PDOL data of the card's PDOL `9F6604 9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F3704 DF6001 DF6901`
 * (docs/pboc.md): the cryptogram covers 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 = bytes 4..33.
 */
function gpoPdolData(result: Awaited<ReturnType<typeof payContactless>>): Uint8Array {
  const data = commandData(commands(result, '80A8')[0]!);
  expect(data[0]).toBe(0x83);
  return data.subarray(2);
}

describe('qPBOC kernel: outcomes', () => {
  it('approved offline: EC purchase, fDDA verified, EC balance 9F5D, cleared at the issuer (EC ledger)', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContactless(card, { amount: 1250, issuer });
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('offline');
    expect(result.kernel).toBe('qpboc');
    expect(result.cryptogramType).toBe('TC');
    expect(result.ecBalance).toBe(48_750);
    expect(card.state().ec.balance).toBe(48_750);
    expect(result.tvr.hex).toBe(tvr());
    expect(result.tsi.hex).toBe(tsi('odaPerformed', 'cvmPerformed'));
    expect(result.cvm).toBe('no-cvm');
    // TTQ: qPBOC, contact interface, online PIN, signature; fDDA 01 — nothing per transaction
    const pdol = gpoPdolData(result);
    expect(toHex(pdol.subarray(0, 4))).toBe('36000080');
    expect(toHex(pdol.subarray(pdol.length - 1))).toBe('01'); // DF69: SM algorithms
    expect(result.clearing).toMatchObject({ accepted: true });
    expect((await issuer.account(card.pan))!.ecBalance).toBe(48_750);
    expect(result.trace.map((t) => t.command.slice(0, 4))).toEqual(['00A4', '00A4', '80A8', '00B2', '00B2', '00B2', '00B2', '00B2']);
  });

  it.skipIf(!hasOpenssl)('approved online: above the EC single limit the card answers an ARQC (OpenSSL), the issuer approves and posts', async () => {
    const { card, issuer } = await cardWithAccount();
    const port = recording(issuer);
    const result = await payContactless(card, { amount: 25_000, issuer: port });
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('online');
    expect(result.cryptogramType).toBe('ARQC');
    expect(result.tvr.hex).toBe(tvr());
    expect(result.tsi.hex).toBe(tsi('cvmPerformed'));
    const gpo = commands(result, '80A8')[0]!;
    const atcHex = responseTag(gpo, '9F36')!;
    const iad = responseTag(gpo, '9F10')!;
    const atc = Number.parseInt(atcHex, 16);
    // IAD byte 5 bits 6-5 = 10: ARQC (DOMAIN.md §2.1)
    expect((fromHex(iad)[4]! >> 4) & 3).toBe(2);
    const sk = sessionKey(udk(KERNEL_TEST_SECTION.masterKeys.AC, card.pan, KERNEL_TEST_SECTION.psn), atc);
    expect(opensslMac(sk, concat(gpoPdolData(result).subarray(4, 33), fromHex('7C00'), fromHex(atcHex), fromHex(iad.slice(6, 14))))).toBe(responseTag(gpo, '9F26'));
    expect(port.calls.complete).toEqual([{ transactionId: result.transactionId, cardApproved: true, iccData: new Uint8Array(0) }]);
    expect((await issuer.account(card.pan))!.balance).toBe(100_000 - 25_000);
    expect(card.state().ec.balance).toBe(50_000);
  });

  it('online PIN above the CVM limit (TTQ byte 2 b7): the issuer verifies it', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContactless(card, { amount: 35_000, issuer, pins: ['123456'] });
    expect(toHex(gpoPdolData(result).subarray(0, 4))).toBe('36400080');
    expect(result.cvm).toBe('online-pin');
    expect(result.tvr.hex).toBe(tvr('onlinePinEntered'));
    expect(result.outcome).toBe('APPROVED');
    const wrong = await payContactless(card, { amount: 35_000, issuer, pins: ['999999'] });
    expect(wrong.outcome).toBe('DECLINED');
    expect(wrong.issuer?.responseCode).toBe('55');
    expect(wrong.reason?.code).toBe('DECLINED_BY_ISSUER');
  });

  it('signature for an offline approval at or above the CVM limit', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContactless(card, { amount: 1250, issuer, config: terminalConfig({ contactless: { cvmLimit: 1000 } }) });
    expect(result.outcome).toBe('APPROVED');
    expect(result.approvedBy).toBe('offline');
    expect(result.cvm).toBe('signature');
    expect(result.receipt.signatureRequired).toBe(true);
  });

  it('over the contactless transaction limit: try another interface, before any command', async () => {
    const { card } = await cardWithAccount();
    const result = await payContactless(card, { amount: 100_000 });
    expect(result.outcome).toBe('TRY_ANOTHER_INTERFACE');
    expect(result.reason?.code).toBe('OVER_CONTACTLESS_LIMIT');
    expect(result.trace).toHaveLength(0);
  });

  it('declined by the card: an offline-only reader, an amount above the EC balance → AAC', async () => {
    const { card } = await cardWithAccount({ section: { ec: { balance: 500 } } });
    const result = await payContactless(card, { amount: 1250, config: terminalConfig({ onlineCapable: false }) });
    expect(toHex(gpoPdolData(result).subarray(0, 1))).toBe('3A'); // offline-only bit, no online PIN
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('DECLINED_BY_CARD');
    expect(result.cryptogramType).toBe('AAC');
    expect(card.state().ec.balance).toBe(500);
  });

  it('declined by the issuer: insufficient funds for an online qPBOC purchase', async () => {
    const { card, issuer } = await cardWithAccount({}, 10_000);
    const result = await payContactless(card, { amount: 25_000, issuer });
    expect(result.outcome).toBe('DECLINED');
    expect(result.issuer?.responseCode).toBe('51');
    expect(result.reason?.code).toBe('DECLINED_BY_ISSUER');
  });

  it('unable to go online with an ARQC: declined', async () => {
    const { card, issuer } = await cardWithAccount();
    const result = await payContactless(card, { amount: 25_000, issuer: recording(issuer, { unreachable: true }) });
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('UNABLE_TO_GO_ONLINE');
  });

  it('ODA failure: a tampered ICC certificate fails fDDA; an offline-only reader switches interface (CTQ byte 1 b5)', async () => {
    const { card } = await cardWithAccount({ edit: (image) => flipByteInRecord(image, 3, 2, '9F4681', 120) });
    const result = await payContactless(card, { amount: 1250, config: terminalConfig({ onlineCapable: false }) });
    expect(result.tvr.hex).toBe(tvr('ddaFailed'));
    expect(result.outcome).toBe('TRY_ANOTHER_INTERFACE');
    expect(result.reason?.code).toBe('ODA_FAILED');
  });

  it('ODA failure with an online-capable reader: online, as the CTQ asks (byte 1 b6)', async () => {
    const { card, issuer } = await cardWithAccount({ edit: (image) => flipByteInRecord(image, 3, 2, '9F4681', 120) });
    const port = recording(issuer);
    const result = await payContactless(card, { amount: 1250, issuer: port });
    expect(result.tvr.hex).toBe(tvr('ddaFailed'));
    expect(port.calls.authorise).toHaveLength(1);
    expect(result.notes).toContain('fDDA failed: online, as the CTQ asks');
    // the card's cryptogram is a TC (it approved offline); this issuer host authorises ARQCs only
    expect(result.outcome).toBe('DECLINED');
    expect(result.issuer?.responseCode).toBe('30');
  });

  it('a tampered SDAD (9F4B) fails fDDA', async () => {
    const { card } = await cardWithAccount();
    const result = await payContactless(card, {
      amount: 1250,
      config: terminalConfig({ onlineCapable: false, contactless: { contactInterface: false } }),
      layer: (inner) => ({
        async transmit(c) {
          const r = await inner.transmit(c);
          if (c[0] !== 0x80 || c[1] !== 0xa8) return r;
          const at = toHex(r).indexOf('9F4B');
          const out = r.slice();
          out[at / 2 + 10]! ^= 0x01;
          return out;
        },
      }),
    });
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('ODA_FAILED');
    expect(result.reason?.detail).toMatch(/SDAD/);
  });

  it('application blocked: TERMINATED; the card is not debited', async () => {
    const { card } = await cardWithAccount();
    withState(card, (s) => {
      s.blocked = true;
    });
    const result = await payContactless(card, { amount: 1250 });
    expect(result.outcome).toBe('TERMINATED');
    expect(result.reason?.code).toBe('APPLICATION_BLOCKED');
    expect(card.state().ec.balance).toBe(50_000);
  });

  it('expired card: declined offline (the CTQ does not ask to go online when expired)', async () => {
    const { card } = await cardWithAccount({ issued: new Date('2010-01-15T10:00:00Z'), section: { validityYears: 1 } });
    const result = await payContactless(card, { amount: 1250 });
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('EXPIRED');
    expect(result.tvr.hex).toBe(tvr('expiredApplication'));
  });

  it('on the exception file: declined', async () => {
    const { card } = await cardWithAccount();
    const result = await payContactless(card, { amount: 1250, config: terminalConfig({ exceptionFile: [{ pan: card.pan, panSequence: '01' }] }) });
    expect(result.outcome).toBe('DECLINED');
    expect(result.reason?.code).toBe('EXCEPTION_FILE');
    expect(result.tvr.hex).toBe(tvr('exceptionFile'));
  });

  describe('the card leaving the field during an EC purchase (JR/T 0025.12 Annex F) [R]', () => {
    it('after the GPO approved offline: kept; presented again, completed from the records without a second debit', async () => {
      const { card, issuer } = await cardWithAccount();
      const torn = new MemoryTornStore();
      const first = await payContactless(card, { amount: 1250, issuer, torn, layer: cardLeavesField('00B2', 'before') });
      expect(first.outcome).toBe('TERMINATED');
      expect(first.reason?.code).toBe('CARD_REMOVED');
      expect(card.state().ec.balance).toBe(48_750); // the card debited at GPO
      const kept = await torn.load();
      expect(kept?.gpoAnswer).toMatch(/^77/);
      expect(kept?.transactionId).toBe(first.transactionId);

      const again = await payContactless(card, { amount: 1250, issuer, torn });
      expect(again.outcome).toBe('APPROVED');
      expect(again.approvedBy).toBe('offline');
      expect(again.transactionId).toBe(first.transactionId);
      expect(commands(again, '80A8')).toHaveLength(0); // no second GPO: no second debit
      expect(card.state().ec.balance).toBe(48_750);
      expect(again.ecBalance).toBe(48_750);
      expect(again.clearing?.accepted).toBe(true);
      expect(await torn.load()).toBeUndefined();
      expect(again.notes.some((n) => /recovered/.test(n))).toBe(true);
    });

    it('a card that refuses READ RECORD without a GPO: TORN_NOT_RECOVERED, no second purchase, the record kept', async () => {
      const { card, issuer } = await cardWithAccount();
      const torn = new MemoryTornStore();
      await payContactless(card, { amount: 1250, issuer, torn, layer: cardLeavesField('00B2', 'before') });
      const refuseRecords = (inner: { transmit(c: Uint8Array): Promise<Uint8Array> }) => ({
        async transmit(c: Uint8Array) {
          return c[1] === 0xb2 ? Uint8Array.of(0x69, 0x85) : inner.transmit(c);
        },
      });
      const again = await payContactless(card, { amount: 1250, issuer, torn, layer: refuseRecords });
      expect(again.outcome).toBe('TERMINATED');
      expect(again.reason?.code).toBe('TORN_NOT_RECOVERED');
      expect(commands(again, '80A8')).toHaveLength(0);
      expect(card.state().ec.balance).toBe(48_750);
      expect(await torn.load()).toBeDefined();
    });

    it('the GPO answer was lost: presented again, the log shows the debit → TORN_NOT_RECOVERED, no second debit', async () => {
      const { card, issuer } = await cardWithAccount();
      const torn = new MemoryTornStore();
      const first = await payContactless(card, { amount: 1250, issuer, torn, layer: cardLeavesField('80A8', 'after') });
      expect(first.reason?.code).toBe('CARD_REMOVED');
      expect((await torn.load())?.gpoAnswer).toBeUndefined();
      expect(card.state().ec.balance).toBe(48_750);
      const again = await payContactless(card, { amount: 1250, issuer, torn });
      expect(again.outcome).toBe('TERMINATED');
      expect(again.reason?.code).toBe('TORN_NOT_RECOVERED');
      expect(again.reason?.detail).toMatch(/debited 1250 fen/);
      expect(commands(again, '80A8')).toHaveLength(0);
      expect(card.state().ec.balance).toBe(48_750);
      expect(await torn.load()).toBeUndefined();
    });

    it('the card left before it saw the GPO: presented again, not debited → the purchase runs', async () => {
      const { card, issuer } = await cardWithAccount();
      const torn = new MemoryTornStore();
      const first = await payContactless(card, { amount: 1250, issuer, torn, layer: cardLeavesField('80A8', 'before') });
      expect(first.reason?.code).toBe('CARD_REMOVED');
      expect(card.state().ec.balance).toBe(50_000);
      const again = await payContactless(card, { amount: 1250, issuer, torn });
      expect(again.outcome).toBe('APPROVED');
      expect(again.notes.some((n) => /not debited/.test(n))).toBe(true);
      expect(card.state().ec.balance).toBe(48_750);
    });

    it('another card presented: the kept purchase stays for its own card', async () => {
      const { card, issuer } = await cardWithAccount();
      const other = makeTestCard({ seed: 21 });
      await issuer.openAccount({ pan: other.pan, balance: 0, ecBalance: 50_000 });
      const torn = new MemoryTornStore();
      await payContactless(card, { amount: 1250, issuer, torn, layer: cardLeavesField('00B2', 'before') });
      const result = await payContactless(other, { amount: 1250, issuer, torn });
      expect(result.outcome).toBe('APPROVED');
      expect(result.notes.some((n) => /another card/.test(n))).toBe(true);
      expect(await torn.load()).toBeDefined();
      const back = await payContactless(card, { amount: 1250, issuer, torn });
      expect(commands(back, '80A8')).toHaveLength(0);
      expect(back.outcome).toBe('APPROVED');
    });

    it('an online-required purchase that loses the card keeps nothing (no debit is possible)', async () => {
      const { card, issuer } = await cardWithAccount();
      const torn = new MemoryTornStore();
      const result = await payContactless(card, { amount: 1250, issuer, torn, request: { forceOnline: true }, layer: cardLeavesField('80A8', 'after') });
      expect(result.reason?.code).toBe('CARD_REMOVED');
      expect(await torn.load()).toBeUndefined();
    });
  });
});
