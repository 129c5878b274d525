/**
 * The `output` of each transaction, typed (DOMAIN.md §4.1 field names; amounts in fen, ratios in
 * 1/10000, quantities in 1/10000, prices in 1/1000000 yuan), and how the centre builds them from its
 * records. `wire.ts` writes them on the wire.
 */
import { POOL_FUND } from './codes.js';
import { yuan, formatScaled } from './decimal.js';
import { ageOn } from './china-time.js';
import type { FeeDetailRecord, PersonRecord, SettlementRecord, VisitRecord } from './model.js';

/** 1101 output. */
export interface PersonInfoOutput {
  baseinfo: { psn_no: string; psn_cert_type: string; certno: string; psn_name: string; gend: string; naty: string; brdy: string; age: number };
  insuinfo: {
    balc: number;
    insutype: string;
    psn_type: string;
    psn_insu_stas: string;
    psn_insu_date: string;
    paus_insu_date: string;
    cvlserv_flag: string;
    insuplc_admdvs: string;
    emp_name: string;
  }[];
  idetinfo: { psn_idet_type: string; psn_type_lv: string; memo: string; begntime: string; endtime: string }[];
}

/** 2201 output.data / 2401 output.result. */
export interface RegistrationOutput {
  mdtrt_id: string;
  psn_no: string;
  ipt_otp_no: string;
}

/** One row of 2204 / 2301 output.result. */
export interface FeeResult {
  feedetl_sn: string;
  det_item_fee_sumamt: number;
  cnt: number;
  pric: number;
  /** 0 when the catalogue sets no price cap. */
  pric_uplmt_amt: number;
  selfpay_prop: number;
  fulamt_ownpay_amt: number;
  overlmt_amt: number;
  preselfpay_amt: number;
  inscp_scp_amt: number;
  chrgitm_lv: string;
  med_chrgitm_type: string;
  bas_medn_flag: string;
  hi_nego_drug_flag: string;
  chld_medc_flag: string;
  list_sp_item_flag: string;
  lmt_used_flag: string;
  drt_reim_flag: string;
  memo: string;
}

/** setlinfo of 2206 / 2207 / 2208 / 2303 / 2304 / 2305. */
export interface SetlInfo {
  mdtrt_id: string;
  /** Absent in a pre-settlement; the cancellation's own ID in a cancel answer. */
  setl_id?: string;
  psn_no: string;
  psn_name: string;
  psn_cert_type: string;
  certno: string;
  gend: string;
  naty: string;
  brdy: string;
  age: number;
  insutype: string;
  psn_type: string;
  cvlserv_flag: string;
  setl_time: string;
  mdtrt_cert_type: string;
  med_type: string;
  medfee_sumamt: number;
  fulamt_ownpay_amt: number;
  overlmt_selfpay: number;
  preselfpay_amt: number;
  inscp_scp_amt: number;
  act_pay_dedc: number;
  hifp_pay: number;
  pool_prop_selfpay: number;
  cvlserv_pay: number;
  hifes_pay: number;
  hifmi_pay: number;
  hifob_pay: number;
  maf_pay: number;
  oth_pay: number;
  fund_pay_sumamt: number;
  psn_part_amt: number;
  acct_pay: number;
  psn_cash_pay: number;
  hosp_part_amt: number;
  balc: number;
  acct_mulaid_pay: number;
  medins_setl_id: string;
  clr_optins: string;
  clr_way: string;
  clr_type: string;
}

/** One row of setldetail (the pooled fund's part). */
export interface SetlDetail {
  fund_pay_type: string;
  inscp_scp_amt: number;
  crt_payb_lmt_amt: number;
  fund_payamt: number;
  fund_pay_type_name: string;
  setl_proc_info: string;
}

/** 2206 / 2207 / 2208 / 2303 / 2304 / 2305 output. */
export interface SettlementOutput {
  setlinfo: SetlInfo;
  setldetail: SetlDetail[];
}

/** 3201 output. */
export interface ReconciliationOutput {
  stmtinfo: { setl_optins: string; stmt_rslt: string; stmt_rslt_dscr: string };
}

/** The money and identity fields a settlement answer is built from (a stored or a computed settlement). */
export type SettlementFigures = Omit<
  SettlementRecord,
  'status' | 'cancel_id' | 'cancel_time' | 'cancel_msgid' | 'cancel_balc' | 'setl_id'
> & { setl_id?: string };

/** 1101 output of a person. */
export function personInfoOutput(p: PersonRecord, today: string): PersonInfoOutput {
  return {
    baseinfo: { psn_no: p.psn_no, psn_cert_type: p.psn_cert_type, certno: p.certno, psn_name: p.psn_name, gend: p.gend, naty: p.naty, brdy: p.brdy, age: ageOn(p.brdy, today) },
    insuinfo: [
      {
        balc: p.balance,
        insutype: p.insutype,
        psn_type: p.psn_type,
        psn_insu_stas: p.psn_insu_stas,
        psn_insu_date: p.psn_insu_date,
        paus_insu_date: '',
        cvlserv_flag: p.cvlserv_flag,
        insuplc_admdvs: p.insuplc_admdvs,
        emp_name: p.emp_name,
      },
    ],
    idetinfo: [],
  };
}

/** A 2204 / 2301 result row of a stored fee detail. */
export function feeResult(f: FeeDetailRecord): FeeResult {
  return {
    feedetl_sn: f.feedetl_sn,
    det_item_fee_sumamt: f.det_item_fee_sumamt,
    cnt: f.cnt,
    pric: f.pric,
    pric_uplmt_amt: f.pric_uplmt_amt ?? 0,
    selfpay_prop: f.selfpay_prop,
    fulamt_ownpay_amt: f.fulamt_ownpay_amt,
    overlmt_amt: f.overlmt_amt,
    preselfpay_amt: f.preselfpay_amt,
    inscp_scp_amt: f.inscp_scp_amt,
    chrgitm_lv: f.chrgitm_lv,
    med_chrgitm_type: f.med_chrgitm_type,
    bas_medn_flag: '0',
    hi_nego_drug_flag: '0',
    chld_medc_flag: '0',
    list_sp_item_flag: '0',
    lmt_used_flag: '0',
    drt_reim_flag: '0',
    memo: '',
  };
}

/**
 * A settlement answer. `sign` −1 writes a cancellation: every amount negated, the cancellation's ID,
 * time and message, and the balance after it.
 */
export function settlementOutput(
  s: SettlementFigures,
  person: PersonRecord,
  visit: VisitRecord,
  cancel?: { id: string; time: string; msgid: string; balc: number },
): SettlementOutput {
  const sign = cancel ? -1 : 1;
  const m = (fen: number) => (fen === 0 ? 0 : sign * fen);
  const time = cancel?.time ?? s.setl_time;
  const setl_id = cancel?.id ?? s.setl_id;
  const setlinfo: SetlInfo = {
    mdtrt_id: s.mdtrt_id,
    ...(setl_id !== undefined ? { setl_id } : {}),
    psn_no: person.psn_no,
    psn_name: person.psn_name,
    psn_cert_type: person.psn_cert_type,
    certno: person.certno,
    gend: person.gend,
    naty: person.naty,
    brdy: person.brdy,
    age: ageOn(person.brdy, s.setl_time.slice(0, 10)),
    insutype: s.insutype,
    psn_type: s.psn_type,
    cvlserv_flag: person.cvlserv_flag,
    setl_time: time,
    mdtrt_cert_type: visit.mdtrt_cert_type,
    med_type: s.med_type,
    medfee_sumamt: m(s.medfee_sumamt),
    fulamt_ownpay_amt: m(s.fulamt_ownpay_amt),
    overlmt_selfpay: m(s.overlmt_selfpay),
    preselfpay_amt: m(s.preselfpay_amt),
    inscp_scp_amt: m(s.inscp_scp_amt),
    act_pay_dedc: m(s.act_pay_dedc),
    hifp_pay: m(s.hifp_pay),
    pool_prop_selfpay: s.pool_prop_selfpay,
    cvlserv_pay: 0,
    hifes_pay: 0,
    hifmi_pay: 0,
    hifob_pay: 0,
    maf_pay: 0,
    oth_pay: 0,
    fund_pay_sumamt: m(s.fund_pay_sumamt),
    psn_part_amt: m(s.psn_part_amt),
    acct_pay: m(s.acct_pay),
    psn_cash_pay: m(s.psn_cash_pay),
    hosp_part_amt: 0,
    balc: cancel?.balc ?? s.balc,
    acct_mulaid_pay: 0,
    medins_setl_id: cancel?.msgid ?? s.msgid,
    clr_optins: s.clr_optins,
    clr_way: s.clr_way,
    clr_type: s.clr_type,
  };
  const fund = POOL_FUND[s.insutype];
  const above = s.inscp_scp_amt - s.act_pay_dedc;
  const setldetail: SetlDetail[] = [
    {
      fund_pay_type: fund.fund_pay_type,
      inscp_scp_amt: m(above),
      crt_payb_lmt_amt: s.cap_left,
      fund_payamt: m(s.hifp_pay),
      fund_pay_type_name: fund.name,
      setl_proc_info:
        `policy ${s.policy}: in scope ${yuan(s.inscp_scp_amt)}, deductible paid ${yuan(s.act_pay_dedc)}, ` +
        `${yuan(above)} × ${formatScaled(s.pool_prop_selfpay, 4)} up to cap left ${yuan(s.cap_left)} = ${yuan(s.hifp_pay)}` +
        (cancel ? ' (cancelled)' : ''),
    },
  ];
  return { setlinfo, setldetail };
}
