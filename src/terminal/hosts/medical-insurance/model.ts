/**
 * The centre's records, as its storage port keeps them. Field names are the platform's (DOMAIN.md
 * §4.1) wherever the platform has one; amounts are integer fen, ratios 1/10000, quantities 1/10000,
 * unit prices 1/1000000 yuan; times are China time `yyyy-MM-dd HH:mm:ss`.
 */
import type { ChrgitmLv, Insutype } from './codes.js';
import type { Split } from './split.js';

/** An insured person (参保人员) and their personal account. */
export interface PersonRecord {
  psn_no: string;
  psn_cert_type: string;
  /** The social security number (社会保障号码 = the citizen ID number). */
  certno: string;
  psn_name: string;
  gend: string;
  naty: string;
  /** yyyy-MM-dd */
  brdy: string;
  insutype: Insutype;
  psn_type: string;
  psn_insu_stas: string;
  /** yyyy-MM-dd */
  psn_insu_date: string;
  cvlserv_flag: string;
  insuplc_admdvs: string;
  emp_name: string;
  /** Personal-account balance, fen. */
  balance: number;
  enrolled_at: string;
}

/** A social security card bound to a person (a person may hold an old and a new card for a while). */
export interface CardRecord {
  /** 卡识别码: 32 hex digits. */
  card_sn: string;
  /** 社会保障卡卡号 (9 characters), when known. */
  card_no: string | null;
  psn_no: string;
  status: 'active' | 'deregistered';
  bound_at: string;
}

/** What a person has used of the year's deductible and cap. */
export interface AnnualRecord {
  psn_no: string;
  year: number;
  dedc_paid: number;
  fund_paid: number;
}

export type VisitKind = 'outpatient' | 'inpatient';

/** A visit (就诊): an outpatient registration (2201) or an inpatient admission (2401). */
export interface VisitRecord {
  mdtrt_id: string;
  psn_no: string;
  kind: VisitKind;
  med_type: string;
  insutype: Insutype;
  begntime: string;
  ipt_otp_no: string;
  mdtrt_cert_type: string;
  mdtrt_cert_no: string;
  fixmedins_code: string;
  fixmedins_name: string;
  mdtrtarea_admvs: string;
  dept_code: string;
  dept_name: string;
  atddr_no: string;
  dr_name: string;
  /** open: takes fee details; discharged: finally settled (inpatient); cancelled: reversed (2601). */
  status: 'open' | 'discharged' | 'cancelled';
  msgid: string;
  created_at: string;
}

/** An uploaded fee detail (2204 / 2301) and how the catalogue classified it. */
export interface FeeDetailRecord {
  mdtrt_id: string;
  feedetl_sn: string;
  /** Outpatient charge batch (收费批次号); '' for inpatient details. */
  chrg_bchno: string;
  psn_no: string;
  med_list_codg: string;
  medins_list_codg: string;
  medins_list_name: string;
  fee_ocur_time: string;
  cnt: number;
  pric: number;
  det_item_fee_sumamt: number;
  chrgitm_lv: ChrgitmLv;
  med_chrgitm_type: string;
  selfpay_prop: number;
  /** null: no price cap. */
  pric_uplmt_amt: number | null;
  fulamt_ownpay_amt: number;
  overlmt_amt: number;
  preselfpay_amt: number;
  inscp_scp_amt: number;
  bilg_dept_codg: string;
  bilg_dr_codg: string;
  /** The message that uploaded it. */
  msgid: string;
  /** The valid settlement that paid it, or null. */
  setl_id: string | null;
}

/** A settlement (2207 / 2304) and, once cancelled (2208 / 2305 / 2601), its cancellation. */
export interface SettlementRecord extends Split {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  kind: VisitKind;
  chrg_bchno: string;
  med_type: string;
  insutype: Insutype;
  psn_type: string;
  setl_time: string;
  /** The year whose deductible and cap it used. */
  year: number;
  acct_used_flag: string;
  psn_setlway: string;
  mid_setl_flag: string;
  invono: string;
  policy: string;
  fixmedins_code: string;
  mdtrtarea_admvs: string;
  insuplc_admdvs: string;
  clr_optins: string;
  clr_type: string;
  clr_way: string;
  /** The message that settled it (medins_setl_id). */
  msgid: string;
  status: 'settled' | 'cancelled';
  cancel_id: string | null;
  cancel_time: string | null;
  cancel_msgid: string | null;
  /** Account balance after the cancellation. */
  cancel_balc: number | null;
}

/** A line of the fund's clearing ledger: + for a settlement, − for its cancellation. */
export interface LedgerEntry {
  entry_no?: number;
  setl_id: string;
  kind: 'settle' | 'cancel';
  /** yyyy-MM-dd HH:mm:ss */
  time: string;
  fixmedins_code: string;
  clr_optins: string;
  clr_type: string;
  insutype: Insutype;
  fund_pay_type: string;
  medfee_sumamt: number;
  fund_pay_sumamt: number;
  acct_pay: number;
  psn_cash_pay: number;
}

/** A message the centre answered (idempotency by msgid; 2601 reverses by it). */
export interface MessageRecord {
  msgid: string;
  infno: string;
  /** SHA-256 of the message's input, hex. */
  digest: string;
  /** The answer's output, as the typed API returned it (JSON). */
  output: string;
  psn_no: string;
  /** What the message made: a mdtrt_id, setl_id, or the fee details' mdtrt_id. */
  subject: string;
  created_at: string;
  reversed_by: string | null;
}
