/**
 * Every decision of the issuer host (docs/issuer-host.md "Decisions"), on ARQCs of the real simulated
 * card, over both storage adapters: the response code, the reason, whether an ARPC comes back (only
 * after the ARQC verified) and what is held.
 */
import { describe, expect, it } from 'vitest';
import { concat, toHex } from '../../../../src/apdu/bytes.js';
import { decodeTlv, encodeTlv, tlv } from '../../../../src/apdu/tlv/ber-tlv.js';
import { IssuerKeyring, keySetsFromJson } from '../../../../src/terminal/hosts/issuer/keys.js';
import { ADAPTERS, bank } from './helpers/bank.js';
import { profileJson } from './helpers/card.js';

const fromAscii = (s: string) => toHex(new TextEncoder().encode(s));

describe.each(ADAPTERS)('issuer decisions (%s)', (_name, storage) => {
  it('00 approved: ARPC over "00", the amount held, the available balance answered', async () => {
    const b = await bank(storage());
    const r = await b.host.authorise(b.arqc(1234));
    expect(r).toMatchObject({ approved: true, responseCode: '00', reason: 'approved', balance: 10_000 - 1234 });
    expect(toHex(r.authorisationResponseCode)).toBe(fromAscii('00'));
    expect(r.arpc).toHaveLength(8);
    expect(toHex(r.issuerAuthenticationData!)).toBe(`${toHex(r.arpc!)}3030`);
    expect((await b.host.account(b.pan))!).toMatchObject({ balance: 10_000, held: 1234, available: 10_000 - 1234 });
  });

  it('14: a PAN that is not 12-19 digits, or has no account (no ARPC: the card is not known)', async () => {
    const b = await bank(storage());
    const bad = await b.host.authorise(b.arqc(100, { request: { pan: '62123X' } }));
    expect([bad.responseCode, bad.reason, bad.arpc]).toEqual(['14', 'PAN "62123X" is not 12 to 19 digits', undefined]);
    const unknown = await b.host.authorise(b.arqc(100, { request: { pan: '6212340000000000000' } }));
    expect([unknown.responseCode, unknown.reason, unknown.approved]).toEqual(['14', 'no account for PAN 621234*********0000', false]);
  });

  it('30: field 55 unreadable, incomplete, not an ARQC, or not what the request says', async () => {
    const b = await bank(storage());
    const cases: [(r: ReturnType<typeof b.arqc>) => void, RegExp][] = [
      [(r) => (r.iccData = Uint8Array.of(0x9f, 0x26, 0x08, 1, 2)), /^field 55 is not valid BER-TLV: value of 9F26 truncated/],
      [(r) => (r.iccData = r.iccData.subarray(11)), /^field 55 lacks 9F26 \(the ARQC and what it covers\)$/],
      [(r) => (r.iccData = encodeTlv(decodeTlv(r.iccData).filter((t) => t.tag !== '9F1A'))), /^field 55 lacks 9F1A \(covered by the cryptogram\)$/],
      [(r) => (r.iccData = concat(r.iccData, tlv('9F36', Uint8Array.of(0, 1)))), /^field 55: 9F36 appears twice$/],
      [(r) => (r.iccData = concat(r.iccData, tlv('9A', Uint8Array.of(0x26)))), /^field 55: 9A appears twice$/],
      [(r) => (r.amount = 999), /^field 55 9F02 \(000000000100\) differs from the request's amount \(000000000999\)$/],
      [(r) => (r.panSequence = '1'), /^PAN sequence number "1" is not 2 digits$/],
      [(r) => (r.transactionType = 0x01), /^field 55 9C \(00\) differs from the request's transaction type \(01\)$/],
    ];
    for (const [change, reason] of cases) {
      const req = b.arqc(100);
      change(req);
      const r = await b.host.authorise(req);
      expect([r.responseCode, r.arpc]).toEqual(['30', undefined]);
      expect(r.reason).toMatch(reason);
    }
    // a TC sent for online authorisation
    const req = b.arqc(100);
    const at = toHex(req.iccData).indexOf('9F270180');
    req.iccData[at / 2 + 3] = 0x40;
    const tc = await b.host.authorise(req);
    expect([tc.responseCode, tc.reason]).toEqual(['30', '9F27 40 is not an ARQC: an online authorisation needs one']);
    // currency other than the account's
    const usd = await b.host.authorise(b.arqc(100, { currency: '0840' }));
    expect([usd.responseCode, usd.reason]).toEqual(['30', "currency 0840 is not the account's (0156)"]);
  });

  it('05: a wrong cryptogram, a replayed one, no keys for the BIN, another algorithm', async () => {
    const b = await bank(storage());
    const wrong = b.arqc(100);
    wrong.iccData[3]! ^= 0x01; // first byte of the ARQC
    expect(await b.host.authorise(wrong)).toMatchObject({ responseCode: '05', reason: 'the ARQC does not verify (wrong cryptogram)', approved: false });

    const first = b.arqc(100);
    expect((await b.host.authorise(first)).responseCode).toBe('00');
    const replay = await b.host.authorise({ ...first, transactionId: `${first.transactionId}-again` });
    expect([replay.responseCode, replay.arpc]).toEqual(['05', undefined]);
    expect(replay.reason).toMatch(/^ATC \d+ is not above the last online ATC \d+ \(replayed cryptogram\)$/);

    const elsewhere = b.hostWith(new IssuerKeyring(keySetsFromJson(profileJson('sichuan'), 'sichuan')));
    expect(await elsewhere.authorise(b.arqc(100))).toMatchObject({ responseCode: '05', reason: 'no issuer keys for the BIN of 621234*********' + b.pan.slice(-4) });

    const tdes = b.hostWith(new IssuerKeyring(keySetsFromJson(profileJson('shanghai', { algorithm: '3DES' }), 'shanghai 3DES')));
    expect(await tdes.authorise(b.arqc(100))).toMatchObject({ responseCode: '05', reason: 'the card computes with SM4, the issuer keys of its BIN are 3DES' });
  });

  it('62 card blocked, 78 account blocked or closed — with an ARPC over their ARC, nothing held', async () => {
    const b = await bank(storage());
    await b.host.setCardBlocked(b.pan, true);
    const blockedCard = await b.host.authorise(b.arqc(100));
    expect([blockedCard.responseCode, blockedCard.reason, toHex(blockedCard.authorisationResponseCode)]).toEqual(['62', 'card blocked at the issuer', '3632']);
    expect(blockedCard.arpc).toHaveLength(8);
    await b.host.setCardBlocked(b.pan, false);
    await b.host.setAccountStatus(b.pan, 'blocked');
    expect(await b.host.authorise(b.arqc(100))).toMatchObject({ responseCode: '78', reason: 'account blocked' });
    await b.host.setAccountStatus(b.pan, 'active');
    expect((await b.host.authorise(b.arqc(100))).responseCode).toBe('00');
    await b.host.setAccountStatus(b.pan, 'closed');
    expect(await b.host.authorise(b.arqc(100))).toMatchObject({ responseCode: '78', reason: 'account closed' });
    await expect(b.host.setAccountStatus(b.pan, 'active')).rejects.toThrow('a closed account is not reopened');
    expect((await b.host.account(b.pan))!.held).toBe(100);
  });

  it('55 wrong online PIN with tries counted, 75 once they run out (even with the right PIN), unblocked at the host', async () => {
    const b = await bank(storage());
    const pin = (p: string) => b.host.authorise(b.arqc(100, { request: { onlinePin: p } }));
    expect(await pin('000000')).toMatchObject({ responseCode: '55', reason: 'wrong online PIN (2 tries left)' });
    expect((await pin('123456')).responseCode).toBe('00'); // the right PIN resets the tries
    expect((await b.host.account(b.pan))!.pinTriesLeft).toBe(3);
    expect(await pin('111111')).toMatchObject({ responseCode: '55', reason: 'wrong online PIN (2 tries left)' });
    expect(await pin('222222')).toMatchObject({ responseCode: '55', reason: 'wrong online PIN (1 try left)' });
    expect(await pin('333333')).toMatchObject({ responseCode: '75', reason: 'wrong online PIN: no tries left, the online PIN is now blocked' });
    expect(await pin('123456')).toMatchObject({ responseCode: '75', reason: 'online PIN blocked (tries exhausted)' });
    expect((await b.host.authorise(b.arqc(100))).responseCode).toBe('00'); // no PIN entered: not a PIN decision
    expect((await b.host.account(b.pan))!.onlinePin).toBe('blocked');
    await b.host.unblockPin(b.pan);
    expect((await pin('123456')).responseCode).toBe('00');
  });

  it('51 insufficient funds, counting what earlier authorisations and queued EC loads hold', async () => {
    const b = await bank(storage(), { balance: 5000 });
    expect((await b.host.authorise(b.arqc(3000))).responseCode).toBe('00');
    await b.host.queueScript(b.pan, { kind: 'ec-load', amount: 1500 });
    const r = await b.host.authorise(b.arqc(501));
    expect([r.responseCode, r.reason, toHex(r.authorisationResponseCode)]).toEqual(['51', 'insufficient funds: 5.01 asked, 5.00 available', '3531']);
    expect(r.arpc).toHaveLength(8);
    expect((await b.host.authorise(b.arqc(500))).responseCode).toBe('00');
  });

  it('EC load transaction (9C = 60): 30 without the card balance 9F79, 13 above the EC limit, 05 when the card is ahead of the ledger', async () => {
    const b = await bank(storage(), { balance: 500_000 });
    const load = (amount: number, withEc = true) => b.host.authorise(b.arqc(amount, { type: 0x60, withEc }));
    expect(await load(1000, false)).toMatchObject({ responseCode: '30', reason: 'an EC load needs the card EC balance 9F79 in field 55' });
    expect(await load(97_001)).toMatchObject({ responseCode: '13', reason: 'EC load of 970.01 would bring the card to 1000.01, above its EC balance limit 1000.00' });
    // the bank's ledger behind the card: the account says 0.00 while the card holds 30.00
    await b.storage.transaction(async (st) => {
      const a = (await st.account(b.pan))!;
      await st.updateAccount({ ...a, ecBalance: 0 });
    });
    expect(await b.host.authorise(b.arqc(1000, { type: 0x60 }))).toMatchObject({ responseCode: '05', reason: "the card's EC balance 30.00 is above the ledger's 0.00" });
  });

  it('94: a transaction ID used for another request; the first answer is untouched', async () => {
    const b = await bank(storage());
    const req = b.arqc(700);
    const first = await b.host.authorise(req);
    const other = await b.host.authorise({ ...b.arqc(800), transactionId: req.transactionId });
    expect([other.responseCode, other.approved, other.arpc]).toEqual(['94', false, undefined]);
    expect(other.reason).toBe(`transaction ID ${req.transactionId} was already used for another request (answered 00)`);
    expect(await b.host.authorise(req)).toEqual(first);
    expect((await b.host.account(b.pan))!.held).toBe(700);
  });

  it('a request the terminal got wrong is an IssuerRequestError, not an answer', async () => {
    const b = await bank(storage());
    const req = b.arqc(100);
    await expect(b.host.authorise({ ...req, transactionId: '' })).rejects.toThrow(/transactionId: must be 1 to 64 printable ASCII/);
    await expect(b.host.authorise({ ...req, amount: 1.5 })).rejects.toThrow(/amount: must be an integer number of fen/);
    await expect(b.host.authorise({ ...req, currency: 'CNY' })).rejects.toThrow(/currency: must be 4 digits/);
    await expect(b.host.complete({ transactionId: 'nope', cardApproved: true, iccData: new Uint8Array(0) })).rejects.toThrow('complete: no authorisation nope');
  });
});
