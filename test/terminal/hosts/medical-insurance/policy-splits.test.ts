// The policy, outcome by outcome: each expected split is worked out by hand in the comments (yuan),
// from the documented default policy written out in helpers.ts (deductible 1,500.00 / 500.00; ratio
// 0.85 employed, 0.90 retired, 0.60 residents; cap 500,000.00 / 200,000.00), never from src/.
import { describe, expect, it } from 'vitest';
import { enrolPerson, outpatientVisit, testCentre, DEFAULT_POLICY_JSON } from './helpers.js';
import type { SetlInfo } from '../../../../src/terminal/hosts/medical-insurance/index.js';

/** The money fields of setlinfo, in fen. */
function money(s: SetlInfo) {
  return {
    medfee_sumamt: s.medfee_sumamt,
    fulamt_ownpay_amt: s.fulamt_ownpay_amt,
    overlmt_selfpay: s.overlmt_selfpay,
    preselfpay_amt: s.preselfpay_amt,
    inscp_scp_amt: s.inscp_scp_amt,
    act_pay_dedc: s.act_pay_dedc,
    hifp_pay: s.hifp_pay,
    fund_pay_sumamt: s.fund_pay_sumamt,
    psn_part_amt: s.psn_part_amt,
    acct_pay: s.acct_pay,
    psn_cash_pay: s.psn_cash_pay,
    balc: s.balc,
  };
}

describe('policy: splits computed by hand', () => {
  it('a bill crossing the deductible, then a second visit with the deductible met', () => {
    const { centre } = testCentre();
    const p = enrolPerson(centre, { insutype: '310', kind: 'employed', balance: 200_000 });
    // 2,000.00 甲: in scope 2,000.00; deductible 1,500.00 paid by the person; 500.00 × 0.85 = 425.00 fund;
    // person 2,000.00 − 425.00 = 1,575.00, all from the account (2,000.00): cash 0.00, balance 425.00.
    const first = outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 200_000 }]);
    expect(money(first.settled.setlinfo)).toEqual({
      medfee_sumamt: 200_000, fulamt_ownpay_amt: 0, overlmt_selfpay: 0, preselfpay_amt: 0, inscp_scp_amt: 200_000,
      act_pay_dedc: 150_000, hifp_pay: 42_500, fund_pay_sumamt: 42_500, psn_part_amt: 157_500, acct_pay: 157_500, psn_cash_pay: 0, balc: 42_500,
    });
    expect(first.settled.setlinfo.pool_prop_selfpay).toBe(8_500);
    // the pre-settlement said the same and charged nothing
    expect(money(first.pre.setlinfo)).toEqual(money(first.settled.setlinfo));
    // 100.00 甲 later in the year: no deductible left; 85.00 fund; person 15.00 from the account: balance 410.00
    const second = outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 10_000 }]);
    expect(money(second.settled.setlinfo)).toMatchObject({ act_pay_dedc: 0, hifp_pay: 8_500, psn_part_amt: 1_500, acct_pay: 1_500, psn_cash_pay: 0, balc: 41_000 });
    const view = centre.personView(p.psn_no);
    expect(view.annual).toMatchObject({ year: 2026, dedc_paid: 150_000, fund_paid: 51_000 });
    expect(view.person.balance).toBe(41_000);
  });

  it('a bill reaching the annual cap', () => {
    const { centre } = testCentre();
    // this year so far: deductible met, 499,900.00 of the 500,000.00 cap used: 100.00 left
    const p = enrolPerson(centre, { insutype: '310', kind: 'employed', balance: 30_000, dedc_paid: 150_000, fund_paid: 49_990_000 });
    // 1,000.00 甲: 0.85 × 1,000.00 = 850.00, capped at 100.00; person 900.00: account 300.00, cash 600.00
    const { settled } = outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 100_000 }]);
    expect(money(settled.setlinfo)).toMatchObject({ act_pay_dedc: 0, hifp_pay: 10_000, psn_part_amt: 90_000, acct_pay: 30_000, psn_cash_pay: 60_000, balc: 0 });
    expect(settled.setldetail[0]).toMatchObject({ fund_pay_type: '310100', crt_payb_lmt_amt: 10_000, fund_payamt: 10_000 });
    // the cap is reached: the next bill gets nothing from the fund
    const next = outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 5_000 }]);
    expect(money(next.settled.setlinfo)).toMatchObject({ hifp_pay: 0, psn_part_amt: 5_000, acct_pay: 0, psn_cash_pay: 5_000 });
    expect(centre.personView(p.psn_no).annual.fund_paid).toBe(50_000_000);
  });

  it('all three categories, with price caps', () => {
    const { centre } = testCentre();
    const p = enrolPerson(centre, { insutype: '310', kind: 'employed', balance: 100_000, dedc_paid: 150_000 });
    // A2 甲 5 × 80.00 = 400.00, cap 60.00: 300.00 in scope, 100.00 over the limit
    // B1 乙 1 × 200.00, 10 %: 20.00 self-pay first, 180.00 in scope
    // B2 乙 2 × 120.00 = 240.00, cap 100.00: 200.00 capped, 40.00 over; 15 % of 200.00 = 30.00 first; 170.00 in scope
    // C1 丙 1 × 50.00: fully self-paid
    // total 890.00 = 50.00 丙 + 140.00 over + 50.00 first + 650.00 in scope
    // fund 650.00 × 0.85 = 552.50; person 890.00 − 552.50 = 337.50, from the account (1,000.00): balance 662.50
    const { settled } = outpatientVisit(centre, p.psn_no, [
      { code: 'A2', cnt: 5, pric: 8_000 },
      { code: 'B1', cnt: 1, pric: 20_000 },
      { code: 'B2', cnt: 2, pric: 12_000 },
      { code: 'C1', cnt: 1, pric: 5_000 },
    ]);
    expect(money(settled.setlinfo)).toEqual({
      medfee_sumamt: 89_000, fulamt_ownpay_amt: 5_000, overlmt_selfpay: 14_000, preselfpay_amt: 5_000, inscp_scp_amt: 65_000,
      act_pay_dedc: 0, hifp_pay: 55_250, fund_pay_sumamt: 55_250, psn_part_amt: 33_750, acct_pay: 33_750, psn_cash_pay: 0, balc: 66_250,
    });
  });

  it('the fee details are classified line by line (2204 result)', () => {
    const { centre } = testCentre();
    const p = enrolPerson(centre, { balance: 0 });
    const reg = centre.registerOutpatient(
      { msgid: 'R1', fixmedins_code: 'H1', mdtrtarea_admvs: '310000' },
      { psn_no: p.psn_no, insutype: '310', begntime: '2026-03-02 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: p.certno, ipt_otp_no: 'X1', atddr_no: '', dr_name: '', dept_code: '', dept_name: '', caty: '' },
    );
    const line = (sn: string, code: string, cnt: number, pric: number) => ({
      feedetl_sn: sn, mdtrt_id: reg.mdtrt_id, psn_no: p.psn_no, chrg_bchno: 'B', med_list_codg: code, medins_list_codg: code, medins_list_name: '',
      det_item_fee_sumamt: cnt * pric, cnt: cnt * 10_000, pric: pric * 10_000, fee_ocur_time: '2026-03-02 09:10:00',
      bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '',
    });
    const result = centre.uploadOutpatientFees({ msgid: 'U1', fixmedins_code: 'H1', mdtrtarea_admvs: '310000' }, [line('1', 'B2', 2, 12_000), line('2', 'C1', 1, 5_000)]);
    // B2: 240.00 → 40.00 over the 100.00 cap; 15 % of 200.00 = 30.00 first; 170.00 in scope
    expect(result[0]).toMatchObject({ chrgitm_lv: '02', selfpay_prop: 1_500, pric_uplmt_amt: 100_000_000, overlmt_amt: 4_000, preselfpay_amt: 3_000, inscp_scp_amt: 17_000, fulamt_ownpay_amt: 0 });
    expect(result[1]).toMatchObject({ chrgitm_lv: '03', fulamt_ownpay_amt: 5_000, inscp_scp_amt: 0, pric_uplmt_amt: 0 });
  });

  it('an exhausted personal account, a nearly empty one, and acct_used_flag 0', () => {
    const { centre } = testCentre();
    const empty = enrolPerson(centre, { balance: 0, dedc_paid: 150_000 });
    // 300.00 甲: fund 255.00; person 45.00; the account has nothing: cash 45.00
    expect(money(outpatientVisit(centre, empty.psn_no, [{ code: 'A1', cnt: 1, pric: 30_000 }]).settled.setlinfo)).toMatchObject({
      hifp_pay: 25_500, psn_part_amt: 4_500, acct_pay: 0, psn_cash_pay: 4_500, balc: 0,
    });
    const low = enrolPerson(centre, { balance: 2_000, dedc_paid: 150_000 });
    // the account pays its last 20.00, cash 25.00
    expect(money(outpatientVisit(centre, low.psn_no, [{ code: 'A1', cnt: 1, pric: 30_000 }]).settled.setlinfo)).toMatchObject({
      acct_pay: 2_000, psn_cash_pay: 2_500, balc: 0,
    });
    const rich = enrolPerson(centre, { balance: 100_000, dedc_paid: 150_000 });
    // the HIS asks not to use the account: all 45.00 in cash, the balance untouched
    expect(money(outpatientVisit(centre, rich.psn_no, [{ code: 'A1', cnt: 1, pric: 30_000 }], { acct: '0' }).settled.setlinfo)).toMatchObject({
      acct_pay: 0, psn_cash_pay: 4_500, balc: 100_000,
    });
  });

  it('a retired employee, and a resident', () => {
    const { centre } = testCentre();
    const retired = enrolPerson(centre, { insutype: '310', kind: 'retired', balance: 560_000 });
    // 1,700.00 甲: deductible 1,500.00; 200.00 × 0.90 = 180.00; person 1,520.00 from the account (5,600.00): 4,080.00 left
    const r = outpatientVisit(centre, retired.psn_no, [{ code: 'A1', cnt: 1, pric: 170_000 }]).settled.setlinfo;
    expect(money(r)).toMatchObject({ act_pay_dedc: 150_000, hifp_pay: 18_000, psn_part_amt: 152_000, acct_pay: 152_000, psn_cash_pay: 0, balc: 408_000 });
    expect(r).toMatchObject({ psn_type: '1201', pool_prop_selfpay: 9_000 });
    const resident = enrolPerson(centre, { insutype: '390', kind: 'resident', balance: 0 });
    // 700.00 甲: deductible 500.00; 200.00 × 0.60 = 120.00; person 580.00 in cash
    const s = outpatientVisit(centre, resident.psn_no, [{ code: 'A1', cnt: 1, pric: 70_000 }]).settled;
    expect(money(s.setlinfo)).toMatchObject({ act_pay_dedc: 50_000, hifp_pay: 12_000, psn_part_amt: 58_000, psn_cash_pay: 58_000 });
    expect(s.setldetail[0]).toMatchObject({ fund_pay_type: '390100' });
  });

  it("cross-province: the treatment place's catalogue, the insured place's policy", () => {
    const sichuanPolicy = {
      name: 'sichuan-test',
      insuplc_admdvs: ['510000'],
      schemes: { '310': { deductible: '800.00', annual_cap: '400000.00', ratios: { employed: '0.87', retired: '0.92' } } },
    };
    const national = { name: 'national', admdvs: ['*'], items: [{ med_list_codg: 'X', name: 'X', chrgitm_lv: '02', med_chrgitm_type: '09', selfpay_prop: '0.10' }] };
    const shanghai = { name: 'shanghai', admdvs: ['310000'], items: [{ med_list_codg: 'X', name: 'X', chrgitm_lv: '01', med_chrgitm_type: '09' }] };
    const { centre } = testCentre({ policies: [DEFAULT_POLICY_JSON, sichuanPolicy], catalogues: [national, shanghai] });
    // insured in Chengdu (510100 → the Sichuan policy), treated in Shanghai (310000 → X is 甲 there)
    const away = enrolPerson(centre, { insuplc_admdvs: '510100', kind: 'employed', balance: 0 });
    // 1,000.00 in scope; Sichuan deductible 800.00; 200.00 × 0.87 = 174.00; cash 826.00
    const a = outpatientVisit(centre, away.psn_no, [{ code: 'X', cnt: 1, pric: 100_000 }], { area: '310000' }).settled.setlinfo;
    expect(money(a)).toMatchObject({ preselfpay_amt: 0, inscp_scp_amt: 100_000, act_pay_dedc: 80_000, hifp_pay: 17_400, psn_cash_pay: 82_600 });
    expect(a.clr_optins).toBe('310000');
    // the same person's neighbour treated at home (510100 → national catalogue: X is 乙 10 %):
    // 100.00 first, 900.00 in scope; deductible 800.00; 100.00 × 0.87 = 87.00
    const home = enrolPerson(centre, { insuplc_admdvs: '510100', kind: 'employed', balance: 0 });
    const h = outpatientVisit(centre, home.psn_no, [{ code: 'X', cnt: 1, pric: 100_000 }], { area: '510100' }).settled.setlinfo;
    expect(money(h)).toMatchObject({ preselfpay_amt: 10_000, inscp_scp_amt: 90_000, act_pay_dedc: 80_000, hifp_pay: 8_700 });
    // a Shanghai-insured person in Shanghai: the default policy (deductible 1,500.00 > 1,000.00: the fund pays nothing)
    const local = enrolPerson(centre, { insuplc_admdvs: '310000', kind: 'employed', balance: 0 });
    const l = outpatientVisit(centre, local.psn_no, [{ code: 'X', cnt: 1, pric: 100_000 }], { area: '310000' }).settled.setlinfo;
    expect(money(l)).toMatchObject({ inscp_scp_amt: 100_000, act_pay_dedc: 100_000, hifp_pay: 0, psn_cash_pay: 100_000 });
  });

  it('rounding: half up to the fen', () => {
    const { centre } = testCentre();
    const p = enrolPerson(centre, { balance: 0, dedc_paid: 150_000 });
    // 10.10 × 0.85 = 8.585 → 8.59 (half up; half-to-even would give 8.58); person 1.51
    const a = outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 1_010 }]).settled.setlinfo;
    expect(money(a)).toMatchObject({ hifp_pay: 859, psn_part_amt: 151 });
    // 乙 33.35 at 10 %: 3.335 → 3.34 first; 30.01 in scope; 30.01 × 0.85 = 25.5085 → 25.51; person 33.35 − 25.51 = 7.84
    const b = outpatientVisit(centre, p.psn_no, [{ code: 'B1', cnt: 1, pric: 3_335 }]).settled.setlinfo;
    expect(money(b)).toMatchObject({ preselfpay_amt: 334, inscp_scp_amt: 3_001, hifp_pay: 2_551, psn_part_amt: 784, psn_cash_pay: 784 });
    // 0.01 × 0.85 = 0.0085 → 0.01
    const c = outpatientVisit(centre, p.psn_no, [{ code: 'A1', cnt: 1, pric: 1 }]).settled.setlinfo;
    expect(money(c)).toMatchObject({ hifp_pay: 1, psn_part_amt: 0 });
  });
});
