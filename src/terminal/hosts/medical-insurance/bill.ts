/**
 * The bill format (`fixtures/bills/*.json`, read by `sscard settle --bill`): one visit of a hospital's
 * patient — where and how they are treated and the fee details charged — close to what an HIS sends
 * in 2201/2401 and 2204/2301 (DOMAIN.md §4.1), amounts in yuan. The bill names no person: the card
 * does. It names no category either: the treatment place's catalogue classifies each fee detail.
 *
 * The builders below turn a bill into the centre's typed inputs, so that an in-process flow sends what
 * an HIS would send (docs/medical-insurance-centre.md "In-process API").
 */
import { z } from 'zod';
import type { MessageContext } from './centre.js';
import { MED_TYPES, type Insutype } from './codes.js';
import { admdvsField, amountField, codeField, countField, dateTimeField, describeIssues, flagField, idField, priceField } from './fields.js';
import type {
  AdmissionInput,
  InpatientFeeInput,
  InpatientSettlementInput,
  OutpatientFeeInput,
  OutpatientSettlementInput,
  RegistrationInput,
} from './messages.js';
import { chinaTime } from './china-time.js';

const billLineSchema = z.strictObject({
  /** 费用明细流水号: unique within the visit. */
  feedetl_sn: idField(30),
  /** 医疗目录编码: the catalogue code the treatment place's catalogue classifies. */
  med_list_codg: idField(50),
  /** 医药机构目录编码 and name: the hospital's own item. */
  medins_list_codg: idField(150),
  medins_list_name: z.string().min(1),
  cnt: countField,
  pric: priceField,
  /** Must be cnt × pric rounded half up to the fen. */
  det_item_fee_sumamt: amountField,
  fee_ocur_time: dateTimeField,
  bilg_dept_codg: z.string().optional(),
  bilg_dept_name: z.string().optional(),
  bilg_dr_codg: z.string().optional(),
  bilg_dr_name: z.string().optional(),
});

export const billSchema = z
  .strictObject({
    $comment: z.string().optional(),
    /** A short title for listings. */
    title: z.string().min(1),
    kind: z.enum(['outpatient', 'inpatient']),
    med_type: codeField(MED_TYPES, 'a medical type'),
    /** 定点医药机构 that treats the person. */
    fixmedins_code: idField(30),
    fixmedins_name: z.string().min(1),
    /** 就医地医保区划: where the person is treated. */
    mdtrtarea_admvs: admdvsField,
    /** The hospital's visit number (门诊号 / 住院号). */
    ipt_otp_no: idField(30),
    /** Outpatient charge batch (收费批次号); required for outpatient bills. */
    chrg_bchno: idField(30).optional(),
    begntime: dateTimeField,
    dept_code: z.string().default(''),
    dept_name: z.string().default(''),
    atddr_no: z.string().default(''),
    dr_name: z.string().default(''),
    caty: z.string().default(''),
    /** 个人结算方式 (default 01 by item). */
    psn_setlway: z.string().default('01'),
    /** Whether the personal account pays (default 1). */
    acct_used_flag: flagField.default('1'),
    /** Inpatient: 0 final settlement (default), 1 mid-stay settlement. */
    mid_setl_flag: flagField.default('0'),
    feedetail: z.array(billLineSchema).min(1, 'a bill lists at least one fee detail'),
  })
  .superRefine((bill, ctx) => {
    if ((MED_TYPES[bill.med_type]?.kind ?? bill.kind) !== bill.kind) {
      ctx.addIssue({ code: 'custom', path: ['med_type'], message: `med_type ${bill.med_type} is not an ${bill.kind} medical type` });
    }
    if (bill.kind === 'outpatient' && !bill.chrg_bchno) ctx.addIssue({ code: 'custom', path: ['chrg_bchno'], message: 'an outpatient bill needs chrg_bchno' });
    const seen = new Set<string>();
    for (const [i, line] of bill.feedetail.entries()) {
      if (seen.has(line.feedetl_sn)) ctx.addIssue({ code: 'custom', path: ['feedetail', i, 'feedetl_sn'], message: `feedetl_sn ${line.feedetl_sn} appears twice` });
      seen.add(line.feedetl_sn);
    }
  });

/** A bill, amounts in fen. */
export type Bill = z.output<typeof billSchema>;

export class BillError extends Error {
  override name = 'BillError';
}

/** Validates a parsed bill file. */
export function parseBill(json: unknown, source: string): Bill {
  const r = billSchema.safeParse(json, { reportInput: true });
  if (!r.success) throw new BillError(`bill ${source}: ${describeIssues(r.error.issues)}`);
  return r.data;
}

/** The bill's total (the medfee_sumamt to settle), fen. */
export function billTotal(bill: Bill): number {
  return bill.feedetail.reduce((sum, l) => sum + l.det_item_fee_sumamt, 0);
}

/**
 * A msgid as HIS code builds it: institution code ‖ yyyyMMddHHmmss (China time) ‖ 4-digit sequence.
 * (The platform requires only that it be unique per sender.)
 */
export function platformMsgid(fixmedins_code: string, at: Date, sequence: number): string {
  return `${fixmedins_code}${chinaTime(at).compact}${String(sequence % 10_000).padStart(4, '0')}`;
}

/** The context of a message about a bill. */
export function billContext(bill: Bill, msgid: string, insuplc_admdvs?: string): MessageContext {
  return {
    msgid,
    fixmedins_code: bill.fixmedins_code,
    fixmedins_name: bill.fixmedins_name,
    mdtrtarea_admvs: bill.mdtrtarea_admvs,
    ...(insuplc_admdvs ? { insuplc_admdvs } : {}),
  };
}

/** Who the bill is settled for, as 1101 answered and the card said. */
export interface BillPatient {
  psn_no: string;
  insutype: Insutype;
  /** 02 with the certno, or 03 with the card number. */
  mdtrt_cert_type: '02' | '03';
  mdtrt_cert_no: string;
}

/** 2201 input of an outpatient bill. */
export function registrationOfBill(bill: Bill, patient: BillPatient): RegistrationInput {
  return {
    psn_no: patient.psn_no,
    insutype: patient.insutype,
    begntime: bill.begntime,
    mdtrt_cert_type: patient.mdtrt_cert_type,
    mdtrt_cert_no: patient.mdtrt_cert_no,
    ipt_otp_no: bill.ipt_otp_no,
    atddr_no: bill.atddr_no,
    dr_name: bill.dr_name,
    dept_code: bill.dept_code,
    dept_name: bill.dept_name,
    caty: bill.caty,
  };
}

/** 2401 input of an inpatient bill. */
export function admissionOfBill(bill: Bill, patient: BillPatient): AdmissionInput {
  return {
    psn_no: patient.psn_no,
    insutype: patient.insutype,
    begntime: bill.begntime,
    mdtrt_cert_type: patient.mdtrt_cert_type,
    mdtrt_cert_no: patient.mdtrt_cert_no,
    med_type: bill.med_type,
    ipt_no: bill.ipt_otp_no,
    atddr_no: bill.atddr_no,
    chfpdr_name: bill.dr_name,
    adm_dept_codg: bill.dept_code,
    adm_dept_name: bill.dept_name,
    adm_bed: '',
    adm_diag_dscr: '',
    dscg_maindiag_code: '',
    dscg_maindiag_name: '',
  };
}

function lineOf(l: Bill['feedetail'][number], mdtrt_id: string, psn_no: string) {
  return {
    feedetl_sn: l.feedetl_sn,
    mdtrt_id,
    psn_no,
    med_list_codg: l.med_list_codg,
    medins_list_codg: l.medins_list_codg,
    medins_list_name: l.medins_list_name,
    det_item_fee_sumamt: l.det_item_fee_sumamt,
    cnt: l.cnt,
    pric: l.pric,
    fee_ocur_time: l.fee_ocur_time,
    bilg_dept_codg: l.bilg_dept_codg ?? '',
    bilg_dept_name: l.bilg_dept_name ?? '',
    bilg_dr_codg: l.bilg_dr_codg ?? '',
    bilg_dr_name: l.bilg_dr_name ?? '',
  };
}

/** 2204 input of an outpatient bill, once 2201 gave the mdtrt_id. */
export function outpatientFeesOfBill(bill: Bill, mdtrt_id: string, psn_no: string): OutpatientFeeInput[] {
  return bill.feedetail.map((l) => ({ ...lineOf(l, mdtrt_id, psn_no), chrg_bchno: bill.chrg_bchno! }));
}

/** 2301 input of an inpatient bill, once 2401 gave the mdtrt_id. */
export function inpatientFeesOfBill(bill: Bill, mdtrt_id: string, psn_no: string): InpatientFeeInput[] {
  return bill.feedetail.map((l) => ({ ...lineOf(l, mdtrt_id, psn_no), med_type: bill.med_type, init_feedetl_sn: '', drord_no: '' }));
}

/** 2206 / 2207 input of an outpatient bill. */
export function outpatientSettlementOfBill(bill: Bill, patient: BillPatient, mdtrt_id: string): OutpatientSettlementInput {
  return {
    psn_no: patient.psn_no,
    mdtrt_cert_type: patient.mdtrt_cert_type,
    mdtrt_cert_no: patient.mdtrt_cert_no,
    med_type: bill.med_type,
    medfee_sumamt: billTotal(bill),
    psn_setlway: bill.psn_setlway,
    mdtrt_id,
    chrg_bchno: bill.chrg_bchno!,
    acct_used_flag: bill.acct_used_flag,
    insutype: patient.insutype,
    invono: '',
  };
}

/** 2303 / 2304 input of an inpatient bill. */
export function inpatientSettlementOfBill(bill: Bill, patient: BillPatient, mdtrt_id: string): InpatientSettlementInput {
  return {
    psn_no: patient.psn_no,
    mdtrt_cert_type: patient.mdtrt_cert_type,
    mdtrt_cert_no: patient.mdtrt_cert_no,
    medfee_sumamt: billTotal(bill),
    psn_setlway: bill.psn_setlway,
    mdtrt_id,
    acct_used_flag: bill.acct_used_flag,
    insutype: patient.insutype,
    invono: '',
    mid_setl_flag: bill.mid_setl_flag,
  };
}
