// Shared set-up of the centre's tests: an in-memory centre at a fixed instant, and an HIS-like client
// that runs a visit through the in-process face with fresh msgids.
import { fixedClock, type Clock } from '../../../../src/env.js';
import {
  CatalogueSet,
  MedicalInsuranceCentre,
  PolicySet,
  SqliteCentreStore,
  parseCatalogue,
  parsePolicy,
  type CentreStore,
  type Enrolment,
  type MessageContext,
  type OutpatientFeeInput,
  type SettlementOutput,
} from '../../../../src/terminal/hosts/medical-insurance/index.js';

/** 2026-03-02 10:00:00 China time. */
export const NOW = new Date('2026-03-02T02:00:00Z');

/** The documented default policy, written out here (not taken from src/). */
export const DEFAULT_POLICY_JSON = {
  name: 'default',
  insuplc_admdvs: ['*'],
  schemes: {
    '310': { deductible: '1500.00', annual_cap: '500000.00', ratios: { employed: '0.85', retired: '0.90' } },
    '390': { deductible: '500.00', annual_cap: '200000.00', ratios: { resident: '0.60' } },
  },
};

/** A small national catalogue for the policy tests. */
export const TEST_CATALOGUE_JSON = {
  name: 'test-national',
  admdvs: ['*'],
  items: [
    { med_list_codg: 'A1', name: '甲 item', chrgitm_lv: '01', med_chrgitm_type: '02' },
    { med_list_codg: 'A2', name: '甲 item with a price cap of 60.00', chrgitm_lv: '01', med_chrgitm_type: '01', pric_uplmt_amt: '60.00' },
    { med_list_codg: 'B1', name: '乙 item, 10% self-pay', chrgitm_lv: '02', med_chrgitm_type: '09', selfpay_prop: '0.10' },
    { med_list_codg: 'B2', name: '乙 item, 15% self-pay, price cap 100.00', chrgitm_lv: '02', med_chrgitm_type: '08', selfpay_prop: '0.15', pric_uplmt_amt: '100.00' },
    { med_list_codg: 'C1', name: '丙 item', chrgitm_lv: '03', med_chrgitm_type: '09' },
  ],
};

export interface TestCentre {
  centre: MedicalInsuranceCentre;
  store: CentreStore;
  clock: Clock;
}

export function testCentre(
  options: { policies?: unknown[]; catalogues?: unknown[]; store?: CentreStore; clock?: Clock } = {},
): TestCentre {
  const store = options.store ?? SqliteCentreStore.open({ memory: true });
  const clock = options.clock ?? fixedClock(NOW);
  const policies = new PolicySet((options.policies ?? [DEFAULT_POLICY_JSON]).map((p, i) => parsePolicy(p, `policy ${i}`)));
  const catalogues = new CatalogueSet((options.catalogues ?? [TEST_CATALOGUE_JSON]).map((c, i) => parseCatalogue(c, `catalogue ${i}`)));
  return { centre: new MedicalInsuranceCentre({ store, policies, catalogues, clock }), store, clock };
}

/** Valid invented ID numbers (GB 11643 check characters computed by hand). */
export const CERTNOS = ['310101198507214325', '31011519580304162X', '510107196508120036', '310104199203154427', '370102197811305611'];

let enrolled = 0;
/** Enrols a person with a fresh certno from a small generator of valid numbers. */
export function enrolPerson(centre: MedicalInsuranceCentre, e: Partial<Enrolment> & { insuplc_admdvs?: string }) {
  const certno = e.certno ?? makeCertno(enrolled++);
  return centre.enrol({ psn_name: '测试人员', insuplc_admdvs: '310000', ...e, certno });
}

/** A valid ID number: region 310101, birth 1980-01-01 + n days, check character by ISO 7064 MOD 11-2. */
export function makeCertno(n: number): string {
  const d = new Date(Date.UTC(1980, 0, 1 + n));
  const body = `310101${d.toISOString().slice(0, 10).replace(/-/g, '')}${String(100 + (n % 900)).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = w.reduce((s, x, i) => s + x * Number(body[i]), 0);
  return body + '10X98765432'[sum % 11];
}

export interface Line {
  code: string;
  cnt: number;
  /** unit price in fen */
  pric: number;
}

let msg = 0;
export function ctx(area = '310000', fixmedins = 'H31010400123'): MessageContext {
  return { msgid: `${fixmedins}20260302100000${String(++msg).padStart(4, '0')}`, fixmedins_code: fixmedins, mdtrtarea_admvs: area };
}

/**
 * One outpatient visit through the in-process face: 2201 → 2204 → 2206 → 2207. `cnt` whole units,
 * `pric` fen; returns the 2206 and 2207 answers.
 */
export function outpatientVisit(
  centre: MedicalInsuranceCentre,
  psn_no: string,
  lines: Line[],
  options: { area?: string; acct?: '0' | '1' } = {},
): { pre: SettlementOutput; settled: SettlementOutput; mdtrt_id: string } {
  const person = centre.findPerson(psn_no)!;
  const area = options.area ?? '310000';
  const cert = { mdtrt_cert_type: '02' as const, mdtrt_cert_no: person.certno };
  const reg = centre.registerOutpatient(ctx(area), {
    psn_no, insutype: person.insutype, begntime: '2026-03-02 09:00:00', ...cert, ipt_otp_no: `MZ${++msg}`,
    atddr_no: '', dr_name: '', dept_code: '', dept_name: '', caty: '',
  });
  const fee: OutpatientFeeInput[] = lines.map((l, i) => ({
    feedetl_sn: String(i + 1), mdtrt_id: reg.mdtrt_id, psn_no, chrg_bchno: 'B1', med_list_codg: l.code, medins_list_codg: l.code,
    medins_list_name: '', det_item_fee_sumamt: l.cnt * l.pric, cnt: l.cnt * 10_000, pric: l.pric * 10_000, fee_ocur_time: '2026-03-02 09:30:00',
    bilg_dept_codg: '', bilg_dept_name: '', bilg_dr_codg: '', bilg_dr_name: '',
  }));
  centre.uploadOutpatientFees(ctx(area), fee);
  const total = lines.reduce((s, l) => s + l.cnt * l.pric, 0);
  const input = {
    psn_no, ...cert, med_type: '11' as const, medfee_sumamt: total, psn_setlway: '01', mdtrt_id: reg.mdtrt_id, chrg_bchno: 'B1',
    acct_used_flag: options.acct ?? '1', insutype: person.insutype, invono: '',
  };
  const pre = centre.preSettleOutpatient(ctx(area), input);
  const settled = centre.settleOutpatient(ctx(area), input);
  return { pre, settled, mdtrt_id: reg.mdtrt_id };
}
