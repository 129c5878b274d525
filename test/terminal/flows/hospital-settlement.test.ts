/**
 * The hospital settlement end to end over the in-process card, the real PSAM, the real centre and the
 * real issuer host (in-memory SQLite). The split of each bill is computed by hand in the test, from the
 * policy (docs/medical-insurance-centre.md "Policy": 310 employed, deductible 1,500.00 a year, ratio
 * 0.85, rounding half up to the fen) and the bill's lines and catalogue entries — never from the code —
 * and the bank is checked to be charged exactly the cash part, or nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../../src/apdu/bytes.js';
import { TransportError, type Transport, type TransportLayer } from '../../../src/apdu/transport.js';
import { fixedClock } from '../../../src/env.js';
import type { SettlementResult } from '../../../src/terminal/flows/hospital-settlement.js';
import { withLayers } from '../../../src/terminal/reader.js';
import { TestCardStatus } from './helpers/card-status.js';
import { bill, makeWorld, PIN, type World } from './helpers/world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The centre's view of the person: account balance and this year's figures. */
function person(w: World) {
  const view = w.centre.centre.personView(w.psnNo);
  return { balance: view.person.balance, dedcPaid: view.annual.dedc_paid, fundPaid: view.annual.fund_paid };
}

/** The fund's clearing ledger in total (entries, and the sums over them). */
function ledger(w: World) {
  const t = w.centre.store.ledgerTotals();
  return { entries: t.entries, medfee: t.medfee_sumamt, fund: t.fund_pay_sumamt, acct: t.acct_pay };
}

async function bank(w: World) {
  const a = (await w.issuer.account(w.pan))!;
  return { balance: a.balance, held: a.held };
}

/** The card's own medical account (DF04) as the card keeps it. */
function cardAccount(w: World): { balance: number; sequence: number } {
  const s = w.cardImage().apps['ssse-medical'] as { balance: number; sequence: number };
  return { balance: s.balance, sequence: s.sequence };
}

function settled(r: SettlementResult): Extract<SettlementResult, { outcome: 'settled' }> {
  expect(r.outcome, JSON.stringify(r, null, 1).slice(0, 2000)).toBe('settled');
  return r as Extract<SettlementResult, { outcome: 'settled' }>;
}

/** The outpatient bill's split for a person whose deductible is met and whose account holds 10.00 (by hand). */
const OUTPATIENT_DEDUCTIBLE_MET = {
  // 25.00 + 20.00 + 37.00 + 45.60 = 127.60, every line 甲 in the Shanghai/national catalogue: all in scope;
  // the deductible is met → the fund pays 0.85 × 127.60 = 108.46; the person 127.60 − 108.46 = 19.14:
  // 10.00 from the personal account, 9.14 cash
  medfee_sumamt: 12_760,
  fulamt_ownpay_amt: 0,
  overlmt_selfpay: 0,
  preselfpay_amt: 0,
  inscp_scp_amt: 12_760,
  act_pay_dedc: 0,
  hifp_pay: 10_846,
  pool_prop_selfpay: 8_500,
  fund_pay_sumamt: 10_846,
  psn_part_amt: 1_914,
  acct_pay: 1_000,
  psn_cash_pay: 914,
  balc: 0,
};

describe('hospital settlement: online', () => {
  it('outpatient by contact: the fund and the account at the centre, exactly the cash part at the bank; one receipt', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const status = new TestCardStatus();
    const r = settled(await w.flow({ cardStatus: status }).settle({ ...w.presented(), bill: bill('outpatient') }));
    expect(r.receipt.split).toEqual(OUTPATIENT_DEDUCTIBLE_MET);
    expect(r.receipt.setlinfo).toMatchObject({ medfee_sumamt: 12_760, hifp_pay: 10_846, acct_pay: 1_000, psn_cash_pay: 914, psn_no: w.psnNo, psn_name: '李文静' });
    expect(r.receipt.bank).toMatchObject({ status: 'approved', amount: 914, kernel: 'pboc-contact', interface: 'contact', approvedBy: 'online', responseCode: '00', cryptogramType: 'TC' });
    expect(r.receipt.card).toEqual({ check: 'authentic', interface: 'contact' });
    expect(r.receipt.patient).toMatchObject({ cardSn: w.cardSn, cardNo: w.cardNo, certno: '310104199203154427', psn_no: w.psnNo, crossRegion: false });
    expect(r.repeated).toBe(false);
    expect(await bank(w)).toEqual({ balance: 100_000 - 914, held: 0 });
    expect(person(w)).toEqual({ balance: 0, dedcPaid: 150_000, fundPaid: 10_846 });
    expect(ledger(w)).toEqual({ entries: 1, medfee: 12_760, fund: 10_846, acct: 1_000 });
    // the card's life: both areas asked before anything was charged, the settlement told after
    expect(status.asked.map((a) => a.area)).toEqual(['social-security', 'financial']);
    expect(status.asked[1]!.card).toEqual({ cardSn: w.cardSn, pan: w.pan });
    expect(status.told).toEqual([{ cardSn: w.cardSn, notice: expect.objectContaining({ settlementId: r.receipt.setlinfo!.setl_id, psnNo: w.psnNo, mode: 'online' }) }]);
    // the journal: every external step written before it was made
    const steps = w.journal.steps(r.receipt.visitId).map((s) => `${s.step}:${s.phase}`);
    expect(steps.indexOf('settle:intent')).toBeLessThan(steps.indexOf('settle:done'));
    expect(steps.indexOf('settle:done')).toBeLessThan(steps.indexOf('bank:intent'));
    expect(steps.indexOf('bank:intent')).toBeLessThan(steps.indexOf('bank:done'));
  });

  it("a cash part of 0 is no bank transaction: the account pays the whole person's part", async () => {
    world = await makeWorld({ accountBalance: 200_000, dedcPaid: 0 });
    const w = world;
    const r = settled(await w.flow().settle({ ...w.presented(), bill: bill('outpatient') }));
    // 127.60 in scope, all of it within the 1,500.00 deductible: the fund pays 0, the account 127.60
    expect(r.receipt.split).toMatchObject({ act_pay_dedc: 12_760, hifp_pay: 0, psn_part_amt: 12_760, acct_pay: 12_760, psn_cash_pay: 0, balc: 200_000 - 12_760 });
    expect(r.receipt.bank).toMatchObject({ status: 'none', amount: 0 });
    expect((await w.issuer.statement(w.pan)).transactions).toEqual([]);
    expect(await bank(w)).toEqual({ balance: 100_000, held: 0 });
  });

  it('a contactless settlement: the card read in the field, the cash part by qPBOC online', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const r = settled(await w.flow().settle({ ...w.presented({ pin: undefined }), bill: bill('outpatient'), contactless: true }));
    expect(r.receipt.split).toEqual(OUTPATIENT_DEDUCTIBLE_MET);
    expect(r.receipt.bank).toMatchObject({ status: 'approved', amount: 914, kernel: 'qpboc', interface: 'contactless', approvedBy: 'online', cryptogramType: 'ARQC' });
    expect(r.receipt.patient.cardSn).toBe(w.cardSn);
    expect(await bank(w)).toEqual({ balance: 100_000 - 914, held: 0 });
  });

  it('contactless above the contactless limit: the cash part by the contact interface (inpatient, by hand)', async () => {
    world = await makeWorld({ accountBalance: 0, dedcPaid: 0, bankBalance: 500_000, clock: fixedClock(new Date('2026-03-10T02:00:00Z')) });
    const w = world;
    const r = settled(await w.flow().settle({ ...w.presented(), bill: bill('inpatient'), contactless: true }));
    // by hand, the Shanghai stay (Shanghai catalogue, else national):
    //  bed 5 × 80.00 = 400.00, 甲 capped at 60.00 → 300.00 in scope, 100.00 over the limit
    //  nursing 150.00 甲; infusion 120.00 甲; amoxicillin 111.00 甲
    //  appendectomy 1,800.00 乙 0.20 → 360.00 self-pay share, 1,440.00 in scope
    //  infusion sets 10 × 6.00 = 60.00, 乙 0.30 capped at 5.00 → 10.00 over, 15.00 share, 35.00 in scope
    //  CT 200.00, Shanghai 乙 0.08 capped at 160.00 → 40.00 over, 12.80 share, 147.20 in scope
    // in scope 2,303.20; over 150.00; shares 387.80. Deductible 1,500.00 first; the fund 0.85 × 803.20 = 682.72;
    // the person 2,841.00 − 682.72 = 2,158.28, all cash (the account is empty) — above the 1,000.00 contactless limit
    expect(r.receipt.split).toEqual({
      medfee_sumamt: 284_100,
      fulamt_ownpay_amt: 0,
      overlmt_selfpay: 15_000,
      preselfpay_amt: 38_780,
      inscp_scp_amt: 230_320,
      act_pay_dedc: 150_000,
      hifp_pay: 68_272,
      pool_prop_selfpay: 8_500,
      fund_pay_sumamt: 68_272,
      psn_part_amt: 215_828,
      acct_pay: 0,
      psn_cash_pay: 215_828,
      balc: 0,
    });
    expect(r.receipt.bank).toMatchObject({ status: 'approved', amount: 215_828, kernel: 'pboc-contact', interface: 'contact' });
    expect(r.receipt.bank.notes.join(' ')).toMatch(/contact interface/);
    expect(r.receipt.kind).toBe('inpatient');
    expect(await bank(w)).toEqual({ balance: 500_000 - 215_828, held: 0 });
    // both attempts journaled (the qPBOC one stopped at pre-processing, before the card)
    expect(w.journal.visit(r.receipt.visitId)!.data.bankRefs).toEqual([`${r.receipt.visitId}-B1`, `${r.receipt.visitId}-B2`]);
  });

  it('a repeated bill charges nothing twice and gives the first receipt', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const flow = w.flow();
    const first = settled(await flow.settle({ ...w.presented(), bill: bill('outpatient') }));
    const second = settled(await flow.settle({ ...w.presented(), bill: bill('outpatient') }));
    expect(second.repeated).toBe(true);
    expect(second.receipt).toEqual(first.receipt);
    // a new process, a new flow over the same journal: the same
    const third = settled(await w.flow().settle({ ...w.presented(), bill: bill('outpatient') }));
    expect(third.receipt.setlinfo!.setl_id).toBe(first.receipt.setlinfo!.setl_id);
    expect(await bank(w)).toEqual({ balance: 100_000 - 914, held: 0 });
    expect(person(w)).toEqual({ balance: 0, dedcPaid: 150_000, fundPaid: 10_846 });
    expect(ledger(w).entries).toBe(1);
  });

  it("cancel: 2208 and the bank's reversal put both accounts back; a second cancel answers the same", async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const flow = w.flow();
    const r = settled(await flow.settle({ ...w.presented(), bill: bill('outpatient') }));
    const c = await flow.cancel(r.receipt.setlinfo!.setl_id!);
    expect(c.outcome).toBe('cancelled');
    if (c.outcome !== 'cancelled') return;
    expect(c.cancellation).toMatchObject({ medfee_sumamt: -12_760, hifp_pay: -10_846, acct_pay: -1_000, psn_cash_pay: -914, balc: 1_000 });
    expect(c.bank).toMatchObject({ status: 'reversed', amount: 914 });
    expect(await bank(w)).toEqual({ balance: 100_000, held: 0 });
    expect(person(w)).toEqual({ balance: 1_000, dedcPaid: 150_000, fundPaid: 0 });
    expect(ledger(w)).toEqual({ entries: 2, medfee: 0, fund: 0, acct: 0 });
    const again = await flow.cancel(r.receipt.setlinfo!.setl_id!);
    expect(again).toMatchObject({ outcome: 'cancelled', repeated: true });
    expect(await bank(w)).toEqual({ balance: 100_000, held: 0 });
    // the bill can be settled again after a cancel (a new attempt)
    const again2 = settled(await flow.settle({ ...w.presented(), bill: bill('outpatient') }));
    expect(again2.receipt.visitId).not.toBe(r.receipt.visitId);
    expect(await bank(w)).toEqual({ balance: 100_000 - 914, held: 0 });
  });

  it("cross-province: the treatment place's catalogue, the insured place's policy", async () => {
    world = await makeWorld({ accountBalance: 0, dedcPaid: 150_000 });
    const w = world;
    const r = settled(await w.flow().settle({ ...w.presented(), bill: bill('cross-province') }));
    expect(r.receipt.patient.crossRegion).toBe(true);
    expect(r.receipt.institution.mdtrtarea_admvs).toBe('510100');
    expect(r.receipt.split.pool_prop_selfpay).toBe(8_500); // Shanghai's 310 employed ratio, not Sichuan's 0.87
    expect(r.receipt.split.psn_cash_pay).toBe(r.receipt.split.psn_part_amt);
    expect(await bank(w)).toEqual({ balance: 100_000 - r.receipt.split.psn_cash_pay, held: 0 });
  });
});

describe('hospital settlement: failures leave no half-settled visit', () => {
  async function unchanged(w: World) {
    expect(person(w)).toEqual({ balance: 1_000, dedcPaid: 150_000, fundPaid: 0 });
    expect(await bank(w)).toEqual({ balance: 100_000, held: 0 });
  }

  it('the bank declines after the medical part (account blocked, 78): the medical part is reversed, every balance as before', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    await w.issuer.setAccountStatus(w.pan, 'blocked');
    const r = await w.flow().settle({ ...w.presented(), bill: bill('outpatient') });
    expect(r).toMatchObject({ outcome: 'reversed', stage: 'bank', reason: { code: 'bank-declined' }, bank: { status: 'declined', responseCode: '78' } });
    expect(person(w)).toEqual({ balance: 1_000, dedcPaid: 150_000, fundPaid: 0 });
    expect((await w.issuer.account(w.pan))!.balance).toBe(100_000);
    expect(ledger(w)).toEqual({ entries: 2, medfee: 0, fund: 0, acct: 0 });
    const visit = w.journal.visit((r as { visitId: string }).visitId)!;
    expect(visit.state).toBe('reversed');
    expect(w.centre.centre.settlement(visit.data.settlement!.setlinfo.setl_id!)!.status).toBe('cancelled');
  });

  it('insufficient funds (51): reversed', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000, bankBalance: 500 });
    const w = world;
    const r = await w.flow().settle({ ...w.presented(), bill: bill('outpatient') });
    expect(r).toMatchObject({ outcome: 'reversed', bank: { status: 'declined', responseCode: '51' } });
    expect(person(w)).toEqual({ balance: 1_000, dedcPaid: 150_000, fundPaid: 0 });
    expect(await bank(w)).toEqual({ balance: 500, held: 0 });
  });

  it('the card leaves after the issuer approved (second GENERATE AC lost): the bank and the medical part are reversed', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    let gacs = 0;
    const layer: TransportLayer = (inner: Transport): Transport => ({
      async transmit(command) {
        if (toHex(command).startsWith('80AE') && ++gacs === 2) throw new TransportError('the card was pulled out');
        return inner.transmit(command);
      },
    });
    const r = await w.flow().settle({ ...w.presented(), reader: withLayers(w.reader(), layer), bill: bill('outpatient') });
    expect(gacs).toBe(2);
    expect(r).toMatchObject({ outcome: 'reversed', stage: 'bank', reason: { code: 'bank-failed' } });
    await unchanged(w);
    const txn = await w.issuer.transaction(`${(r as { visitId: string }).visitId}-B1`);
    expect(txn?.status).toBe('reversed');
  });

  it('a lost card (the card-management port: suspended): refused before anything is sent', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const status = new TestCardStatus({ 'social-security': { usable: false, reason: 'suspended', detail: '临时挂失 until 2026-03-09' } });
    const r = await w.flow({ cardStatus: status }).settle({ ...w.presented(), bill: bill('outpatient') });
    expect(r).toMatchObject({ outcome: 'refused', stage: 'card', reason: { code: 'card-status' } });
    expect((r as { reason: { detail: string } }).reason.detail).toMatch(/临时挂失/);
    expect(w.centre.centre.personView(w.psnNo).settlements).toEqual([]);
    expect(w.journal.list()).toEqual([]);
    await unchanged(w);
  });

  it('an unactivated financial area: refused after the split was shown, before anything was charged', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const status = new TestCardStatus({ financial: { usable: false, reason: 'not-activated', detail: 'activate it at the bank' } });
    const r = await w.flow({ cardStatus: status }).settle({ ...w.presented(), bill: bill('outpatient') });
    expect(r).toMatchObject({ outcome: 'refused', stage: 'financial-check', reason: { code: 'financial-area' }, shown: { psn_cash_pay: 914 } });
    expect(status.asked[1]).toEqual({ card: { cardSn: w.cardSn, pan: w.pan }, area: 'financial' });
    expect(w.centre.centre.personView(w.psnNo).settlements).toEqual([]);
    expect(status.told).toEqual([]);
    await unchanged(w);
    // with no cash part the financial area is not needed
    const rich = await makeWorld({ accountBalance: 200_000 });
    try {
      const ok = await rich.flow({ cardStatus: status }).settle({ ...rich.presented(), bill: bill('outpatient') });
      expect(ok.outcome).toBe('settled');
    } finally {
      await rich.close();
    }
  });

  it('a wrong PIN, then the PIN blocked: refused each time, nothing sent to the centre', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const flow = w.flow();
    const tries = [];
    for (let i = 0; i < 3; i++) tries.push(await flow.settle({ ...w.presented({ pin: '000000' }), bill: bill('outpatient') }));
    expect(tries.map((t) => (t as { reason: { code: string } }).reason.code)).toEqual(['wrong-pin', 'wrong-pin', 'wrong-pin']);
    expect((tries[2] as { reason: { detail: string } }).reason.detail).toMatch(/0 tries left/);
    const blocked = await flow.settle({ ...w.presented({ pin: PIN }), bill: bill('outpatient') });
    expect(blocked).toMatchObject({ outcome: 'refused', stage: 'card', reason: { code: 'pin-blocked' } });
    expect(w.centre.centre.personView(w.psnNo).settlements).toEqual([]);
    await unchanged(w);
  });

  it('the centre refuses (a deregistered card): refused, nothing charged', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    w.centre.centre.deregisterCard(w.cardSn);
    const r = await w.flow().settle({ ...w.presented(), bill: bill('outpatient') });
    expect(r).toMatchObject({ outcome: 'refused', stage: 'person', reason: { code: 'centre-refused' } });
    await unchanged(w);
  });
});

describe("hospital settlement: offline (the card's own medical debit)", () => {
  it('the split from the same policy, the account part debited on the card, the cash part at the bank; the centre untouched', async () => {
    world = await makeWorld({
      accountBalance: 1000,
      dedcPaid: 150_000,
      editCard: (image) => {
        (image.apps['ssse-medical'] as { balance: number }).balance = 5_000;
      },
    });
    const w = world;
    const before = cardAccount(w);
    const r = settled(await w.flow().settle({ ...w.presented(), bill: bill('outpatient'), offline: true }));
    // by hand, offline: this year's deductible taken as unpaid ([R], docs/settlement.md): 127.60 in scope, all of it
    // within the 1,500.00 deductible → the fund 0; the person 127.60: 50.00 from the card's own account, 77.60 cash
    expect(r.receipt.split).toEqual({
      medfee_sumamt: 12_760,
      fulamt_ownpay_amt: 0,
      overlmt_selfpay: 0,
      preselfpay_amt: 0,
      inscp_scp_amt: 12_760,
      act_pay_dedc: 12_760,
      hifp_pay: 0,
      pool_prop_selfpay: 8_500,
      fund_pay_sumamt: 0,
      psn_part_amt: 12_760,
      acct_pay: 5_000,
      psn_cash_pay: 7_760,
      balc: 0,
    });
    expect(r.receipt.mode).toBe('offline');
    expect(r.receipt.offline!.debit).toMatchObject({ account: 5_000, selfPay: 7_760, fund: 0, balanceBefore: 5_000, balanceAfter: 0 });
    expect(r.receipt.bank).toMatchObject({ status: 'approved', amount: 7_760 });
    expect(cardAccount(w)).toEqual({ balance: 0, sequence: before.sequence + 1 });
    expect(await bank(w)).toEqual({ balance: 100_000 - 7_760, held: 0 });
    // the centre's figures are not touched offline
    expect(person(w)).toEqual({ balance: 1_000, dedcPaid: 150_000, fundPaid: 0 });
    expect(ledger(w).entries).toBe(0);
  });

  it('offline needs the PSAM', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const noPsam = await w.flow().settle({ ...w.presented({ psam: undefined }), bill: bill('outpatient'), offline: true });
    expect(noPsam).toMatchObject({ outcome: 'refused', reason: { code: 'psam-required' } });
    expect(await bank(w)).toEqual({ balance: 100_000, held: 0 });
  });

  it('an offline settlement cannot be cancelled at the terminal', async () => {
    world = await makeWorld({ accountBalance: 1000, dedcPaid: 150_000 });
    const w = world;
    const flow = w.flow();
    const r = settled(await flow.settle({ ...w.presented(), bill: bill('outpatient'), offline: true }));
    expect(await flow.cancel(r.receipt.visitId)).toMatchObject({ outcome: 'refused', reason: { code: 'not-cancellable' } });
  });
});
