/**
 * The `input` of each transaction the centre answers, as zod schemas (DOMAIN.md §4.1; field names and
 * nodes — data, feedetail, mdtrtinfo — as public HIS code sends them). A schema validates the wire form
 * and yields the typed input of the centre's API: amounts in fen, ratios in 1/10000, quantities in
 * 1/10000, prices in 1/1000000 yuan. Strings must be strings and numbers numbers or digit strings;
 * fields the centre does not use are allowed and ignored; an empty string or null counts as absent.
 */
import { z } from 'zod';
import { INSUTYPES, MDTRT_CERT_TYPES, MED_TYPES } from './codes.js';
import { amountField, codeField, countField, dateField, dateTimeField, flagField, idField, priceField } from './fields.js';

/** An optional field: absent, null or '' → undefined. */
function opt<T extends z.ZodType>(field: T) {
  return z.preprocess((v) => (v === '' || v === null ? undefined : v), field.optional());
}

/** An optional text field (default ''). */
function text(max = 200) {
  return z.preprocess((v) => (v === null || v === undefined ? '' : v), z.string().max(max, `at most ${max} characters`));
}

const insutype = codeField(INSUTYPES, 'an insurance type');
const mdtrtCertType = codeField(MDTRT_CERT_TYPES, 'a certificate type');
const medType = codeField(MED_TYPES, 'a medical type');
/** A date, or a date-time of which the date counts. */
const day = z.union([dateField, dateTimeField]).transform((v) => v.slice(0, 10));

/** 1101 人员信息获取: input.data. */
export const personInfoSchema = z.object({
  mdtrt_cert_type: mdtrtCertType,
  mdtrt_cert_no: idField(50),
  card_sn: opt(z.string().regex(/^[0-9A-Fa-f]{32}$/, 'expected the 32-hex-digit card identifier (卡识别码)')),
  begntime: opt(z.string()),
  psn_cert_type: opt(z.string()),
  certno: opt(z.string()),
  psn_name: opt(z.string()),
});
export type PersonInfoInput = z.output<typeof personInfoSchema>;

/** 2201 门诊挂号: input.data. */
export const registrationSchema = z.object({
  psn_no: idField(30),
  insutype,
  begntime: dateTimeField,
  mdtrt_cert_type: mdtrtCertType,
  mdtrt_cert_no: idField(50),
  ipt_otp_no: idField(30),
  atddr_no: text(30),
  dr_name: text(50),
  dept_code: text(30),
  dept_name: text(100),
  caty: text(6),
  hcard_basinfo: opt(z.string()),
  hcard_chkinfo: opt(z.string()),
});
export type RegistrationInput = z.output<typeof registrationSchema>;

/** 2401 入院办理: input.mdtrtinfo. */
export const admissionSchema = z.object({
  psn_no: idField(30),
  insutype,
  begntime: dateTimeField,
  mdtrt_cert_type: mdtrtCertType,
  mdtrt_cert_no: idField(50),
  med_type: medType,
  ipt_no: idField(30),
  atddr_no: text(30),
  chfpdr_name: text(50),
  adm_dept_codg: text(30),
  adm_dept_name: text(100),
  adm_bed: text(30),
  adm_diag_dscr: text(200),
  dscg_maindiag_code: text(20),
  dscg_maindiag_name: text(300),
});
export type AdmissionInput = z.output<typeof admissionSchema>;

const feeLineShape = {
  feedetl_sn: idField(30),
  mdtrt_id: idField(30),
  psn_no: idField(30),
  med_list_codg: idField(50),
  medins_list_codg: idField(150),
  medins_list_name: text(200),
  det_item_fee_sumamt: amountField,
  cnt: countField,
  pric: priceField,
  fee_ocur_time: dateTimeField,
  bilg_dept_codg: text(30),
  bilg_dept_name: text(100),
  bilg_dr_codg: text(30),
  bilg_dr_name: text(50),
};

/** 2204 门诊费用明细信息上传: input.feedetail[]. */
export const outpatientFeeSchema = z.object({ ...feeLineShape, chrg_bchno: idField(30) });
export type OutpatientFeeInput = z.output<typeof outpatientFeeSchema>;

/** 2301 住院费用明细上传: input.feedetail[]. */
export const inpatientFeeSchema = z.object({ ...feeLineShape, med_type: medType, init_feedetl_sn: text(30), drord_no: text(30) });
export type InpatientFeeInput = z.output<typeof inpatientFeeSchema>;

/** What a HIS may state of the bill at settlement; checked against the centre's own figures when given. */
const declaredShape = {
  fulamt_ownpay_amt: opt(amountField),
  overlmt_selfpay: opt(amountField),
  preselfpay_amt: opt(amountField),
  inscp_scp_amt: opt(amountField),
};

/** 2206 门诊预结算 / 2207 门诊结算: input.data. */
export const outpatientSettlementSchema = z.object({
  psn_no: idField(30),
  mdtrt_cert_type: mdtrtCertType,
  mdtrt_cert_no: idField(50),
  med_type: medType,
  medfee_sumamt: amountField,
  psn_setlway: idField(6),
  mdtrt_id: idField(30),
  chrg_bchno: idField(30),
  acct_used_flag: flagField,
  insutype,
  invono: text(20),
  ...declaredShape,
});
export type OutpatientSettlementInput = z.output<typeof outpatientSettlementSchema>;

/** 2303 住院预结算 / 2304 住院结算: input.data. */
export const inpatientSettlementSchema = z.object({
  psn_no: idField(30),
  mdtrt_cert_type: mdtrtCertType,
  mdtrt_cert_no: idField(50),
  medfee_sumamt: amountField,
  psn_setlway: idField(6),
  mdtrt_id: idField(30),
  acct_used_flag: flagField,
  insutype,
  invono: text(20),
  mid_setl_flag: flagField,
  ...declaredShape,
});
export type InpatientSettlementInput = z.output<typeof inpatientSettlementSchema>;

/** 2208 门诊结算撤销 / 2305 住院结算撤销: input.data. */
export const cancellationSchema = z.object({ setl_id: idField(30), mdtrt_id: idField(30), psn_no: idField(30) });
export type CancellationInput = z.output<typeof cancellationSchema>;

/** 2601 冲正交易: input.data. */
export const reversalSchema = z.object({ psn_no: idField(30), omsgid: idField(30), oinfno: z.string().regex(/^\d{4}$/, 'expected a 4-digit infno') });
export type ReversalInput = z.output<typeof reversalSchema>;

/** 3201 医药机构费用结算对总账: input.data. */
export const reconciliationSchema = z.object({
  insutype,
  clr_type: idField(6),
  setl_optins: z.string().regex(/^\d{6}$/, 'expected a 6-digit agency region code'),
  stmt_begndate: day,
  stmt_enddate: day,
  medfee_sumamt: amountField,
  fund_pay_sumamt: amountField,
  acct_pay: amountField,
  fixmedins_setl_cnt: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]),
  refd_setl_flag: opt(z.string()),
});
export type ReconciliationInput = z.output<typeof reconciliationSchema>;
