/**
 * The issuer host against the real simulated card (src/card, personalised by the real personaliser from
 * the bundled Shanghai profile; once with SM4, once with the same profile switched to 3DES): the card's
 * ARQC verified by the host with the keys read from the same profile JSON, the host's ARPC accepted by
 * the card (EXTERNAL AUTHENTICATE and tag 91 in CDOL2), the host's scripts executed by the card, the
 * balances and the EC ledger agreeing with what the card says (GET DATA 9F79).
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../../src/apdu/bytes.js';
import { decodeTlv, findTag, tlv } from '../../../../src/apdu/tlv/ber-tlv.js';
import { fixedClock, seededRandom } from '../../../../src/env.js';
import { readCardAccountData } from '../../../../src/terminal/hosts/issuer/card-account.js';
import { IssuerHost } from '../../../../src/terminal/hosts/issuer/issuer-host.js';
import { MemoryIssuerStorage } from '../../../../src/terminal/hosts/issuer/memory-storage.js';
import type { AuthorisationRequest } from '../../../../src/terminal/hosts/issuer/issuer-port.js';
import { SimulatedReader } from '../../../../src/terminal/readers/simulated.js';
import { completionData, NOW, n12, personalisedCard, profileJson, type TestCardSetup } from './helpers/card.js';

const bcd = (b: Uint8Array) => Number(toHex(b));

async function setup(algorithm: 'SM4' | '3DES', options: { balance?: number; ecLimit?: number; seed?: number } = {}) {
  const card = personalisedCard(profileJson('shanghai', { algorithm, ec: { balance: 3000 } }), options.seed ?? 11);
  const host = new IssuerHost({ storage: new MemoryIssuerStorage(), keyring: card.keyring, clock: fixedClock(NOW), random: seededRandom(5) });
  // the bank reads the card to open its account (no transaction: the ATC does not move)
  const reader = new SimulatedReader(card.card, { name: 'test card' });
  await reader.connect('contact');
  const data = await readCardAccountData(reader);
  expect(data).toMatchObject({ pan: card.pan, panSequence: card.psn, ecBalance: 3000, ecBalanceLimit: 100_000 });
  expect(toHex(card.terminal.getData('9F36'))).toBe('0000');
  await host.openAccount({
    pan: data.pan,
    balance: options.balance ?? 100_000,
    ecBalance: data.ecBalance!,
    ecBalanceLimit: options.ecLimit ?? data.ecBalanceLimit!,
    pin: '123456',
  });
  return { ...card, host };
}

let seq = 0;
function request(c: TestCardSetup, iccData: Uint8Array, amount: number, extra: Partial<AuthorisationRequest> = {}): AuthorisationRequest {
  return { transactionId: `rc-${++seq}`, pan: c.pan, panSequence: c.psn, amount, otherAmount: 0, currency: '0156', transactionType: 0, channel: 'contact', iccData, ...extra };
}

/** GPO, GET DATA 9F79, GENERATE AC 1; field 55 with the card's EC balance. */
function firstCryptogram(c: TestCardSetup, amount: number, type = 0) {
  c.terminal.startContact({ amount, type });
  const ec = c.terminal.getData('9F79');
  const gac1 = c.terminal.gac1({ amount, type, un: 'A1B2C3D4' });
  expect(gac1.cid).toBe(0x80);
  return { gac1, field55: c.terminal.field55(gac1, [tlv('9F79', ec)]) };
}

describe.each(['SM4', '3DES'] as const)('issuer host and the real card (%s)', (alg) => {
  it('online purchase: ARQC verified, ARPC accepted, TC posted; the EC load script reaches the card and the ledgers agree', async () => {
    const c = await setup(alg);
    const load = await c.host.queueScript(c.pan, { kind: 'ec-load', amount: 20_000 });
    expect((await c.host.account(c.pan))!.available).toBe(80_000);

    const { field55 } = firstCryptogram(c, 1250);
    const r = await c.host.authorise(request(c, field55, 1250));
    expect([r.responseCode, r.reason, r.approved]).toEqual(['00', 'approved', true]);
    expect(r.balance).toBe(100_000 - 1250 - 20_000);
    // the card authenticates the issuer …
    expect(c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode)).toBe(0x9000);
    // … and gives its TC
    const gac2 = c.terminal.gac2(toHex(r.authorisationResponseCode));
    expect(gac2.cid).toBe(0x40);
    // template 72: PUT DATA 9F79 with the new balance 30.00 + 200.00, accepted by the card's MAC check
    const scripts = decodeTlv(r.issuerScripts);
    expect(scripts.map((s) => s.tag)).toEqual(['72']);
    expect(toHex(findTag(scripts, '9F18')!.value)).toBe(load.id.toString(16).padStart(8, '0'));
    expect(toHex(findTag(scripts, '86')!.value).slice(0, 22)).toBe(`04DA9F790A${n12(23_000)}`);
    const run = c.terminal.runScripts(r.issuerScripts, '72');
    expect(run.sws).toEqual([0x9000]);
    await c.host.complete({ transactionId: r.transactionId, cardApproved: true, iccData: completionData(gac2, run.results) });

    const a = (await c.host.account(c.pan))!;
    expect(bcd(c.terminal.getData('9F79'))).toBe(23_000);
    expect([a.balance, a.available, a.ecBalance, a.held, a.pendingEcLoads]).toEqual([100_000 - 1250 - 20_000, 100_000 - 1250 - 20_000, 23_000, 0, 0]);
    expect((await c.host.transaction(r.transactionId))!.status).toBe('posted');
    const ledger = (await c.host.statement(c.pan)).ledger.map((e) => [e.kind, e.accountDelta, e.ecDelta]);
    expect(ledger).toEqual([
      ['purchase', -1250, 0],
      ['ec-load', -20_000, 20_000],
      ['opening', 100_000, 3000],
    ]);
    // the card logged the load (SFI 12): P1P2 9F79, before 30.00, after 230.00
    expect(toHex(c.terminal.ok('00B2016400')).slice(0, 28)).toBe(`9F79${n12(3000)}${n12(23_000)}`);
  });

  it('issuer authentication inside GENERATE AC 2 (tag 91 in CDOL2) and the TC checked at completion', async () => {
    const c = await setup(alg);
    const { field55 } = firstCryptogram(c, 990);
    const r = await c.host.authorise(request(c, field55, 990));
    expect(r.responseCode).toBe('00');
    const gac2 = c.terminal.gac2('3030', { issuerAuth: r.issuerAuthenticationData!, tvr: '0000000000' });
    expect(gac2.cid).toBe(0x40);
    expect(toHex(c.terminal.getData('9F13'))).toBe(toHex(gac2.atc)); // issuer authenticated: last online ATC
    await c.host.complete({ transactionId: r.transactionId, cardApproved: true, iccData: completionData(gac2, [], [tlv('95', fromHex('0000000000'))]) });
    expect((await c.host.transaction(r.transactionId))!.status).toBe('posted');
  });

  it('a TC that does not verify is rejected at completion: nothing posted, the hold released', async () => {
    const c = await setup(alg);
    const { field55 } = firstCryptogram(c, 500);
    const r = await c.host.authorise(request(c, field55, 500));
    c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode);
    const gac2 = c.terminal.gac2('3030');
    gac2.ac[0]! ^= 0x80;
    await c.host.complete({ transactionId: r.transactionId, cardApproved: true, iccData: completionData(gac2) });
    const t = (await c.host.transaction(r.transactionId))!;
    expect([t.status, t.reason]).toEqual(['rejected', 'completion rejected, nothing posted: the TC does not verify']);
    expect((await c.host.account(c.pan))!).toMatchObject({ balance: 100_000, available: 100_000 });
  });

  it('a decline (51) carries an ARPC over "51": the card authenticates it and answers AAC; the card declined, nothing held', async () => {
    const c = await setup(alg, { balance: 1000 });
    const { field55 } = firstCryptogram(c, 5000);
    const r = await c.host.authorise(request(c, field55, 5000));
    expect([r.responseCode, r.approved, toHex(r.authorisationResponseCode)]).toEqual(['51', false, '3531']);
    expect(c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode)).toBe(0x9000);
    const gac2 = c.terminal.gac2('3531');
    expect(gac2.cid).toBe(0x00);
    await c.host.complete({ transactionId: r.transactionId, cardApproved: false, iccData: completionData(gac2) });
    expect((await c.host.transaction(r.transactionId))!.status).toBe('declined');
    expect((await c.host.account(c.pan))!.available).toBe(1000);
  });

  it('a tampered ARPC is refused by the card (6300, then AAC)', async () => {
    const c = await setup(alg);
    const { field55 } = firstCryptogram(c, 100);
    const r = await c.host.authorise(request(c, field55, 100));
    const arpc = Uint8Array.from(r.arpc!);
    arpc[7]! ^= 0x01;
    expect(c.terminal.externalAuthenticate(arpc, r.authorisationResponseCode)).toBe(0x6300);
    expect(c.terminal.gac2('3030').cid).toBe(0x00);
  });

  it('qPBOC: an offline EC purchase is cleared (TC and EC balance MAC verified) and the ledger follows the card', async () => {
    const c = await setup(alg);
    const tc = c.terminal.qpboc({ amount: 1800, un: '0BADF00D' });
    expect(tc.cid).toBe(0x40);
    const cardEc = bcd(findTag(tc.nodes, '9F5D')!.value);
    expect(cardEc).toBe(1200);
    const clearing = { transactionId: 'q-1', pan: c.pan, panSequence: c.psn, amount: 1800, currency: '0156', channel: 'contactless' as const, iccData: c.terminal.field55(tc) };
    const result = await c.host.clearOffline(clearing);
    expect(result).toEqual({ accepted: true, reason: 'cleared: EC spending 18.00; the card reports 12.00, the ledger agrees' });
    expect((await c.host.account(c.pan))!).toMatchObject({ ecBalance: 1200, balance: 100_000 });
    // the same TC under another transaction ID is the same spending: refused
    const again = await c.host.clearOffline({ ...clearing, transactionId: 'q-2' });
    expect(again).toEqual({ accepted: false, reason: `rejected: ATC ${bcd(tc.atc)} was already cleared (transaction q-1)` });
    expect((await c.host.account(c.pan))!.ecBalance).toBe(1200);
  });

  it('contact offline approval (TC in GENERATE AC 1, under the card offline limit) is cleared as an offline debit', async () => {
    const card = personalisedCard(profileJson('shanghai', { algorithm: alg, risk: { consecutiveOfflineLimit: 5, offlineAmountLimit: 5000 } }), 12);
    const host = new IssuerHost({ storage: new MemoryIssuerStorage(), keyring: card.keyring, clock: fixedClock(NOW), random: seededRandom(5) });
    await host.openAccount({ pan: card.pan, balance: 100 });
    card.terminal.startContact({ amount: 4000 });
    const tc = card.terminal.gac1({ amount: 4000 }, 'TC');
    expect(tc.cid).toBe(0x40);
    const clearing = { transactionId: 'off-contact', pan: card.pan, panSequence: card.psn, amount: 4000, currency: '0156', channel: 'contact' as const, iccData: card.terminal.field55(tc) };
    expect(await host.clearOffline(clearing)).toEqual({ accepted: true, reason: 'cleared: offline debit 40.00' });
    // the card approved offline: the bank honours it even below zero
    expect((await host.account(card.pan))!.balance).toBe(100 - 4000);
    const tampered = { ...clearing, transactionId: 'off-contact-2', iccData: card.terminal.field55({ ...tc, ac: tc.ac.map((b, i) => (i === 0 ? b ^ 1 : b)) }) };
    expect(await host.clearOffline(tampered)).toEqual({ accepted: false, reason: 'rejected: the TC does not verify' });
  });

  it('qPBOC online (amount above the EC balance): ARQC authorised, completed without a second cryptogram', async () => {
    const c = await setup(alg);
    const arqc = c.terminal.qpboc({ amount: 8800, un: '01020304' });
    expect(arqc.cid).toBe(0x80);
    const r = await c.host.authorise(request(c, c.terminal.field55(arqc), 8800, { channel: 'contactless' }));
    expect(r.responseCode).toBe('00');
    await c.host.complete({ transactionId: r.transactionId, cardApproved: true, iccData: new Uint8Array(0) });
    expect((await c.host.account(c.pan))!.balance).toBe(100_000 - 8800);
  });

  it('EC load transaction (9C = 60): the load script in the same answer; account debited, EC credited on the result', async () => {
    const c = await setup(alg);
    const { field55 } = firstCryptogram(c, 10_000, 0x60);
    const r = await c.host.authorise(request(c, field55, 10_000, { transactionType: 0x60 }));
    expect(r.responseCode).toBe('00');
    c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode);
    const gac2 = c.terminal.gac2('3030');
    const run = c.terminal.runScripts(r.issuerScripts, '72');
    expect(run.sws).toEqual([0x9000]);
    await c.host.complete({ transactionId: r.transactionId, cardApproved: gac2.cid === 0x40, iccData: completionData(gac2, run.results) });
    expect(bcd(c.terminal.getData('9F79'))).toBe(13_000);
    expect((await c.host.account(c.pan))!).toMatchObject({ balance: 90_000, ecBalance: 13_000, available: 90_000 });
    expect((await c.host.transaction(r.transactionId))!.status).toBe('posted');
  });

  it('a script the card refuses (EC load above its own limit 9F77: 6A80) fails; the hold is released, nothing credited', async () => {
    const c = await setup(alg, { ecLimit: 200_000 }); // the bank believes in a higher limit than the card has
    await c.host.queueScript(c.pan, { kind: 'ec-load', amount: 100_000 - 3000 + 1 }); // 1 fen over the card's 1000.00
    const { field55 } = firstCryptogram(c, 100);
    const r = await c.host.authorise(request(c, field55, 100, { transactionId: 'big', amount: 100 }));
    c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode);
    const gac2 = c.terminal.gac2('3030');
    const run = c.terminal.runScripts(r.issuerScripts, '72');
    expect(run.sws).toEqual([0x6a80]);
    expect(run.results[0]).toMatchObject({ result: 'failed', sequence: 1 });
    await c.host.complete({ transactionId: 'big', cardApproved: true, iccData: completionData(gac2, run.results) });
    const s = await c.host.statement(c.pan);
    expect(s.scripts[0]).toMatchObject({ status: 'failed', note: 'failed: the card refused command 1' });
    expect(s.account).toMatchObject({ ecBalance: 3000, pendingEcLoads: 0, balance: 99_900, available: 99_900 });
    expect(bcd(c.terminal.getData('9F79'))).toBe(3000);
  });

  it('maintenance scripts: PIN CHANGE (then the new PIN online), PIN UNBLOCK, UPDATE RECORD, PUT DATA 9F78, APPLICATION BLOCK, CARD BLOCK', async () => {
    const c = await setup(alg);
    // block the card's offline PIN: three wrong VERIFY
    c.terminal.startContact({ amount: 1 });
    for (let i = 0; i < 3; i++) c.terminal.send('002000800826999999FFFFFFFF');
    expect(c.terminal.send('002000800826123456FFFFFFFF').sw).toBe(0x6983);
    expect(c.terminal.ok('00B2010C00')[0]).toBe(0x70);
    const newRecord = toHex(tlv('70', tlv('5F20', new TextEncoder().encode('ZHANG/SAN')))); // record 1 of SFI 1, rewritten
    await c.host.queueScript(c.pan, { kind: 'pin-unblock' });
    await c.host.queueScript(c.pan, { kind: 'put-data', tag: '9F78', value: 30_000 });
    await c.host.queueScript(c.pan, { kind: 'update-record', sfi: 1, record: 1, data: newRecord });

    let { gac1, field55 } = firstCryptogram(c, 200);
    let r = await c.host.authorise(request(c, field55, 200));
    c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode);
    let gac2 = c.terminal.gac2('3030');
    let run = c.terminal.runScripts(r.issuerScripts, '72');
    expect(run.sws).toEqual([0x9000, 0x9000, 0x9000]);
    await c.host.complete({ transactionId: r.transactionId, cardApproved: true, iccData: completionData(gac2, run.results) });
    expect(toHex(c.terminal.getData('9F17'))).toBe('03');
    expect(bcd(c.terminal.getData('9F78'))).toBe(30_000);
    expect(toHex(c.terminal.ok('00B2010C00'))).toBe(newRecord);
    expect(gac1.cid).toBe(0x80);

    // PIN CHANGE: the card's offline PIN, and the host's online PIN once the card confirms
    await c.host.queueScript(c.pan, { kind: 'pin-change', newPin: '246810' });
    ({ gac1, field55 } = firstCryptogram(c, 300));
    r = await c.host.authorise(request(c, field55, 300));
    c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode);
    gac2 = c.terminal.gac2('3030');
    run = c.terminal.runScripts(r.issuerScripts, '72');
    expect(run.sws).toEqual([0x9000]);
    await c.host.complete({ transactionId: r.transactionId, cardApproved: true, iccData: completionData(gac2, run.results) });
    c.terminal.startContact({ amount: 1 });
    expect(c.terminal.send('002000800826246810FFFFFFFF').sw).toBe(0x9000);
    ({ field55 } = firstCryptogram(c, 400));
    expect((await c.host.authorise(request(c, field55, 400, { onlinePin: '123456' }))).responseCode).toBe('55');
    ({ field55 } = firstCryptogram(c, 400));
    expect((await c.host.authorise(request(c, field55, 400, { onlinePin: '246810' }))).responseCode).toBe('00');

    // APPLICATION BLOCK (template 71, before GENERATE AC 2): the card answers AAC, then SELECT 6283
    await c.host.queueScript(c.pan, { kind: 'application-block' });
    ({ field55 } = firstCryptogram(c, 500));
    r = await c.host.authorise(request(c, field55, 500));
    expect(decodeTlv(r.issuerScripts).map((t) => t.tag)).toEqual(['71']);
    c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode);
    run = c.terminal.runScripts(r.issuerScripts, '71');
    expect(run.sws).toEqual([0x9000]);
    gac2 = c.terminal.gac2('3030');
    expect(gac2.cid).toBe(0x00);
    await c.host.complete({ transactionId: r.transactionId, cardApproved: false, iccData: completionData(gac2, run.results) });
    expect((await c.host.transaction(r.transactionId))!.status).toBe('released');
    c.terminal.powerOn('contact');
    expect(c.terminal.select().sw).toBe(0x6283);
  });

  it('CARD BLOCK: with the host blocking the card (62) the script still reaches it; the payment applications then refuse selection', async () => {
    const c = await setup(alg);
    await c.host.setCardBlocked(c.pan, true, { script: true });
    const { field55 } = firstCryptogram(c, 700);
    const r = await c.host.authorise(request(c, field55, 700));
    expect([r.responseCode, r.reason]).toEqual(['62', 'card blocked at the issuer']);
    expect(c.terminal.externalAuthenticate(r.arpc!, r.authorisationResponseCode)).toBe(0x9000);
    const run = c.terminal.runScripts(r.issuerScripts, '71');
    expect(run.sws).toEqual([0x9000]);
    c.terminal.powerOn('contact');
    expect(c.terminal.select().sw).toBe(0x6a81);
  });
});
