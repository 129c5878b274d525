// The card's life through the real flows: two real cards of one person (personalised by the card's own
// personaliser), the real PSAM, the hospital settlement flow and the quick payment asking the
// card-management host through the CardStatusPort, the real centre and bank in memory. Amounts are
// computed by hand from fixtures/bills/outpatient.json and the documented default policy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { createCard, MemoryCardStore } from '../../../src/card/index.js';
import { personalizePsam } from '../../../src/card/apps/psam/index.js';
import { personalize } from '../../../src/card/personalize/personalize.js';
import type { Holder } from '../../../src/card/personalize/holder.js';
import { readIssuedCard, resetPinAtWindow } from '../../../src/terminal/flows/card-life.js';
import { cardManagementStatus } from '../../../src/terminal/flows/card-management-status.js';
import { HospitalSettlement } from '../../../src/terminal/flows/hospital-settlement.js';
import { quickPay } from '../../../src/terminal/flows/quick-pay.js';
import { SqliteSettlementJournal } from '../../../src/terminal/flows/settlement/sqlite-journal.js';
import { bankCardPort, centreCardPort, openCardManagement, type CardManagementHost } from '../../../src/terminal/hosts/card-management/index.js';
import { openIssuerHost, type IssuerHost } from '../../../src/terminal/hosts/issuer/index.js';
import { openCentre, parseBill, readJsonFile, type Bill, type OpenCentre } from '../../../src/terminal/hosts/medical-insurance/index.js';
import { SsseReader } from '../../../src/terminal/kernels/ssse-reader/index.js';
import { PsamClient } from '../../../src/terminal/psam/psam-client.js';
import { SimulatedReader } from '../../../src/terminal/readers/simulated.js';
import { holderLi, shanghaiProfile, terminalConfig, NOW, ISSUED } from './helpers/world.js';

const clock = fixedClock(NOW);
const HOSPITAL = { kind: 'designated-medical' as const, id: 'H31010400123' };

/** 李文静's second card: the same person, card number X00000019 (DOMAIN.md §1.2's list), another serial. */
function holderLiNewCard(): Holder {
  return { ...holderLi(), cardNumber: 'X00000019', serial: '00D4E5F6' };
}

interface TestCard {
  store: MemoryCardStore;
  reader(): SimulatedReader;
  pan: string;
}

function makeCard(holder: Holder, seed: number): TestCard {
  const image = personalize(shanghaiProfile(), holder, { random: seededRandom(seed), clock: fixedClock(ISSUED) });
  const store = new MemoryCardStore(image);
  const random = seededRandom(seed + 100);
  return {
    store,
    reader: () => new SimulatedReader(createCard(store.load(), { random, clock, log: silentLogger() }, { store }), { name: `card ${holder.cardNumber}` }),
    pan: (image.apps.pboc as { pan: string }).pan,
  };
}

function outpatient(suffix: string): Bill {
  const raw = readJsonFile(new URL('../../../fixtures/bills/outpatient.json', import.meta.url).pathname, 'bill') as Record<string, unknown>;
  return parseBill({ ...raw, ipt_otp_no: `MZ-${suffix}`, chrg_bchno: `CB-${suffix}` }, 'outpatient.json');
}

let psam: PsamClient;
let issuer: IssuerHost;
let centre: OpenCentre;
let cards: CardManagementHost;
let journal: SqliteSettlementJournal;
let oldCard: TestCard;
let newCard: TestCard;

async function issue(card: TestCard, replaces?: string) {
  const reader = card.reader();
  await reader.connect('contact');
  const issued = await readIssuedCard(new SsseReader(reader, { random: seededRandom(5), clock, psam }), reader);
  await reader.disconnect();
  expect(issued.check).toBe('authentic');
  await cards.issue(issued, replaces ? { replaces } : {});
  return issued;
}

function flow() {
  return new HospitalSettlement({ centre: centre.centre, issuer, journal, terminal: terminalConfig(), clock, random: seededRandom(21), cardStatus: cardManagementStatus(cards, HOSPITAL) });
}

beforeEach(async () => {
  const psamReader = new SimulatedReader(createCard(personalizePsam(shanghaiProfile(), { random: seededRandom(13), terminalId: '310000000001' }), { random: seededRandom(14), clock, log: silentLogger() }));
  await psamReader.connect('contact');
  psam = new PsamClient(psamReader);
  issuer = openIssuerHost({ memory: true, clock });
  centre = openCentre({ location: { memory: true }, clock });
  journal = SqliteSettlementJournal.open({ memory: true });
  cards = openCardManagement({ location: { memory: true }, clock, bank: bankCardPort(issuer), centre: centreCardPort(centre.centre) });
  oldCard = makeCard(holderLi(), 11);
  newCard = makeCard(holderLiNewCard(), 31);
  // 2,000.00 in her personal account; a bank account for each card
  centre.centre.enrol({ certno: '310104199203154427', psn_name: '李文静', insuplc_admdvs: '310000', insutype: '310', kind: 'employed', balance: 200_000 });
  await issuer.openAccount({ pan: oldCard.pan, balance: 100_000, pin: '123456', holder: '李文静' });
  await issuer.openAccount({ pan: newCard.pan, balance: 100_000, pin: '123456', holder: '李文静' });
});

afterEach(async () => {
  await cards.close();
  await issuer.close();
  centre.close();
  journal.close();
});

describe('the card life through the settlement and quick-pay flows', () => {
  it('an unactivated card: the quick payment is refused before any transaction; at the hospital its first use activates the social-security area', async () => {
    const issued = await issue(oldCard);
    const canteen = cardManagementStatus(cards, { kind: 'merchant', id: 'CANTEEN-01' });
    const paid = await quickPay({ reader: oldCard.reader(), amount: 800 }, { issuer, terminal: terminalConfig(), clock, random: seededRandom(3), cardStatus: canteen });
    expect(paid).toMatchObject({ outcome: 'refused', refusal: { reason: 'not-activated', detail: '金融功能未激活 financial area not activated: activate it at the bank' } });
    expect(paid.contactless).toBeUndefined();

    // a bill with no cash part (the account pays it all): the financial area is not needed
    const settled = await flow().settle({ bill: outpatient('a'), reader: oldCard.reader(), psam, pin: '123456' });
    expect(settled.outcome).toBe('settled');
    const v = await cards.view(issued.cardSn);
    expect(v.states).toEqual({ 'social-security': 'active', financial: 'not-activated' });
    expect(v.card.socialSecurityActivatedAtPlace).toBe('designated-medical:H31010400123');
    expect(v.card.firstMedicalSettlementAt).not.toBeNull();
  });

  it('the old card works until the new card is activated and used once for a medical settlement; then it is deregistered and the account is the new card\'s', async () => {
    const old = await issue(oldCard);
    await cards.activate(old.cardSn, ['social-security', 'financial'], { kind: 'bank', id: 'BANK-0001' });
    const fresh = await issue(newCard, old.cardSn);
    expect(fresh.cardNumber).toBe('X00000019');

    // the old card still works, at the hospital and at the canteen
    const a = await flow().settle({ bill: outpatient('a'), reader: oldCard.reader(), psam, pin: '123456' });
    expect(a.outcome).toBe('settled');
    // 127.60, all 甲, deductible (1,500.00) not met: the person pays it all, from her account
    if (a.outcome === 'settled') expect(a.receipt.split).toMatchObject({ medfee_sumamt: 12760, act_pay_dedc: 12760, hifp_pay: 0, acct_pay: 12760, psn_cash_pay: 0, balc: 187240 });
    expect(await cards.use(old.cardSn, 'financial', { kind: 'merchant', id: 'CANTEEN-01' })).toMatchObject({ usable: true });

    // the new card's first settlement: its social-security area activated by the use, then the old card deregistered
    const b = await flow().settle({ bill: outpatient('b'), reader: newCard.reader(), psam, pin: '123456' });
    expect(b.outcome).toBe('settled');
    if (b.outcome === 'settled') expect(b.receipt.split).toMatchObject({ acct_pay: 12760, balc: 174480 });
    expect((await cards.view(fresh.cardSn)).states['social-security']).toBe('active');
    expect((await cards.view(old.cardSn)).states).toEqual({ 'social-security': 'deregistered', financial: 'deregistered' });

    // the old card is refused from now on (before anything is charged), the account is reached through the new one
    const c = await flow().settle({ bill: outpatient('c'), reader: oldCard.reader(), psam, pin: '123456' });
    expect(c).toMatchObject({ outcome: 'refused', reason: { code: 'card-status' } });
    expect(JSON.stringify(c)).toMatch(/replaced by card X00000019/);
    expect(centre.centre.findPerson(fresh.cardSn)?.balance).toBe(174480);
    expect(centre.centre.store.getCard(old.cardSn)?.status).toBe('deregistered');
    expect((await issuer.account(oldCard.pan))?.cardBlocked).toBe(true);
  });

  it('a PIN reset at the window: RELOAD PIN through the PSAM, the card takes the new PIN', async () => {
    const issued = await issue(oldCard);
    const reader = oldCard.reader();
    await reader.connect('contact');
    const kernel = new SsseReader(reader, { random: seededRandom(6), clock, psam });
    expect(await kernel.checkCard()).toMatchObject({ outcome: 'authentic' });
    const r = await resetPinAtWindow({ kernel, host: cards, cardSn: issued.cardSn, newPin: '975310', place: { kind: 'service-window', id: 'SW01' }, idNumber: '310104199203154427' });
    expect(r.outcome).toBe('reloaded');
    await reader.disconnect();
    const again = oldCard.reader();
    await again.connect('contact');
    const k2 = new SsseReader(again, { random: seededRandom(7), clock });
    expect(await k2.verifyPin('123456')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    expect(await k2.verifyPin('975310')).toEqual({ outcome: 'verified' });
    expect((await cards.view(issued.cardSn)).events.map((e) => e.kind)).toContain('pin-reset');
    // a lost card's PIN is not reset
    await cards.reportLoss(issued.cardSn, { formal: true });
    await expect(resetPinAtWindow({ kernel: k2, host: cards, cardSn: issued.cardSn, newPin: '123456', place: { kind: 'service-window', id: 'SW01' } })).rejects.toThrow(/formally reported lost: its PIN is not reset/);
  });
});
