// The centre's rules through its in-process face: consistency under failure, durability of the SQLite
// file, idempotency, reversal (2601), enrolment from a card, and the refusals HIS developers meet.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/env.js';
import {
  BUNDLED_BILLS_DIR,
  CentreError,
  SqliteCentreStore,
  admissionOfBill,
  billContext,
  billTotal,
  inpatientFeesOfBill,
  inpatientSettlementOfBill,
  loadCatalogues,
  loadPersonsFile,
  loadPolicies,
  MedicalInsuranceCentre,
  outpatientFeesOfBill,
  outpatientSettlementOfBill,
  parseBill,
  readJsonFile,
  registrationOfBill,
  type CentreStore,
  type MessageContext,
} from '../../../../src/terminal/hosts/medical-insurance/index.js';
import { ctx, enrolPerson, NOW, outpatientVisit, testCentre } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A store that throws once a given method is called (after the calls before it have written). */
function faulty(inner: CentreStore, failing: keyof CentreStore): CentreStore & { armed: boolean } {
  const state = { armed: true };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'armed') return state.armed;
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === failing && state.armed) throw new Error(`injected failure in ${String(prop)}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
    set(_t, prop, v) {
      if (prop === 'armed') state.armed = v as boolean;
      return true;
    },
  }) as CentreStore & { armed: boolean };
}

function snapshot(centre: MedicalInsuranceCentre, store: CentreStore, psn_no: string, mdtrt_id?: string) {
  const view = centre.personView(psn_no);
  return {
    balance: view.person.balance,
    annual: view.annual,
    settlements: view.settlements,
    ledger: store.ledgerTotals(),
    fees: mdtrt_id ? store.feeDetailsOf(mdtrt_id).map((f) => f.setl_id) : [],
  };
}

describe('consistency', () => {
  for (const failing of ['appendLedger', 'setFeeDetailSettlement', 'putMessage'] as const) {
    it(`a failure inside a settlement (${failing}) leaves fund, account and ledger unchanged`, () => {
      const store = faulty(SqliteCentreStore.open({ memory: true }), failing);
      store.armed = false;
      const { centre } = testCentre({ store });
      const p = enrolPerson(centre, { balance: 50_000, dedc_paid: 150_000 });
      // a first visit settles normally (so there is a ledger and a year to disturb)
      outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 10_000 }]);
      const person = centre.findPerson(p.psn_no)!;
      const reg = centre.registerOutpatient(ctx(), { psn_no: p.psn_no, insutype: '310', begntime: '2026-03-02 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: person.certno, ipt_otp_no: `F-${failing}`, atddr_no: '', dr_name: '', dept_code: '', dept_name: '', caty: '' });
      centre.uploadOutpatientFees(ctx(), [{ feedetl_sn: '1', mdtrt_id: reg.mdtrt_id, psn_no: p.psn_no, chrg_bchno: 'B', med_list_codg: 'A1', medins_list_codg: 'A1', medins_list_name: '', det_item_fee_sumamt: 20_000, cnt: 10_000, pric: 200_000_000, fee_ocur_time: '2026-03-02 09:10:00', bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '' }]);
      const before = snapshot(centre, store, p.psn_no, reg.mdtrt_id);
      const input = { psn_no: p.psn_no, mdtrt_cert_type: '02' as const, mdtrt_cert_no: person.certno, med_type: '11' as const, medfee_sumamt: 20_000, psn_setlway: '01', mdtrt_id: reg.mdtrt_id, chrg_bchno: 'B', acct_used_flag: '1' as const, insutype: '310' as const, invono: '' };
      const message: MessageContext = { msgid: `FAULT-${failing}`, fixmedins_code: 'H31010400123', mdtrtarea_admvs: '310000' };
      store.armed = true;
      expect(() => centre.settleOutpatient(message, input)).toThrow(`injected failure in ${failing}`);
      expect(snapshot(centre, store, p.psn_no, reg.mdtrt_id)).toEqual(before);
      expect(store.getMessage(message.msgid)).toBeUndefined();
      // the same message once the fault is gone settles, exactly once: 200.00 × 0.85 = 170.00 fund, 30.00 account
      store.armed = false;
      const s = centre.settleOutpatient(message, input).setlinfo;
      expect(s).toMatchObject({ hifp_pay: 17_000, acct_pay: 3_000, balc: before.balance - 3_000 });
      expect(centre.settleOutpatient(message, input).setlinfo).toEqual(s);
      expect(store.ledgerTotals().entries).toBe(before.ledger.entries + 1);
    });
  }

  it('a failure inside a cancellation leaves the settlement valid and the balances as they were', () => {
    const store = faulty(SqliteCentreStore.open({ memory: true }), 'appendLedger');
    store.armed = false;
    const { centre } = testCentre({ store });
    const p = enrolPerson(centre, { balance: 50_000, dedc_paid: 150_000 });
    const { settled, mdtrt_id } = outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 10_000 }]);
    const before = snapshot(centre, store, p.psn_no, mdtrt_id);
    store.armed = true;
    expect(() => centre.cancelOutpatient(ctx(), { setl_id: settled.setlinfo.setl_id!, mdtrt_id, psn_no: p.psn_no })).toThrow(/injected failure/);
    expect(snapshot(centre, store, p.psn_no, mdtrt_id)).toEqual(before);
    expect(centre.settlement(settled.setlinfo.setl_id!)!.status).toBe('settled');
  });
});

describe('the SQLite adapter on a real file', () => {
  it('is in WAL mode and keeps persons, settlements, ledger and the message log across a reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-centre-'));
    dirs.push(dir);
    const policies = loadPolicies();
    const catalogues = loadCatalogues();
    const clock = fixedClock(NOW);
    const first = SqliteCentreStore.open({ stateDir: dir });
    expect(first.file).toBe(join(dir, 'centre.sqlite'));
    const a = new MedicalInsuranceCentre({ store: first, policies, catalogues, clock });
    const p = enrolPerson(a, { balance: 100_000, dedc_paid: 150_000, cards: [{ card_sn: '310000D15600000500A1B2C3341C081B', card_no: 'SH0012349' }] });
    const bill = parseBill(readJsonFile(join(BUNDLED_BILLS_DIR, 'outpatient.json'), 'bill'), 'outpatient.json');
    const patient = { psn_no: p.psn_no, insutype: p.insutype, mdtrt_cert_type: '03' as const, mdtrt_cert_no: 'SH0012349' };
    const reg = a.registerOutpatient(billContext(bill, 'M1'), registrationOfBill(bill, patient));
    a.uploadOutpatientFees(billContext(bill, 'M2'), outpatientFeesOfBill(bill, reg.mdtrt_id, p.psn_no));
    const settleCtx = billContext(bill, 'M3');
    const settleInput = outpatientSettlementOfBill(bill, patient, reg.mdtrt_id);
    const settled = a.settleOutpatient(settleCtx, settleInput);
    // 127.60 all 甲 in Shanghai, deductible met: 127.60 × 0.85 = 108.46 fund; 19.14 from the account
    expect(settled.setlinfo).toMatchObject({ medfee_sumamt: 12_760, hifp_pay: 10_846, acct_pay: 1_914, balc: 98_086 });
    first.close();
    expect(readdirSync(dir)).toContain('centre.sqlite');
    const raw = new Database(join(dir, 'centre.sqlite'), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();

    const second = SqliteCentreStore.open({ stateDir: dir });
    const b = new MedicalInsuranceCentre({ store: second, policies, catalogues, clock });
    expect(b.findPerson('310000D15600000500A1B2C3341C081B')!.balance).toBe(98_086);
    expect(b.settlement(settled.setlinfo.setl_id!)).toMatchObject({ status: 'settled', hifp_pay: 10_846 });
    expect(second.ledgerTotals()).toMatchObject({ entries: 1, fund_pay_sumamt: 10_846 });
    // the HIS retries its 2207 after the restart: the same answer, nothing charged again
    expect(b.settleOutpatient(settleCtx, settleInput)).toEqual(settled);
    expect(b.findPerson(p.psn_no)!.balance).toBe(98_086);
    second.close();
  });
});

describe('idempotency and reversal (2601)', () => {
  it('2204 retried with a new msgid adds nothing; a feedetl_sn with other content is refused', () => {
    const { centre, store } = testCentre();
    const p = enrolPerson(centre, {});
    const reg = centre.registerOutpatient(ctx(), { psn_no: p.psn_no, insutype: '310', begntime: '2026-03-02 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, ipt_otp_no: 'I1', atddr_no: '', dr_name: '', dept_code: '', dept_name: '', caty: '' });
    // the same ipt_otp_no registered again (a retried 2201) is the same visit
    expect(centre.registerOutpatient(ctx(), { psn_no: p.psn_no, insutype: '310', begntime: '2026-03-02 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, ipt_otp_no: 'I1', atddr_no: '', dr_name: '', dept_code: '', dept_name: '', caty: '' }).mdtrt_id).toBe(reg.mdtrt_id);
    const line = { feedetl_sn: '1', mdtrt_id: reg.mdtrt_id, psn_no: p.psn_no, chrg_bchno: 'B', med_list_codg: 'A1', medins_list_codg: 'A1', medins_list_name: '', det_item_fee_sumamt: 1_000, cnt: 10_000, pric: 10_000_000, fee_ocur_time: '2026-03-02 09:10:00', bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '' };
    centre.uploadOutpatientFees(ctx(), [line]);
    centre.uploadOutpatientFees(ctx(), [line]);
    expect(store.feeDetailsOf(reg.mdtrt_id)).toHaveLength(1);
    expect(() => centre.uploadOutpatientFees(ctx(), [{ ...line, cnt: 20_000, det_item_fee_sumamt: 2_000 }])).toThrow(/feedetl_sn 1\): this feedetl_sn was already uploaded with other content/);
  });

  it('2601 reverses a 2207 by its msgid: account, year and ledger as before; twice changes nothing', () => {
    const { centre, store } = testCentre();
    const p = enrolPerson(centre, { balance: 100_000 });
    const person = centre.findPerson(p.psn_no)!;
    const reg = centre.registerOutpatient(ctx(), { psn_no: p.psn_no, insutype: '310', begntime: '2026-03-02 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: person.certno, ipt_otp_no: 'R1', atddr_no: '', dr_name: '', dept_code: '', dept_name: '', caty: '' });
    centre.uploadOutpatientFees(ctx(), [{ feedetl_sn: '1', mdtrt_id: reg.mdtrt_id, psn_no: p.psn_no, chrg_bchno: 'B', med_list_codg: 'A1', medins_list_codg: 'A1', medins_list_name: '', det_item_fee_sumamt: 200_000, cnt: 10_000, pric: 2_000_000_000, fee_ocur_time: '2026-03-02 09:10:00', bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '' }]);
    const before = snapshot(centre, store, p.psn_no);
    const settleCtx = ctx();
    const input = { psn_no: p.psn_no, mdtrt_cert_type: '02' as const, mdtrt_cert_no: person.certno, med_type: '11' as const, medfee_sumamt: 200_000, psn_setlway: '01', mdtrt_id: reg.mdtrt_id, chrg_bchno: 'B', acct_used_flag: '1' as const, insutype: '310' as const, invono: '' };
    const s = centre.settleOutpatient(settleCtx, input).setlinfo;
    // 2,000.00: deductible 1,500.00; 500.00 × 0.85 = 425.00; 1,000.00 of the 1,575.00 from the account
    expect(s).toMatchObject({ act_pay_dedc: 150_000, hifp_pay: 42_500, acct_pay: 100_000, psn_cash_pay: 57_500, balc: 0 });
    expect(() => centre.reverse(ctx(), { psn_no: p.psn_no, omsgid: settleCtx.msgid, oinfno: '2208' })).toThrow(/was a 2207, not a 2208/);
    centre.reverse(ctx(), { psn_no: p.psn_no, omsgid: settleCtx.msgid, oinfno: '2207' });
    const after = snapshot(centre, store, p.psn_no);
    expect({ balance: after.balance, annual: after.annual }).toEqual({ balance: before.balance, annual: before.annual });
    expect(after.ledger).toMatchObject({ entries: 2, medfee_sumamt: 0, fund_pay_sumamt: 0, acct_pay: 0 });
    expect(centre.settlement(s.setl_id!)).toMatchObject({ status: 'cancelled' });
    centre.reverse(ctx(), { psn_no: p.psn_no, omsgid: settleCtx.msgid, oinfno: '2207' });
    expect(store.ledgerTotals().entries).toBe(2);
    // the reversed message replayed is refused, not answered as if it still held
    expect(() => centre.settleOutpatient(settleCtx, input)).toThrow(/was reversed by 2601 message/);
    // the batch can be settled again by a new message
    expect(centre.settleOutpatient(ctx(), input).setlinfo).toMatchObject({ hifp_pay: 42_500, acct_pay: 100_000 });
  });

  it('2601 withdraws a registration and removes an upload; refuses what it cannot reverse', () => {
    const { centre, store } = testCentre();
    const p = enrolPerson(centre, {});
    const regCtx = ctx();
    const reg = centre.registerOutpatient(regCtx, { psn_no: p.psn_no, insutype: '310', begntime: '2026-03-02 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, ipt_otp_no: 'W1', atddr_no: '', dr_name: '', dept_code: '', dept_name: '', caty: '' });
    const upCtx = ctx();
    centre.uploadOutpatientFees(upCtx, [{ feedetl_sn: '1', mdtrt_id: reg.mdtrt_id, psn_no: p.psn_no, chrg_bchno: 'B', med_list_codg: 'C1', medins_list_codg: 'C1', medins_list_name: '', det_item_fee_sumamt: 500, cnt: 10_000, pric: 5_000_000, fee_ocur_time: '2026-03-02 09:10:00', bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '' }]);
    centre.reverse(ctx(), { psn_no: p.psn_no, omsgid: upCtx.msgid, oinfno: '2204' });
    expect(store.feeDetailsOf(reg.mdtrt_id)).toEqual([]);
    centre.reverse(ctx(), { psn_no: p.psn_no, omsgid: regCtx.msgid, oinfno: '2201' });
    expect(store.getVisit(reg.mdtrt_id)!.status).toBe('cancelled');
    expect(() => centre.uploadOutpatientFees(ctx(), [{ feedetl_sn: '2', mdtrt_id: reg.mdtrt_id, psn_no: p.psn_no, chrg_bchno: 'B', med_list_codg: 'C1', medins_list_codg: 'C1', medins_list_name: '', det_item_fee_sumamt: 500, cnt: 10_000, pric: 5_000_000, fee_ocur_time: '2026-03-02 09:10:00', bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '' }])).toThrow(/was withdrawn/);
    expect(() => centre.reverse(ctx(), { psn_no: p.psn_no, omsgid: 'NO-SUCH', oinfno: '2207' })).toThrow(/^原报文不存在 \(no such message\): no message has msgid NO-SUCH$/);
  });
});

describe('cards and enrolment', () => {
  it('enrols from what the card says, finds the holder again, binds a replacement card, forgets a deregistered one', () => {
    const { centre } = testCentre();
    const card = { certno: '310104199203154427', psn_name: '李文静', card_sn: '310000d15600000500a1b2c3341c081b', card_no: 'SH0012349' };
    const first = centre.enrolFromCard(card);
    expect(first).toMatchObject({ created: true, cardBound: true, person: { insuplc_admdvs: '310000', insutype: '310', psn_type: '1101', gend: '2', brdy: '1992-03-15', balance: 0 } });
    expect(centre.enrolFromCard(card)).toMatchObject({ created: false, cardBound: false, person: { psn_no: first.person.psn_no } });
    const replacement = { ...card, card_sn: '310000D15600000512345678ABCDEF01', card_no: 'SH0099999' };
    expect(centre.enrolFromCard(replacement)).toMatchObject({ created: false, cardBound: true });
    expect(centre.personView(first.person.psn_no).cards.map((c) => c.status)).toEqual(['active', 'active']);
    expect(() => centre.enrolFromCard({ ...card, psn_name: '李文' })).toThrow(/^数据不一致 \(inconsistent data\): certno 310104199203154427 is enrolled as 李文静, the card says 李文/);
    expect(() => centre.enrolFromCard({ ...card, certno: '310101198507214325', psn_name: '王秀英' })).toThrow(/is bound to psn_no/);
    centre.deregisterCard(card.card_sn);
    const c: MessageContext = { msgid: 'X', fixmedins_code: 'H', mdtrtarea_admvs: '310000' };
    expect(() => centre.personInfo(c, { mdtrt_cert_type: '03', mdtrt_cert_no: 'SH0012349', card_sn: card.card_sn })).toThrow(/is deregistered/);
    expect(centre.personInfo(c, { mdtrt_cert_type: '03', mdtrt_cert_no: 'SH0099999', card_sn: replacement.card_sn }).baseinfo.psn_no).toBe(first.person.psn_no);
  });

  it('refuses a bad ID number, a psn_type of the other scheme, a certno enrolled twice', () => {
    const { centre } = testCentre();
    expect(() => centre.enrol({ certno: '310104199203154428', psn_name: 'x', insuplc_admdvs: '310000' })).toThrow(/valid check character/);
    expect(() => centre.enrol({ certno: '310104199203154427', psn_name: 'x', insuplc_admdvs: '310000', insutype: '390', kind: 'retired' })).toThrow(/psn_type 1201 \(职工退休\) belongs to insurance type 310, not 390/);
    centre.enrol({ certno: '310104199203154427', psn_name: '李文静', insuplc_admdvs: '310000' });
    expect(() => centre.enrol({ certno: '310104199203154427', psn_name: '李文静', insuplc_admdvs: '310000' })).toThrow(/already enrolled as psn_no 31000000000000000001/);
  });
});

describe('refusals', () => {
  function registered(options: { balance?: number } = {}) {
    const t = testCentre();
    const p = enrolPerson(t.centre, { balance: options.balance ?? 0 });
    const reg = t.centre.registerOutpatient(ctx(), { psn_no: p.psn_no, insutype: '310', begntime: '2026-03-02 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, ipt_otp_no: 'Q1', atddr_no: '', dr_name: '', dept_code: '', dept_name: '', caty: '' });
    const line = { feedetl_sn: '1', mdtrt_id: reg.mdtrt_id, psn_no: p.psn_no, chrg_bchno: 'B', med_list_codg: 'A1', medins_list_codg: 'A1', medins_list_name: '', det_item_fee_sumamt: 1_000, cnt: 10_000, pric: 10_000_000, fee_ocur_time: '2026-03-02 09:10:00', bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '' };
    const settle = { psn_no: p.psn_no, mdtrt_cert_type: '02' as const, mdtrt_cert_no: p.certno, med_type: '11' as const, medfee_sumamt: 1_000, psn_setlway: '01', mdtrt_id: reg.mdtrt_id, chrg_bchno: 'B', acct_used_flag: '1' as const, insutype: '310' as const, invono: '' };
    return { ...t, p, reg, line, settle };
  }

  it('a code not in the catalogue, an amount that is not cnt × pric', () => {
    const { centre, line } = registered();
    expect(() => centre.uploadOutpatientFees(ctx(), [{ ...line, med_list_codg: 'ZZ' }])).toThrow(/^医保目录未匹配 \(not in the catalogue\): feedetail\[0\] \(feedetl_sn 1\): med_list_codg ZZ is not in the catalogue of treatment region 310000$/);
    expect(() => centre.uploadOutpatientFees(ctx(), [{ ...line, det_item_fee_sumamt: 1_001 }])).toThrow(/det_item_fee_sumamt 10\.01 is not cnt × pric \(10\.00\)/);
  });

  it('a total that is not the fee details’, declared figures that are not the centre’s, no fee details', () => {
    const { centre, line, settle } = registered();
    expect(() => centre.preSettleOutpatient(ctx(), settle)).toThrow(/no uploaded fee details in chrg_bchno B/);
    centre.uploadOutpatientFees(ctx(), [line]);
    expect(() => centre.settleOutpatient(ctx(), { ...settle, medfee_sumamt: 1_100 })).toThrow(/medfee_sumamt 11\.00 is not the total of the fee details to settle \(10\.00, 1 details\)/);
    expect(() => centre.settleOutpatient(ctx(), { ...settle, inscp_scp_amt: 900 })).toThrow(/inscp_scp_amt 9\.00 is not the centre's 10\.00/);
  });

  it('another institution, another treatment place, another insured place, a suspended insurance', () => {
    const { centre, line, settle, p } = registered();
    centre.uploadOutpatientFees(ctx(), [line]);
    expect(() => centre.preSettleOutpatient({ ...ctx(), fixmedins_code: 'H999' }, settle)).toThrow(/belongs to institution H31010400123, not H999/);
    expect(() => centre.preSettleOutpatient(ctx('510100'), settle)).toThrow(/was registered in 310000, the envelope says mdtrtarea_admvs 510100/);
    expect(() => centre.preSettleOutpatient({ ...ctx(), insuplc_admdvs: '510100' }, settle)).toThrow(/insuplc_admdvs 510100 of the envelope is not the insured region/);
    centre.setInsuranceStatus(p.psn_no, 'suspended');
    expect(() => centre.settleOutpatient(ctx(), settle)).toThrow(/^当前状态不允许此交易 \(not allowed in this state\): the insurance of .* is suspended/);
  });

  it('a person no policy covers', () => {
    const t = testCentre({ policies: [{ name: 'only-sichuan', insuplc_admdvs: ['510000'], schemes: { '310': { deductible: '0.00', annual_cap: '1.00', ratios: { employed: '0.5' } } } }] });
    const p = enrolPerson(t.centre, { insuplc_admdvs: '440300' });
    expect(() => outpatientVisit(t.centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 100 }])).toThrow(/^待遇政策未配置 \(no policy for this person\): no policy covers insured region 440300$/);
  });

  it('errors are CentreErrors with a kind', () => {
    const { centre } = testCentre();
    try {
      centre.personInfo({ msgid: 'm', fixmedins_code: 'H', mdtrtarea_admvs: '310000' }, { mdtrt_cert_type: '02', mdtrt_cert_no: '110101199001011237' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CentreError);
      expect(err).toMatchObject({ kind: 'person', infcode: '-1' });
    }
  });
});

describe('the bundled data files', () => {
  it('the default policy file states the documented default', () => {
    const policies = loadPolicies();
    expect(policies.apply('330100', '310', 'employed')).toEqual({ policy: 'default', deductible: 150_000, annualCap: 50_000_000, ratio: 8_500 });
    expect(policies.apply('330100', '310', 'retired')).toMatchObject({ ratio: 9_000 });
    expect(policies.apply('330100', '390', 'resident')).toEqual({ policy: 'default', deductible: 50_000, annualCap: 20_000_000, ratio: 6_000 });
    // a district of Chengdu falls under the Sichuan example policy
    expect(policies.apply('510104', '310', 'retired')).toMatchObject({ policy: 'sichuan', deductible: 80_000, ratio: 9_200 });
  });

  it('every bundled bill validates, adds up, and settles in-process for the seed persons', () => {
    const store = SqliteCentreStore.open({ memory: true });
    const centre = new MedicalInsuranceCentre({ store, policies: loadPolicies(), catalogues: loadCatalogues(), clock: fixedClock(NOW) });
    for (const e of loadPersonsFile()) centre.enrol(e);
    const li = centre.findPerson('310000D15600000500A1B2C3341C081B')!;
    expect(li).toMatchObject({ psn_name: '李文静', balance: 200_000 });
    const totals: Record<string, number> = {};
    let n = 0;
    for (const file of readdirSync(BUNDLED_BILLS_DIR).filter((f) => f.endsWith('.json')).sort()) {
      const bill = parseBill(readJsonFile(join(BUNDLED_BILLS_DIR, file), 'bill'), file);
      totals[file] = billTotal(bill);
      const patient = { psn_no: li.psn_no, insutype: li.insutype, mdtrt_cert_type: '03' as const, mdtrt_cert_no: 'SH0012349' };
      const c = () => billContext(bill, `BILL${++n}`, li.insuplc_admdvs);
      let settled;
      if (bill.kind === 'outpatient') {
        const reg = centre.registerOutpatient(c(), registrationOfBill(bill, patient));
        centre.uploadOutpatientFees(c(), outpatientFeesOfBill(bill, reg.mdtrt_id, li.psn_no));
        settled = centre.settleOutpatient(c(), outpatientSettlementOfBill(bill, patient, reg.mdtrt_id));
      } else {
        const adm = centre.admit(c(), admissionOfBill(bill, patient));
        centre.uploadInpatientFees(c(), inpatientFeesOfBill(bill, adm.mdtrt_id, li.psn_no));
        settled = centre.settleInpatient(c(), inpatientSettlementOfBill(bill, patient, adm.mdtrt_id));
      }
      expect(settled.setlinfo.medfee_sumamt).toBe(totals[file]);
    }
    // the totals written in the bills' comments
    expect(totals).toEqual({ 'cross-province.json': 22_400, 'inpatient.json': 284_100, 'outpatient.json': 12_760, 'three-categories.json': 43_060 });
    // cross-province in Chengdu for the Shanghai-insured Li: Sichuan catalogue (CT capped at 150.00, 15 %; 黄芪 甲)
    const cross = store.settlementsOfPerson(li.psn_no, 10).find((s) => s.mdtrtarea_admvs === '510100')!;
    // 224.00 = 20.00 over + 22.50 first (15 % of 150.00) + 181.50 in scope (22.00 + 127.50 + 32.00)
    expect(cross).toMatchObject({ policy: 'default', insuplc_admdvs: '310000', overlmt_selfpay: 2_000, preselfpay_amt: 2_250, inscp_scp_amt: 18_150 });
  });
});

describe('inpatient mid-stay settlement and the calendar year', () => {
  it('mid_setl_flag 1 settles what is uploaded so far and keeps the visit open; the final settlement closes it', () => {
    const { centre, store } = testCentre();
    const p = enrolPerson(centre, { kind: 'retired', balance: 0 });
    const c = () => ctx();
    const adm = centre.admit(c(), { psn_no: p.psn_no, insutype: '310', begntime: '2026-03-01 08:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, med_type: '21', ipt_no: 'ZY1', atddr_no: '', chfpdr_name: '', adm_dept_codg: '', adm_dept_name: '', adm_bed: '', adm_diag_dscr: '', dscg_maindiag_code: '', dscg_maindiag_name: '' });
    const fee = (sn: string, yuan: number) => ({ feedetl_sn: sn, mdtrt_id: adm.mdtrt_id, psn_no: p.psn_no, med_type: '21' as const, init_feedetl_sn: '', drord_no: '', med_list_codg: 'A1', medins_list_codg: 'A1', medins_list_name: '', det_item_fee_sumamt: yuan * 100, cnt: 10_000, pric: yuan * 1_000_000, fee_ocur_time: '2026-03-02 08:00:00', bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '' });
    const settle = (medfee: number, mid: '0' | '1') => ({ psn_no: p.psn_no, mdtrt_cert_type: '02' as const, mdtrt_cert_no: p.certno, medfee_sumamt: medfee, psn_setlway: '01', mdtrt_id: adm.mdtrt_id, acct_used_flag: '1' as const, insutype: '310' as const, invono: '', mid_setl_flag: mid });
    expect(() => centre.preSettleInpatient(c(), settle(0, '1'))).toThrow(/has no unsettled fee details/);
    centre.uploadInpatientFees(c(), [fee('1', 1_000)]);
    // mid-stay: 1,000.00 all within the deductible (1,500.00): the fund pays nothing yet
    expect(centre.settleInpatient(c(), settle(100_000, '1')).setlinfo).toMatchObject({ act_pay_dedc: 100_000, hifp_pay: 0 });
    expect(store.getVisit(adm.mdtrt_id)!.status).toBe('open');
    centre.uploadInpatientFees(c(), [fee('2', 2_000)]);
    // final: 2,000.00; 500.00 of the deductible left; 1,500.00 × 0.90 = 1,350.00
    const final = centre.settleInpatient(c(), settle(200_000, '0')).setlinfo;
    expect(final).toMatchObject({ medfee_sumamt: 200_000, act_pay_dedc: 50_000, hifp_pay: 135_000, psn_cash_pay: 65_000 });
    expect(store.getVisit(adm.mdtrt_id)!.status).toBe('discharged');
    // cancelling the final settlement reopens the stay
    centre.cancelInpatient(c(), { mdtrt_id: adm.mdtrt_id, setl_id: final.setl_id!, psn_no: p.psn_no });
    expect(store.getVisit(adm.mdtrt_id)!.status).toBe('open');
    expect(centre.personView(p.psn_no).annual).toMatchObject({ dedc_paid: 100_000, fund_paid: 0 });
  });

  it('the deductible and the cap start again with the new year (China time)', () => {
    const store = SqliteCentreStore.open({ memory: true });
    let now = new Date('2026-12-31T15:59:59Z'); // 2026-12-31 23:59:59 in China
    const clock = { now: () => now };
    const { centre } = testCentre({ store, clock });
    const p = enrolPerson(centre, { balance: 0, dedc_paid: 150_000 });
    // last second of 2026: deductible met, 100.00 × 0.85 = 85.00
    expect(outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 10_000 }]).settled.setlinfo).toMatchObject({ act_pay_dedc: 0, hifp_pay: 8_500, setl_time: '2026-12-31 23:59:59' });
    now = new Date('2026-12-31T16:00:00Z'); // 2027-01-01 00:00:00 in China
    // the new year's first visit pays the deductible again
    expect(outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 10_000 }]).settled.setlinfo).toMatchObject({ act_pay_dedc: 10_000, hifp_pay: 0, setl_time: '2027-01-01 00:00:00' });
    expect(store.getAnnual(p.psn_no, 2026)).toMatchObject({ dedc_paid: 150_000, fund_paid: 8_500 });
    expect(store.getAnnual(p.psn_no, 2027)).toMatchObject({ dedc_paid: 10_000, fund_paid: 0 });
  });
});
