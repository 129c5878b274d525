// The centre as an HIS sees it: a real HTTP server on 127.0.0.1 (an ephemeral port), the platform's
// envelope POSTed to /fsi/api/rsfComIfsService/callService, the bundled catalogues and policies, the
// bundled bills. Expected figures are worked out by hand in the comments (yuan).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/env.js';
import {
  BUNDLED_BILLS_DIR,
  CALL_SERVICE_PATH,
  openCentre,
  startCentreServer,
  type OpenCentre,
  type RunningCentreServer,
} from '../../../../src/terminal/hosts/medical-insurance/index.js';
import { NOW } from './helpers.js';

const LI = { certno: '310104199203154427', name: '李文静', card_sn: '310000D15600000500A1B2C3341C081B', card_no: 'SH0012349' };
const ZHANG = { certno: '31011519580304162X', name: '张丽娟' };
const HOSPITAL = { fixmedins_code: 'H31010400123', fixmedins_name: '上海市徐汇示范医院' };

interface Answer {
  status: number;
  text: string;
  json: { infcode: string; err_msg: string | null; output: Record<string, any> | null; inf_refmsgid: string; refmsg_time: string; respond_time: string };
}

let open: OpenCentre;
let server: RunningCentreServer;
let seq = 0;

function envelope(infno: string, input: unknown, extra: Record<string, unknown> = {}) {
  return {
    infno,
    msgid: `${HOSPITAL.fixmedins_code}20260302100000${String(++seq).padStart(4, '0')}`,
    mdtrtarea_admvs: '310000',
    insuplc_admdvs: '310000',
    recer_sys_code: 'FSI_LOCAL',
    dev_no: '',
    dev_safe_info: '',
    cainfo: '',
    signtype: 'SM3',
    infver: 'V1.0',
    opter_type: '1',
    opter: '001',
    opter_name: '收费员',
    inf_time: '2026-03-02 10:00:00',
    ...HOSPITAL,
    sign_no: '',
    input,
    ...extra,
  };
}

async function postRaw(body: string, init: { method?: string; path?: string } = {}): Promise<Answer> {
  const url = server.url.replace(CALL_SERVICE_PATH, init.path ?? CALL_SERVICE_PATH);
  const res = await fetch(url, { method: init.method ?? 'POST', headers: { 'Content-Type': 'application/json' }, ...(init.method === 'GET' ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

async function post(env: object): Promise<Answer> {
  return postRaw(JSON.stringify(env));
}

async function ok(env: { infno: string }): Promise<Answer> {
  const a = await post(env);
  expect(a.status).toBe(200);
  expect(a.json.err_msg, `${env.infno}: ${a.json.err_msg}`).toBeNull();
  expect(a.json.infcode).toBe('0');
  return a;
}

function refused(a: Answer, heading: RegExp): void {
  expect(a.json.infcode).toBe('-1');
  expect(a.json.output).toBeNull();
  expect(a.json.err_msg).toMatch(heading);
  expect(a.json.err_msg).not.toMatch(/\n|\bat .*\.ts:\d+/); // one line, no stack trace
}

const bill = (name: string) => JSON.parse(readFileSync(join(BUNDLED_BILLS_DIR, name), 'utf8'));

beforeAll(async () => {
  open = openCentre({ location: { memory: true }, clock: fixedClock(NOW) });
  // Li: deductible already met this year, 200.00 in the personal account
  open.centre.enrol({ certno: LI.certno, psn_name: LI.name, insuplc_admdvs: '310000', insutype: '310', kind: 'employed', balance: 20_000, dedc_paid: 150_000, cards: [{ card_sn: LI.card_sn, card_no: LI.card_no }] });
  // Zhang: retired, 5,600.00 in the account, nothing paid yet this year, no card (ID number)
  open.centre.enrol({ certno: ZHANG.certno, psn_name: ZHANG.name, insuplc_admdvs: '310000', insutype: '310', kind: 'retired', balance: 560_000 });
  server = await startCentreServer({ face: open.face, port: 0 });
});

afterAll(async () => {
  await server?.close();
  open?.close();
});

describe('the centre over HTTP: outpatient 1101 → 2201 → 2204 → 2206 → 2207 → 2208', () => {
  const b = bill('three-categories.json');
  let psn_no = '';
  let mdtrt_id = '';
  let setl_id = '';
  let settleEnvelope: ReturnType<typeof envelope>;
  let settleAnswer: Answer;
  const settlement = () => ({
    psn_no, mdtrt_cert_type: '03', mdtrt_cert_no: LI.card_no, med_type: '11', medfee_sumamt: '430.60', psn_setlway: '01',
    mdtrt_id, chrg_bchno: b.chrg_bchno, acct_used_flag: '1', insutype: '310',
  });

  it('1101 finds the person by the card (type 03, card number and card identifier)', async () => {
    const a = await ok(envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: LI.card_no, card_sn: LI.card_sn, psn_cert_type: '01', certno: '', psn_name: '' } }, { insuplc_admdvs: '' }));
    const { baseinfo, insuinfo } = a.json.output!;
    expect(baseinfo).toMatchObject({ psn_cert_type: '01', certno: LI.certno, psn_name: LI.name, gend: '2', brdy: '1992-03-15', age: 33 });
    expect(insuinfo).toEqual([expect.objectContaining({ insutype: '310', psn_type: '1101', psn_insu_stas: '1', insuplc_admdvs: '310000' })]);
    expect(a.text).toContain('"balc":200.00');
    expect(a.json.inf_refmsgid).toMatch(/^310000\d{14}\d{6}$/);
    expect(a.json.refmsg_time).toMatch(/^20260302100000\d{3}$/);
    psn_no = baseinfo.psn_no;
  });

  it('2201 registers the visit', async () => {
    const a = await ok(envelope('2201', { data: { psn_no, insutype: '310', begntime: b.begntime, mdtrt_cert_type: '03', mdtrt_cert_no: LI.card_no, ipt_otp_no: b.ipt_otp_no, atddr_no: b.atddr_no, dr_name: b.dr_name, dept_code: b.dept_code, dept_name: b.dept_name, caty: 'A04' } }));
    expect(a.json.output!.data).toMatchObject({ psn_no, ipt_otp_no: b.ipt_otp_no });
    mdtrt_id = a.json.output!.data.mdtrt_id;
    expect(mdtrt_id).toMatch(/^31000020260302\d{8}$/);
  });

  it('2204 classifies the fee details by the Shanghai catalogue', async () => {
    const feedetail = b.feedetail.map((l: object) => ({ ...l, mdtrt_id, psn_no, chrg_bchno: b.chrg_bchno, rx_circ_flag: '0', hosp_appr_flag: '0' }));
    const a = await ok(envelope('2204', { feedetail }));
    const result = a.json.output!.result as Record<string, unknown>[];
    expect(result.map((r) => [r.feedetl_sn, r.chrgitm_lv, r.med_chrgitm_type])).toEqual([
      ['1', '01', '02'],
      ['2', '02', '03'],
      ['3', '02', '11'],
      ['4', '03', '02'],
      ['5', '03', '09'],
    ]);
    // CT 200.00 over its Shanghai cap 160.00: 40.00 over the limit; 8 % of 160.00 = 12.80 first; 147.20 in scope
    expect(a.text).toContain('"feedetl_sn":"2","det_item_fee_sumamt":200.00,"cnt":1.0000,"pric":200.000000,"pric_uplmt_amt":160.000000,"selfpay_prop":0.0800,"fulamt_ownpay_amt":0.00,"overlmt_amt":40.00,"preselfpay_amt":12.80,"inscp_scp_amt":147.20');
    // 连花清瘟 2 × 14.80 = 29.60 at 20 % in Shanghai: 5.92 first, 23.68 in scope
    expect(result[2]).toMatchObject({ preselfpay_amt: 5.92, inscp_scp_amt: 23.68, selfpay_prop: 0.2 });
    expect(result[3]).toMatchObject({ fulamt_ownpay_amt: 100, inscp_scp_amt: 0 });
  });

  // 430.60 = 176.00 丙 + 40.00 over + 18.72 first (12.80 + 5.92) + 195.88 in scope (25.00 + 147.20 + 23.68).
  // Deductible met: fund 195.88 × 0.85 = 166.498 → 166.50; person 430.60 − 166.50 = 264.10;
  // account 200.00 (all of it), cash 64.10, balance 0.00.
  const expectedSettlement =
    '"medfee_sumamt":430.60,"fulamt_ownpay_amt":176.00,"overlmt_selfpay":40.00,"preselfpay_amt":18.72,"inscp_scp_amt":195.88,' +
    '"act_pay_dedc":0.00,"hifp_pay":166.50,"pool_prop_selfpay":0.8500,"cvlserv_pay":0.00,"hifes_pay":0.00,"hifmi_pay":0.00,' +
    '"hifob_pay":0.00,"maf_pay":0.00,"oth_pay":0.00,"fund_pay_sumamt":166.50,"psn_part_amt":264.10,"acct_pay":200.00,' +
    '"psn_cash_pay":64.10,"hosp_part_amt":0.00,"balc":0.00';

  it('2206 pre-settles: the split, nothing charged', async () => {
    const a = await ok(envelope('2206', { data: settlement() }));
    expect(a.text).toContain(expectedSettlement);
    expect(a.json.output!.setlinfo.setl_id).toBeUndefined();
    const again = await ok(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: LI.certno } }));
    expect(again.text).toContain('"balc":200.00');
  });

  it('2207 settles with the platform’s setlinfo fields, yuan with two decimals', async () => {
    settleEnvelope = envelope('2207', { data: { ...settlement(), invono: 'FP0001', fulamt_ownpay_amt: 176, overlmt_selfpay: '40.00', preselfpay_amt: 18.72, inscp_scp_amt: '195.88' } });
    settleAnswer = await ok(settleEnvelope);
    const setlinfo = settleAnswer.json.output!.setlinfo;
    expect(Object.keys(setlinfo)).toEqual([
      'mdtrt_id', 'setl_id', 'psn_no', 'psn_name', 'psn_cert_type', 'certno', 'gend', 'naty', 'brdy', 'age', 'insutype', 'psn_type',
      'cvlserv_flag', 'setl_time', 'mdtrt_cert_type', 'med_type', 'medfee_sumamt', 'fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt',
      'inscp_scp_amt', 'act_pay_dedc', 'hifp_pay', 'pool_prop_selfpay', 'cvlserv_pay', 'hifes_pay', 'hifmi_pay', 'hifob_pay', 'maf_pay',
      'oth_pay', 'fund_pay_sumamt', 'psn_part_amt', 'acct_pay', 'psn_cash_pay', 'hosp_part_amt', 'balc', 'acct_mulaid_pay',
      'medins_setl_id', 'clr_optins', 'clr_way', 'clr_type',
    ]);
    expect(settleAnswer.text).toContain(expectedSettlement);
    expect(setlinfo).toMatchObject({ mdtrt_id, psn_no, psn_name: LI.name, certno: LI.certno, insutype: '310', psn_type: '1101', setl_time: '2026-03-02 10:00:00', med_type: '11', mdtrt_cert_type: '03', medins_setl_id: settleEnvelope.msgid, clr_optins: '310000', clr_type: '11' });
    expect(settleAnswer.json.output!.setldetail).toEqual([expect.objectContaining({ fund_pay_type: '310100', fund_payamt: 166.5, inscp_scp_amt: 195.88 })]);
    setl_id = setlinfo.setl_id;
  });

  it('a retried 2207 (the same msgid) answers the same settlement and charges nothing', async () => {
    const again = await ok(settleEnvelope);
    expect(again.json.output).toEqual(settleAnswer.json.output);
    const info = await ok(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: LI.certno } }));
    expect(info.text).toContain('"balc":0.00');
  });

  it('a 2207 with a new msgid for the same mdtrt_id + chrg_bchno answers the same settlement and charges nothing', async () => {
    const again = await ok(envelope('2207', { data: settlement() }));
    expect(again.json.output!.setlinfo.setl_id).toBe(setl_id);
    expect(again.text).toContain(expectedSettlement);
    expect(open.store.ledgerTotals()).toMatchObject({ entries: 1, fund_pay_sumamt: 16_650, acct_pay: 20_000 });
    // the same batch with another total is not the same settlement
    refused(await post(envelope('2207', { data: { ...settlement(), medfee_sumamt: '430.61' } })), /^数据不一致 \(inconsistent data\): already settled as/);
  });

  it('2208 cancels: fund, account and ledger reversed', async () => {
    const a = await ok(envelope('2208', { data: { setl_id, mdtrt_id, psn_no } }));
    const setlinfo = a.json.output!.setlinfo;
    expect(setlinfo.setl_id).not.toBe(setl_id);
    expect(a.text).toContain('"medfee_sumamt":-430.60');
    expect(a.text).toContain('"hifp_pay":-166.50');
    expect(a.text).toContain('"acct_pay":-200.00,"psn_cash_pay":-64.10,"hosp_part_amt":0.00,"balc":200.00');
    expect(open.store.ledgerTotals()).toMatchObject({ entries: 2, medfee_sumamt: 0, fund_pay_sumamt: 0, acct_pay: 0 });
    const info = await ok(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: LI.certno } }));
    expect(info.text).toContain('"balc":200.00');
    // cancelled twice: the same answer, nothing moves
    const twice = await ok(envelope('2208', { data: { setl_id, mdtrt_id, psn_no } }));
    expect(twice.json.output).toEqual(a.json.output);
    expect(open.store.ledgerTotals().entries).toBe(2);
  });

  it('3201: the day balances against the ledger (settle, cancel, settle again)', async () => {
    const resettled = await ok(envelope('2207', { data: settlement() }));
    expect(resettled.json.output!.setlinfo.setl_id).not.toBe(setl_id);
    const totals = { insutype: '310', clr_type: '11', setl_optins: '310000', stmt_begndate: '2026-03-02', stmt_enddate: '2026-03-02' };
    const balanced = await ok(envelope('3201', { data: { ...totals, medfee_sumamt: 430.6, fund_pay_sumamt: '166.50', acct_pay: '200.00', fixmedins_setl_cnt: 1 } }));
    expect(balanced.json.output!.stmtinfo).toMatchObject({ setl_optins: '310000', stmt_rslt: '0' });
    const off = await ok(envelope('3201', { data: { ...totals, medfee_sumamt: '861.20', fund_pay_sumamt: '166.50', acct_pay: '200.00', fixmedins_setl_cnt: '2' } }));
    expect(off.json.output!.stmtinfo.stmt_rslt).toBe('1');
    expect(off.json.output!.stmtinfo.stmt_rslt_dscr).toBe('不平 (not balanced) 2026-03-02..2026-03-02: medfee_sumamt: HIS 861.20, centre 430.60; fixmedins_setl_cnt: HIS 2, centre 1');
  });
});

describe('the centre over HTTP: inpatient 2401 → 2301 → 2303 → 2304 → 2305', () => {
  const b = bill('inpatient.json');
  let psn_no = '';
  let mdtrt_id = '';
  let setl_id = '';
  const settlement = () => ({
    psn_no, mdtrt_cert_type: '02', mdtrt_cert_no: ZHANG.certno, medfee_sumamt: '2841.00', psn_setlway: '01', mdtrt_id,
    acct_used_flag: '1', insutype: '310', mid_setl_flag: '0', invono: '',
  });
  // 2,841.00 = 150.00 over the price caps + 387.80 乙 shares + 2,303.20 in scope (bill's $comment, Shanghai catalogue).
  // Retired, nothing paid this year: deductible 1,500.00; 803.20 × 0.90 = 722.88 fund; person 2,841.00 − 722.88 =
  // 2,118.12 from the account (5,600.00): cash 0.00, balance 3,481.88.
  const expected =
    '"medfee_sumamt":2841.00,"fulamt_ownpay_amt":0.00,"overlmt_selfpay":150.00,"preselfpay_amt":387.80,"inscp_scp_amt":2303.20,' +
    '"act_pay_dedc":1500.00,"hifp_pay":722.88,"pool_prop_selfpay":0.9000';

  it('admits, uploads, pre-settles and settles', async () => {
    const info = await ok(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: ZHANG.certno } }));
    psn_no = info.json.output!.baseinfo.psn_no;
    const adm = await ok(envelope('2401', { mdtrtinfo: { psn_no, insutype: '310', begntime: b.begntime, mdtrt_cert_type: '02', mdtrt_cert_no: ZHANG.certno, med_type: '21', ipt_no: b.ipt_otp_no, atddr_no: b.atddr_no, chfpdr_name: b.dr_name, adm_dept_codg: b.dept_code, adm_dept_name: b.dept_name, adm_bed: '12', dscg_maindiag_code: 'K35.800', dscg_maindiag_name: '急性阑尾炎' }, diseinfo: [] }));
    mdtrt_id = adm.json.output!.result.mdtrt_id;
    const up = await ok(envelope('2301', { feedetail: b.feedetail.map((l: object) => ({ ...l, mdtrt_id, psn_no, med_type: '21' })) }));
    expect(up.json.output!.result).toHaveLength(7);
    const pre = await ok(envelope('2303', { data: settlement() }));
    expect(pre.text).toContain(expected);
    const s = await ok(envelope('2304', { data: settlement() }));
    expect(s.text).toContain(expected);
    expect(s.text).toContain('"fund_pay_sumamt":722.88,"psn_part_amt":2118.12,"acct_pay":2118.12,"psn_cash_pay":0.00,"hosp_part_amt":0.00,"balc":3481.88');
    expect(s.json.output!.setlinfo).toMatchObject({ med_type: '21', clr_type: '21' });
    setl_id = s.json.output!.setlinfo.setl_id;
    // discharged: no more fee details, and a retried 2304 (new msgid) gives the same settlement
    const again = await ok(envelope('2304', { data: settlement() }));
    expect(again.json.output!.setlinfo.setl_id).toBe(setl_id);
    refused(await post(envelope('2301', { feedetail: [{ ...b.feedetail[0], feedetl_sn: '99', mdtrt_id, psn_no, med_type: '21' }] })), /^当前状态不允许此交易 \(not allowed in this state\): visit .* is discharged/);
  });

  it('3201 for inpatient settlements, then 2305 cancels and the account is whole again', async () => {
    const totals = { insutype: '310', clr_type: '21', setl_optins: '310000', stmt_begndate: '2026-03-01', stmt_enddate: '2026-03-31' };
    const balanced = await ok(envelope('3201', { data: { ...totals, medfee_sumamt: '2841.00', fund_pay_sumamt: '722.88', acct_pay: '2118.12', fixmedins_setl_cnt: 1 } }));
    expect(balanced.json.output!.stmtinfo.stmt_rslt).toBe('0');
    const c = await ok(envelope('2305', { data: { mdtrt_id, setl_id, psn_no } }));
    expect(c.text).toContain('"hifp_pay":-722.88');
    expect(c.text).toContain('"balc":5600.00');
    const after = await ok(envelope('3201', { data: { ...totals, medfee_sumamt: 0, fund_pay_sumamt: 0, acct_pay: 0, fixmedins_setl_cnt: 0 } }));
    expect(after.json.output!.stmtinfo.stmt_rslt).toBe('0');
  });
});

describe('the centre over HTTP: refusals in the platform’s error shape', () => {
  it('a body that is not JSON', async () => {
    const a = await postRaw('{"infno": "1101", ');
    expect(a.status).toBe(200);
    refused(a, /^报文格式错误 \(malformed envelope\): the request body is not JSON/);
  });

  it('an empty body, an array, a missing infno / msgid / input, and fields of the wrong type', async () => {
    refused(await postRaw(''), /^报文格式错误 \(malformed envelope\): the request body is empty/);
    refused(await postRaw('[1,2]'), /must be a JSON object/);
    const { infno: _i, ...noInfno } = envelope('1101', { data: {} });
    refused(await post(noInfno), /^报文格式错误 \(malformed envelope\): infno: required/);
    const { msgid: _m, ...noMsgid } = envelope('1101', { data: {} });
    refused(await post(noMsgid), /msgid: required/);
    const { input: _n, ...noInput } = envelope('1101', {});
    refused(await post(noInput), /input: required/);
    refused(await post({ ...envelope('1101', { data: {} }), infno: 1101 }), /infno: expected string, got number 1101/);
    refused(await post(envelope('1101', 'data')), /input: expected object, got string "data"/);
    refused(
      await post(envelope('2207', { data: { psn_no: 1, mdtrt_cert_type: '03', mdtrt_cert_no: 'X', med_type: '11', medfee_sumamt: 'abc', psn_setlway: '01', mdtrt_id: 'M', chrg_bchno: 'B', acct_used_flag: '1', insutype: '310' } })),
      /^入参校验失败 \(invalid input\): 2207 outpatient settlement: input\.data\.psn_no: expected string, got number 1; input\.data\.medfee_sumamt: expected an amount in yuan with at most 2 decimals, got "abc"/,
    );
    refused(await post(envelope('2204', { feedetail: [] })), /input\.feedetail: must list at least one fee detail/);
  });

  it('an unknown infno', async () => {
    refused(await post(envelope('9999', { data: {} })), /^交易编号不支持 \(unknown infno\): infno 9999 is not one the centre answers/);
  });

  it('an unknown person, an unknown card, a mismatched card number', async () => {
    refused(await post(envelope('1101', { data: { mdtrt_cert_type: '02', mdtrt_cert_no: '110101199001011237' } })), /^未查询到参保人员信息 \(no such insured person\): no insured person has certno 110101199001011237/);
    refused(await post(envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: 'SH0012349', card_sn: '310000D156000005FFFFFFFF00000000' } })), /^未查询到参保人员信息 \(no such insured person\): no insured person holds a card with card_sn/);
    refused(await post(envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: 'SH0012349' } })), /card_sn \(卡识别码\) is required when mdtrt_cert_type is 03/);
    refused(await post(envelope('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: 'SH9999999', card_sn: LI.card_sn } })), /^数据不一致 \(inconsistent data\): mdtrt_cert_no SH9999999 is not the number of the card/);
    refused(await post(envelope('2201', { data: { psn_no: '31000000000000009999', insutype: '310', begntime: '2026-03-02 09:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: LI.certno, ipt_otp_no: 'Z' } })), /no insured person has psn_no 31000000000000009999/);
  });

  it('a msgid reused for another message', async () => {
    const first = envelope('2201', { data: { psn_no: open.centre.findPerson(LI.certno)!.psn_no, insutype: '310', begntime: '2026-03-02 11:00:00', mdtrt_cert_type: '02', mdtrt_cert_no: LI.certno, ipt_otp_no: 'MZ-REUSE' } });
    await ok(first);
    refused(await post({ ...first, input: { data: { ...(first.input as { data: object }).data, ipt_otp_no: 'MZ-OTHER' } } }), /^报文ID重复 \(msgid already used\): msgid .* was already used for another message \(a 2201/);
  });

  it('another path is 404, another method 405, both with the envelope', async () => {
    const notFound = await postRaw('{}', { path: '/fsi/api/other' });
    expect(notFound.status).toBe(404);
    refused(notFound, /no service at \/fsi\/api\/other/);
    const get = await postRaw('', { method: 'GET' });
    expect(get.status).toBe(405);
    refused(get, /GET is not answered/);
  });

  it('a port in use is one clear line', async () => {
    await expect(startCentreServer({ face: open.face, port: server.port })).rejects.toThrow(new RegExp(`^port ${server.port} on 127\\.0\\.0\\.1 is in use \\(choose another --port, or 0 for any free port\\)$`));
  });
});
