// The card-management host's rules (DOMAIN.md §5, docs/card-life.md) over an in-memory SQLite database,
// pushing to a real in-memory bank (issuer host) and centre. Expected outcomes and amounts are written
// out here from the seeds and the documented policy, never taken from the code under test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../../src/env.js';
import { openCardManagement, bankCardPort, centreCardPort, type CardManagementHost, type IssuedCard, type Place } from '../../../../src/terminal/hosts/card-management/index.js';
import { openIssuerHost, type IssuerHost } from '../../../../src/terminal/hosts/issuer/index.js';
import {
  CentreError,
  billContext,
  openCentre,
  outpatientFeesOfBill,
  outpatientSettlementOfBill,
  parseBill,
  readJsonFile,
  registrationOfBill,
  type OpenCentre,
} from '../../../../src/terminal/hosts/medical-insurance/index.js';

/** A clock the test moves. 2026-03-02 10:00:00 China time. */
function movableClock(start = Date.parse('2026-03-02T02:00:00Z')) {
  let t = start;
  const clock: Clock & { advance(ms: number): void; set(iso: string): void } = {
    now: () => new Date(t),
    advance: (ms) => void (t += ms),
    set: (iso) => void (t = Date.parse(iso)),
  };
  return clock;
}

/** Luhn check digit (ISO/IEC 7812-1 Annex B), written out for the test's PANs. */
function withLuhn(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

const HOLDER = {
  idNumber: '310104199203154427',
  name: '李文静',
  sex: '2',
  nation: '01',
  birthplace: '310104',
  birthDate: '19920315',
  cardCategory: '3',
  personId: '310000000001',
  firstApplicationRegion: '310000',
};
// 李文静's card of the seeds (fixtures/centre/persons.json) and a second card for her (card number from
// DOMAIN.md §1.2's list of real numbers that check).
const OLD_PAN = withLuhn('621234000000001');
const NEW_PAN = withLuhn('621234000000002');
const OLD: IssuedCard = { cardSn: '310000D15600000500A1B2C3341C081B', cardNumber: 'SH0012349', region: '310000', holder: HOLDER, pan: OLD_PAN, panSequence: '01' };
const NEW: IssuedCard = { cardSn: '310000D15600000500D4E5F6A1B2C3D4', cardNumber: 'B7K334774', region: '310000', holder: HOLDER, pan: NEW_PAN, panSequence: '01' };

const HOSPITAL: Place = { kind: 'designated-medical', id: 'H31010400123' };
const BANK: Place = { kind: 'bank', id: 'BR310001' };
const SHOP: Place = { kind: 'merchant', id: 'M0001' };
const KIOSK: Place = { kind: 'self-service', id: 'K01' };
const WINDOW: Place = { kind: 'service-window', id: 'SW01' };
const DAY = 24 * 3600 * 1000;

let clock: ReturnType<typeof movableClock>;
let issuer: IssuerHost;
let centre: OpenCentre;
let cards: CardManagementHost;

beforeEach(async () => {
  clock = movableClock();
  issuer = openIssuerHost({ memory: true, clock });
  centre = openCentre({ location: { memory: true }, clock });
  // 李文静 insured in Shanghai with 2,000.00 in her personal account, no card bound yet
  centre.centre.enrol({ certno: HOLDER.idNumber, psn_name: HOLDER.name, insuplc_admdvs: '310000', insutype: '310', kind: 'employed', balance: 200000 });
  await issuer.openAccount({ pan: OLD_PAN, balance: 100000, holder: HOLDER.name });
  await issuer.openAccount({ pan: NEW_PAN, balance: 50000, holder: HOLDER.name });
  cards = openCardManagement({ location: { memory: true }, clock, bank: bankCardPort(issuer), centre: centreCardPort(centre.centre) });
});

afterEach(async () => {
  await cards.close();
  await issuer.close();
  centre.close();
});

async function bankBlocked(pan: string): Promise<boolean | undefined> {
  return (await issuer.account(pan))?.cardBlocked;
}

/** Activates both areas of a card: the social-security area at its first use at the hospital, the financial area at the bank. */
async function activateBoth(card: IssuedCard): Promise<void> {
  expect((await cards.use(card.cardSn, 'social-security', HOSPITAL)).usable).toBe(true);
  await cards.activate(card.cardSn, ['financial'], BANK);
}

let msgSeq = 0;
/** 1101 → 2201 → 2204 → 2207 of fixtures/bills/outpatient.json with a card, at the centre's in-process face. */
function settleOutpatient(card: IssuedCard, suffix: string) {
  const raw = readJsonFile('fixtures/bills/outpatient.json', 'bill') as Record<string, unknown>;
  const bill = parseBill({ ...raw, ipt_otp_no: `MZ-${suffix}`, chrg_bchno: `CB-${suffix}` }, 'outpatient.json');
  const ctx = () => billContext(bill, `H31010400123${String(++msgSeq).padStart(8, '0')}`, '310000');
  const info = centre.centre.personInfo(ctx(), { mdtrt_cert_type: '03', mdtrt_cert_no: card.cardNumber, card_sn: card.cardSn });
  const patient = { psn_no: info.baseinfo.psn_no, insutype: '310' as const, mdtrt_cert_type: '03' as const, mdtrt_cert_no: card.cardNumber };
  const { mdtrt_id } = centre.centre.registerOutpatient(ctx(), registrationOfBill(bill, patient));
  centre.centre.uploadOutpatientFees(ctx(), outpatientFeesOfBill(bill, mdtrt_id, patient.psn_no));
  return centre.centre.settleOutpatient(ctx(), outpatientSettlementOfBill(bill, patient, mdtrt_id)).setlinfo;
}

describe('activation', () => {
  it('an unactivated card is refused in both areas, each with its reason, and the bank blocks it', async () => {
    await cards.issue(OLD);
    const ss = await cards.use(OLD.cardSn, 'social-security', KIOSK);
    expect(ss).toMatchObject({ usable: false, code: 'not-activated', area: 'social-security' });
    expect(ss.message).toMatch(/^社保功能未激活 social-security area not activated: activate it at first use at a designated hospital or pharmacy/);
    const fin = await cards.use(OLD.cardSn, 'financial', HOSPITAL);
    expect(fin).toMatchObject({ usable: false, code: 'not-activated', area: 'financial' });
    expect(fin.message).toBe('金融功能未激活 financial area not activated: activate it at the bank');
    // a shop does not activate the social-security area either
    expect(await cards.use(OLD.cardSn, 'social-security', SHOP)).toMatchObject({ usable: false, code: 'not-activated' });
    // the bank was told: the card is blocked at the host (62) while its financial area is not activated
    expect(await bankBlocked(OLD_PAN)).toBe(true);
    // the centre does not know the card before its social-security area is activated
    expect(centre.centre.findPerson(OLD.cardSn)).toBeUndefined();
  });

  it('the social-security area is activated by its first use at a designated hospital; the financial area only at the bank', async () => {
    await cards.issue(OLD);
    const first = await cards.use(OLD.cardSn, 'social-security', HOSPITAL);
    expect(first).toMatchObject({ usable: true, activatedNow: true });
    expect(await cards.use(OLD.cardSn, 'social-security', HOSPITAL)).toMatchObject({ usable: true, activatedNow: false });
    // now bound at the centre: 1101 by the card finds 李文静
    expect(centre.centre.findPerson(OLD.cardSn)?.psn_name).toBe('李文静');
    // still no financial use, even at the hospital
    expect(await cards.use(OLD.cardSn, 'financial', HOSPITAL)).toMatchObject({ usable: false, code: 'not-activated' });
    await expect(cards.activate(OLD.cardSn, ['financial'], HOSPITAL)).rejects.toThrow(/financial area is activated at a bank .*not at a designated hospital or pharmacy/);
    await expect(cards.activate(OLD.cardSn, ['financial'], WINDOW)).rejects.toThrow(/not at a service window/);
    const done = await cards.activate(OLD.cardSn, ['financial'], BANK);
    expect(done.view.states).toEqual({ 'social-security': 'active', financial: 'active' });
    expect(await bankBlocked(OLD_PAN)).toBe(false);
    expect(await cards.use(OLD.cardSn, 'financial', SHOP)).toMatchObject({ usable: true });
  });

  it('the social-security area can also be activated explicitly at a bank or a service window, with the ID checked', async () => {
    await cards.issue(OLD);
    await expect(cards.activate(OLD.cardSn, ['social-security'], WINDOW, '510107196508120036')).rejects.toThrow(/not the holder's/);
    const r = await cards.activate(OLD.cardSn, ['social-security', 'financial'], BANK, HOLDER.idNumber);
    expect(r.view.states).toEqual({ 'social-security': 'active', financial: 'active' });
    const again = await cards.activate(OLD.cardSn, ['financial'], BANK);
    expect(again.notes.join('\n')).toMatch(/already activated/);
  });

  it('an unknown card is refused as such', async () => {
    const r = await cards.use('310000D15600000599999999FFFFFFFF', 'social-security', HOSPITAL);
    expect(r).toMatchObject({ usable: false, code: 'unknown-card' });
    expect(r.message).toMatch(/卡片未登记 card not issued by this card-management host/);
  });
});

describe('a new card for the same person (换卡)', () => {
  it('the old card keeps working until the new one is activated and used once for a medical settlement; then it is deregistered and the account is reached through the new card', async () => {
    await cards.issue(OLD);
    await activateBoth(OLD);
    const exchange = await cards.replace(OLD.cardSn, NEW);
    expect(exchange.view.card.replaces).toBe(OLD.cardSn);
    expect(exchange.view.states).toEqual({ 'social-security': 'not-activated', financial: 'not-activated' });

    // the old card still works, in both areas, and at the centre
    expect(await cards.use(OLD.cardSn, 'social-security', HOSPITAL)).toMatchObject({ usable: true });
    expect(await cards.use(OLD.cardSn, 'financial', SHOP)).toMatchObject({ usable: true });
    const withOld = settleOutpatient(OLD, 'old-1');
    // outpatient.json: 127.60, all 甲; the 1,500.00 deductible is not met, so she pays it all, from her account
    expect(withOld).toMatchObject({ medfee_sumamt: 12760, act_pay_dedc: 12760, hifp_pay: 0, acct_pay: 12760, psn_cash_pay: 0, balc: 187240 });
    expect((await cards.onMedicalSettlement(OLD.cardSn)).deregistered).toEqual([]);

    // the new card: activated at its first use at the hospital, used for a settlement
    expect(await cards.use(NEW.cardSn, 'social-security', HOSPITAL)).toMatchObject({ usable: true, activatedNow: true });
    // until the settlement is reported, the old card still works
    expect(await cards.use(OLD.cardSn, 'social-security', HOSPITAL)).toMatchObject({ usable: true });
    const withNew = settleOutpatient(NEW, 'new-1');
    expect(withNew).toMatchObject({ acct_pay: 12760, balc: 174480 });
    const after = await cards.onMedicalSettlement(NEW.cardSn, { setlId: withNew.setl_id!, place: HOSPITAL });
    expect(after.deregistered.map((c) => c.cardSn)).toEqual([OLD.cardSn]);
    // the event of the old card names the balance now reached through the new card: 2000.00 − 2 × 127.60
    const old = await cards.view(OLD.cardSn);
    expect(old.states).toEqual({ 'social-security': 'deregistered', financial: 'deregistered' });
    expect(old.events.find((e) => e.kind === 'deregistered')?.detail).toMatch(/personal account \(1744\.80\) is reached through card B7K334774/);

    // the old card is refused everywhere, naming its successor
    const refused = await cards.use(OLD.cardSn, 'social-security', HOSPITAL);
    expect(refused).toMatchObject({ usable: false, code: 'deregistered' });
    expect(refused.message).toMatch(/^卡片已注销 card deregistered: on 2026-03-02 10:00:00, replaced by card B7K334774$/);
    expect(await cards.use(OLD.cardSn, 'financial', SHOP)).toMatchObject({ usable: false, code: 'deregistered' });
    // pushed: the centre refuses the old card, the bank blocks it; the account (the person's) is the new card's
    expect(() => settleOutpatient(OLD, 'old-2')).toThrow(CentreError);
    expect(centre.centre.findPerson(NEW.cardSn)?.balance).toBe(174480);
    expect(await bankBlocked(OLD_PAN)).toBe(true);
    // a second settlement with the new card deregisters nothing more
    expect((await cards.onMedicalSettlement(NEW.cardSn)).deregistered).toEqual([]);
  });

  it('a settlement with a new card whose social-security area is not activated deregisters nothing', async () => {
    await cards.issue(OLD);
    await activateBoth(OLD);
    await cards.replace(OLD.cardSn, NEW);
    const r = await cards.onMedicalSettlement(NEW.cardSn);
    expect(r.deregistered).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/not activated: the card it replaces is not deregistered yet/);
    expect(await cards.use(OLD.cardSn, 'social-security', HOSPITAL)).toMatchObject({ usable: true });
  });

  it('a second card without saying it replaces the first is refused; so is a replacement for another person or with the same number', async () => {
    await cards.issue(OLD);
    await expect(cards.issue(NEW)).rejects.toThrow(/already holds card SH0012349: a new card for the same person is a replacement/);
    await expect(cards.replace(OLD.cardSn, { ...NEW, holder: { ...HOLDER, idNumber: '510107196508120036', name: '陈建国' } })).rejects.toThrow(/same person/);
    await expect(cards.replace(OLD.cardSn, { ...NEW, cardNumber: OLD.cardNumber })).rejects.toThrow(/already another card's|new card number/);
  });
});

describe('loss reports', () => {
  it('a temporary report suspends both areas for 7 days and lapses by itself', async () => {
    await cards.issue(OLD);
    await activateBoth(OLD);
    const report = await cards.reportLoss(OLD.cardSn, { formal: false, place: WINDOW });
    expect(report.view.card.suspendedUntil).toBe('2026-03-09T02:00:00.000Z');
    expect(report.notes[0]).toMatch(/until 2026-03-09 10:00:00/);
    expect(await bankBlocked(OLD_PAN)).toBe(true);
    for (const area of ['social-security', 'financial'] as const) {
      const r = await cards.use(OLD.cardSn, area, area === 'financial' ? SHOP : HOSPITAL);
      expect(r).toMatchObject({ usable: false, code: 'temporarily-lost' });
      expect(r.message).toBe('卡片已临时挂失 card under a temporary loss report: until 2026-03-09 10:00:00 (China time), unless lifted or made formal');
    }
    // one second before the 7 days are up: still suspended
    clock.advance(7 * DAY - 1000);
    expect(await cards.use(OLD.cardSn, 'financial', SHOP)).toMatchObject({ usable: false, code: 'temporarily-lost' });
    expect(await bankBlocked(OLD_PAN)).toBe(true);
    // at 7 days: restored by itself, recorded at the time it lapsed, and the bank told
    clock.advance(1000);
    expect(await cards.use(OLD.cardSn, 'financial', SHOP)).toMatchObject({ usable: true });
    expect(await cards.use(OLD.cardSn, 'social-security', HOSPITAL)).toMatchObject({ usable: true });
    expect(await bankBlocked(OLD_PAN)).toBe(false);
    const v = await cards.view(OLD.cardSn);
    expect(v.card.suspendedUntil).toBeNull();
    expect(v.events.find((e) => e.kind === 'loss-lapsed')?.at).toBe('2026-03-09T02:00:00.000Z');
    await expect(cards.liftLoss(OLD.cardSn)).rejects.toThrow(/no temporary loss report in force/);
  });

  it('a temporary report can be lifted', async () => {
    await cards.issue(OLD);
    await activateBoth(OLD);
    await cards.reportLoss(OLD.cardSn, { formal: false });
    await expect(cards.reportLoss(OLD.cardSn, { formal: false })).rejects.toThrow(/already/);
    clock.advance(2 * DAY);
    const lifted = await cards.liftLoss(OLD.cardSn, { place: WINDOW, idNumber: HOLDER.idNumber });
    expect(lifted.view.states).toEqual({ 'social-security': 'active', financial: 'active' });
    expect(await bankBlocked(OLD_PAN)).toBe(false);
    expect(await cards.use(OLD.cardSn, 'financial', SHOP)).toMatchObject({ usable: true });
  });

  it('a formal report is final; the replacement has a new card number and the lost card stays refused', async () => {
    await cards.issue(OLD);
    await activateBoth(OLD);
    await cards.reportLoss(OLD.cardSn, { formal: false });
    await expect(cards.replace(OLD.cardSn, NEW)).rejects.toThrow(/temporary loss report: make it formal/);
    const formal = await cards.reportLoss(OLD.cardSn, { formal: true, place: WINDOW });
    expect(formal.view.card.lifecycle).toBe('lost');
    expect(formal.view.events.map((e) => e.kind)).toContain('loss-made-formal');
    await expect(cards.liftLoss(OLD.cardSn)).rejects.toThrow(/a formal report is not lifted/);
    // pushed: the centre deregistered the card, the bank blocks it
    expect(centre.centre.store.getCard(OLD.cardSn)?.status).toBe('deregistered');
    expect(await bankBlocked(OLD_PAN)).toBe(true);
    // 7 days later it is still refused: a formal report does not lapse
    clock.advance(8 * DAY);
    const r = await cards.use(OLD.cardSn, 'social-security', HOSPITAL);
    expect(r).toMatchObject({ usable: false, code: 'lost' });
    expect(r.message).toBe('卡片已正式挂失 card formally reported lost: on 2026-03-02 10:00:00; use the replacement card');

    const repl = await cards.replace(OLD.cardSn, NEW, WINDOW);
    expect(repl.view.card.cardNumber).toBe('B7K334774');
    expect(repl.view.card.cardNumber).not.toBe(OLD.cardNumber);
    expect(repl.view.states).toEqual({ 'social-security': 'not-activated', financial: 'not-activated' });
    await activateBoth(NEW);
    expect(await cards.use(NEW.cardSn, 'financial', SHOP)).toMatchObject({ usable: true });
    expect(await cards.use(OLD.cardSn, 'financial', SHOP)).toMatchObject({ usable: false, code: 'lost' });
    // the person's account at the centre is reached through the new card
    expect(centre.centre.findPerson(NEW.cardSn)?.balance).toBe(200000);
    const bl = await cards.blacklist();
    expect(bl.map((l) => [l.cardSn, l.reason])).toEqual([[OLD.cardSn, '正式挂失 lost 2026-03-02 10:00:00']]);
  });
});

describe('pushes', () => {
  it('a push the bank cannot take is retried at the next run; the host keeps its own state', async () => {
    let failing = true;
    const bank = bankCardPort(issuer);
    const flaky = { ...bank, setCardBlocked: async (pan: string, b: boolean) => (failing ? Promise.reject(new Error('bank offline')) : bank.setCardBlocked(pan, b)) };
    const host = openCardManagement({ location: { memory: true }, clock, bank: flaky });
    try {
      const issued = await host.issue(OLD);
      expect(issued.pushes).toEqual([expect.objectContaining({ target: 'bank', ok: false, error: 'bank offline' })]);
      expect(issued.notes.join('\n')).toMatch(/not told: the bank could not be told \(bank offline\); retried at the next run/);
      expect(issued.view.card.pushPending).toBe(true);
      expect(await bankBlocked(OLD_PAN)).toBe(false);
      failing = false;
      const retried = await host.catchUp();
      expect(retried).toEqual([expect.objectContaining({ target: 'bank', ok: true, action: `card blocked at the bank (62): PAN ${OLD_PAN}` })]);
      expect(await bankBlocked(OLD_PAN)).toBe(true);
      expect((await host.view(OLD.cardSn)).card.pushPending).toBe(false);
      expect(await host.catchUp()).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('a card whose holder is not insured at the centre is activated but not bound there', async () => {
    const other: IssuedCard = { ...NEW, holder: { ...HOLDER, idNumber: '510107196508120036', name: '陈建国' }, cardSn: '510100D1560000053C5D7E91D1D81527', region: '510100', cardNumber: 'A00815261' };
    await cards.issue(other);
    const r = await cards.activate(other.cardSn, ['social-security'], WINDOW);
    expect(r.pushes).toContainEqual(expect.objectContaining({ target: 'centre', action: expect.stringMatching(/not insured at the centre/) }));
    expect(centre.centre.findPerson(other.cardSn)).toBeUndefined();
  });
});

describe('state on disk', () => {
  it('the history is append-only', async () => {
    const { SqliteCardStorage } = await import('../../../../src/terminal/hosts/card-management/index.js');
    const storage = new SqliteCardStorage({ memory: true });
    const host = openCardManagement({ storage, clock });
    await host.issue(OLD);
    expect(() => storage.database.prepare('DELETE FROM event').run()).toThrow(/append-only/);
    expect(() => storage.database.prepare("UPDATE event SET detail = 'x'").run()).toThrow(/append-only/);
    await host.close();
  });
});

describe("the flows' CardStatusPort over the host", () => {
  it('answers by card identifier or PAN, with the flows\' reasons, and is idempotent for a settlement told twice', async () => {
    const { cardManagementStatus } = await import('../../../../src/terminal/flows/card-management-status.js');
    const hospital = cardManagementStatus(cards, HOSPITAL);
    const canteen = cardManagementStatus(cards, SHOP);
    await cards.issue(OLD);
    expect(await canteen.checkUsable({ pan: OLD_PAN }, 'financial')).toEqual({ usable: false, reason: 'not-activated', detail: '金融功能未激活 financial area not activated: activate it at the bank' });
    expect(await canteen.checkUsable({ cardSn: OLD.cardSn }, 'social-security')).toMatchObject({ usable: false, reason: 'not-activated' });
    // the hospital's first use activates the social-security area
    expect(await hospital.checkUsable({ cardSn: OLD.cardSn, pan: OLD_PAN }, 'social-security')).toEqual({ usable: true });
    await cards.activate(OLD.cardSn, ['financial'], BANK);
    expect(await canteen.checkUsable({ pan: OLD_PAN }, 'financial')).toEqual({ usable: true });
    await cards.reportLoss(OLD.cardSn, { formal: false });
    expect(await canteen.checkUsable({ pan: OLD_PAN }, 'financial')).toMatchObject({ usable: false, reason: 'suspended', detail: expect.stringMatching(/^卡片已临时挂失/) });
    expect(await canteen.checkUsable({ cardSn: '310000D15600000599999999FFFFFFFF' }, 'financial')).toMatchObject({ usable: false, reason: 'unknown-card' });
    // an unknown identifier with a known PAN: the PAN decides
    expect(await canteen.checkUsable({ cardSn: '310000D15600000599999999FFFFFFFF', pan: OLD_PAN }, 'financial')).toMatchObject({ usable: false, reason: 'suspended' });
    await cards.liftLoss(OLD.cardSn);

    await cards.replace(OLD.cardSn, NEW);
    expect(await hospital.checkUsable({ cardSn: NEW.cardSn }, 'social-security')).toEqual({ usable: true });
    const notice = { settlementId: 'S310000202603020001', psnNo: '31000000000000000001', at: clock.now(), mode: 'online' as const };
    await hospital.onMedicalSettlement(NEW.cardSn, notice);
    expect(await hospital.checkUsable({ cardSn: OLD.cardSn }, 'social-security')).toMatchObject({ usable: false, reason: 'deregistered', detail: expect.stringMatching(/replaced by card B7K334774$/) });
    // told again by the flow's recovery: nothing more happens
    const before = (await cards.view(NEW.cardSn, 100)).events.length;
    await hospital.onMedicalSettlement(NEW.cardSn, notice);
    expect((await cards.view(NEW.cardSn, 100)).events.length).toBe(before);
    await expect(hospital.onMedicalSettlement(OLD.cardSn, notice)).rejects.toThrow(/was told for card/);
  });
});
