/**
 * How `sscard settle` prints: one receipt (结算单) with both parts — the medical-insurance split (医疗费总额,
 * 全自费, 超限价自费, 先行自付, 符合范围, 起付线, 统筹基金, 个人账户, 现金 …) and the bank part — in Chinese and
 * English, aligned by display width (a CJK character is two columns: string-width); and `--json`: the
 * platform's setlinfo (its field names, yuan with two decimals, as the centre writes it) plus the bank
 * part.
 */
import stringWidth from 'string-width';
import { stringifyWire, wireDecimal } from '../../terminal/hosts/medical-insurance/decimal.js';
import { INSUTYPES } from '../../terminal/hosts/medical-insurance/codes.js';
import { chinaTime } from '../../terminal/hosts/medical-insurance/china-time.js';
import { toWire } from '../../terminal/hosts/medical-insurance/wire.js';
import type { SetlInfo } from '../../terminal/hosts/medical-insurance/outputs.js';
import type {
  BankPart,
  CancelResult,
  RecoveryReport,
  SettlementReceipt,
  SettlementResult,
  SettlementSplit,
} from '../../terminal/flows/hospital-settlement.js';
import { describeReason } from '../../terminal/flows/hospital-settlement.js';
import { padColumns, titledRule } from './columns.js';
import { yuan } from './payment.js';

const WIDTH = 64;

/** Rows of `label  value`, the values of `amounts` right-aligned in one column. */
function block(rows: ReadonlyArray<readonly [string, string]>, amountColumn = false): string[] {
  const lw = Math.max(0, ...rows.map(([l]) => stringWidth(l)));
  const vw = Math.max(0, ...rows.map(([, v]) => stringWidth(v)));
  return rows.map(([l, v]) => {
    const value = amountColumn ? ' '.repeat(Math.max(0, vw - stringWidth(v))) + v : v;
    return ` ${padColumns(l, lw)}  ${value}`.trimEnd();
  });
}

function percent(ratio: number): string {
  const p = ratio / 100;
  return `${Number.isInteger(p) ? p : p.toFixed(2)}%`;
}

/** 310104199203154427 → 310104********4427: the receipt shows the ID number masked. */
export function maskCertno(certno: string): string {
  return certno.length > 10 ? `${certno.slice(0, 6)}${'*'.repeat(certno.length - 10)}${certno.slice(-4)}` : certno;
}

/** The split, one amount per line, right-aligned. */
export function splitRows(s: SettlementSplit): Array<[string, string]> {
  return [
    ['医疗费总额 TOTAL', yuan(s.medfee_sumamt)],
    ['全自费 FULLY SELF-PAID (丙)', yuan(s.fulamt_ownpay_amt)],
    ['超限价自费 OVER PRICE CAP', yuan(s.overlmt_selfpay)],
    ['先行自付 SELF-PAY SHARE (乙)', yuan(s.preselfpay_amt)],
    ['符合范围 IN SCOPE', yuan(s.inscp_scp_amt)],
    ['起付线 DEDUCTIBLE PAID', yuan(s.act_pay_dedc)],
    [`统筹基金 POOLED FUND (${percent(s.pool_prop_selfpay)})`, yuan(s.hifp_pay)],
    ['基金支付 FUNDS TOTAL', yuan(s.fund_pay_sumamt)],
    ['个人负担 PERSON PAYS', yuan(s.psn_part_amt)],
    ['个人账户 PERSONAL ACCOUNT', yuan(s.acct_pay)],
    ['现金 CASH (BANK CARD)', yuan(s.psn_cash_pay)],
    ['账户余额 ACCOUNT BALANCE', yuan(s.balc)],
  ];
}

const BANK_STATUS: Record<BankPart['status'], string> = {
  none: '无 NONE',
  approved: '批准 APPROVED',
  declined: '拒绝 DECLINED',
  failed: '失败 FAILED',
  reversed: '已冲正 REVERSED',
};

/** The bank part's rows. */
export function bankRows(b: BankPart): Array<[string, string]> {
  if (b.status === 'none') return [['银行交易 BANK', '现金为零，未扣款 no cash part, nothing charged']];
  const rows: Array<[string, string]> = [['结果 RESULT', `${BANK_STATUS[b.status]}${b.approvedBy ? ` (${b.approvedBy === 'online' ? '联机 online' : '脱机 offline'})` : ''}`]];
  rows.push(['金额 AMOUNT', `CNY ${yuan(b.amount)}`]);
  if (b.kernel) rows.push(['方式 METHOD', b.kernel === 'qpboc' ? 'qPBOC 非接触 contactless' : 'PBOC 接触 contact']);
  if (b.maskedPan) rows.push(['银行卡 CARD', `${b.maskedPan}${b.panSequence ? ` / ${b.panSequence}` : ''}`]);
  if (b.transactionId) rows.push(['交易号 TRANSACTION', b.transactionId]);
  if (b.atc !== undefined) rows.push(['交易序号 ATC', String(b.atc)]);
  if (b.cryptogramType) rows.push(['应用密文 AC', `${b.cryptogramType}${b.cryptogram ? ` ${b.cryptogram}` : ''}`]);
  if (b.authorisationCode) rows.push(['授权码 AUTH CODE', b.authorisationCode]);
  if (b.responseCode) rows.push(['发卡行 ISSUER', `${b.responseCode} ${b.issuerReason ?? ''}`.trim()]);
  if (b.tvr) rows.push(['TVR / TSI', `${b.tvr} / ${b.tsi ?? ''}`]);
  if (b.reason) rows.push(['原因 REASON', `${b.reason.zh} ${b.reason.en}${b.reason.detail ? ` (${b.reason.detail})` : ''}`]);
  return rows;
}

function localTime(iso: string): string {
  return chinaTime(new Date(iso)).time;
}

/** The receipt (结算单). */
export function renderReceipt(r: SettlementReceipt, options: { repeated?: boolean; cancelled?: boolean; cancellation?: SetlInfo } = {}): string {
  const title = options.cancelled ? '医保结算撤销单 SETTLEMENT CANCELLED' : r.mode === 'offline' ? '医保脱网结算单 OFFLINE SETTLEMENT' : '医保结算单 SETTLEMENT RECEIPT';
  const head: Array<[string, string]> = [
    ['定点机构 INSTITUTION', `${r.institution.fixmedins_name} (${r.institution.fixmedins_code})`],
    ['就医地 TREATED IN', `${r.institution.mdtrtarea_admvs}${r.patient.crossRegion ? `  异地就医 cross-region (insured in ${r.patient.insuplc_admdvs})` : ''}`],
    [r.kind === 'inpatient' ? '住院号 ADMISSION NO.' : '门诊号 VISIT NO.', r.bill.ipt_otp_no],
  ];
  if (r.bill.chrg_bchno) head.push(['收费批次 CHARGE BATCH', r.bill.chrg_bchno]);
  head.push(['姓名 NAME', r.patient.name]);
  head.push(['社会保障号码 ID NO.', maskCertno(r.patient.certno)]);
  head.push(['社保卡号 CARD NO.', r.patient.cardNo]);
  head.push(['卡片校验 CARD CHECK', `${r.card.check === 'authentic' ? 'PSAM 认证通过 authentic' : '未经PSAM认证 NOT CHECKED (no PSAM)'}, ${r.card.interface === 'contact' ? '接触 contact' : '非接触 contactless'}`]);
  if (r.patient.psn_no) head.push(['人员编号 PSN NO.', r.patient.psn_no]);
  if (r.patient.insutype) head.push(['险种 SCHEME', `${r.patient.insutype} ${INSUTYPES[r.patient.insutype as keyof typeof INSUTYPES]?.zh ?? ''}`.trim()]);
  if (r.setlinfo?.setl_id) head.push(['结算编号 SETTLEMENT ID', r.setlinfo.setl_id]);
  head.push(['流水号 VISIT ID', r.visitId]);
  head.push(['结算时间 TIME', `${localTime(r.settledAt)} (UTC+8)`]);
  const lines = [titledRule(title, WIDTH), ...block(head), titledRule('费用分割 SPLIT', WIDTH), ...block(splitRows(r.split), true)];
  if (r.offline) {
    const d = r.offline.debit;
    lines.push(titledRule('卡内扣款 CARD DEBIT', WIDTH));
    lines.push(
      ...block([
        ['卡内个人账户 CARD ACCOUNT', `${yuan(d.balanceBefore)} → ${yuan(d.balanceAfter)}`],
        ['脱网交易序号 SEQUENCE', String(d.sequence)],
        ['终端 TERMINAL', `${d.terminalId}${d.terminalSequence ? ` / ${d.terminalSequence}` : ''}`],
        ['TAC', d.tac || '—'],
        ['政策 POLICY', `${r.offline.policy.policy} (起付线 ${yuan(r.offline.policy.deductible)})`],
      ]),
    );
  }
  lines.push(titledRule('银行卡支付 BANK PART', WIDTH), ...block(bankRows(r.bank)));
  if (options.cancellation) {
    const c = options.cancellation;
    lines.push(titledRule('撤销 CANCELLATION', WIDTH));
    lines.push(
      ...block([
        ['撤销编号 CANCEL ID', c.setl_id ?? ''],
        ['撤销时间 TIME', `${c.setl_time} (UTC+8)`],
        ['退回统筹基金 FUND BACK', yuan(-c.hifp_pay)],
        ['退回个人账户 ACCOUNT BACK', yuan(-c.acct_pay)],
        ['退回银行卡 BANK CARD BACK', yuan(-c.psn_cash_pay)],
        ['撤销后账户余额 ACCOUNT BALANCE', yuan(c.balc)],
      ]),
    );
  }
  const notes = [...r.notes, ...r.bank.notes.filter((n) => /contact interface|reversed/.test(n))];
  if (options.repeated) notes.unshift('重复结算：返回首次结算单，未重复扣款 repeated bill: the first receipt, nothing charged again');
  if (notes.length) {
    lines.push(titledRule('说明 NOTES', WIDTH));
    for (const n of notes) lines.push(` ${n}`);
  }
  lines.push('─'.repeat(WIDTH));
  return `${lines.join('\n')}\n`;
}

/** What did not settle: the outcome, the reason, the split shown or reversed, the bank part. */
export function renderUnsettled(r: Exclude<SettlementResult, { outcome: 'settled' }>): string {
  const words = { refused: '未结算 NOT SETTLED (nothing was charged)', reversed: '已冲正 REVERSED (what was charged has been undone)', pending: '待处理 PENDING (run sscard settle --recover)' }[r.outcome];
  const rows: Array<[string, string]> = [
    ['结果 OUTCOME', words],
    ['原因 REASON', describeReason(r.reason)],
    ['环节 STAGE', r.stage],
  ];
  if ('visitId' in r && r.visitId) rows.push(['流水号 VISIT ID', r.visitId]);
  const lines = block(rows);
  const split = r.outcome === 'refused' ? r.shown : r.outcome === 'reversed' ? r.split : undefined;
  if (split) lines.push(titledRule('费用分割 SPLIT (not charged)', WIDTH), ...block(splitRows(split), true));
  if (r.outcome === 'reversed' && r.bank) lines.push(titledRule('银行卡支付 BANK PART', WIDTH), ...block(bankRows(r.bank)));
  return `${lines.join('\n')}\n`;
}

/** Recovery reports, one line each. */
export function renderRecovery(reports: readonly RecoveryReport[]): string {
  if (reports.length === 0) return '';
  const words: Record<RecoveryReport['action'], string> = {
    completed: '完成 completed',
    reversed: '冲正 reversed',
    abandoned: '放弃 abandoned',
    cancelled: '撤销 cancelled',
    notified: '通知 notified',
    pending: '待处理 pending',
  };
  return `${block(reports.map((r) => [`恢复 RECOVERED ${r.visitId}`, `${words[r.action]}: ${r.detail}`])).join('\n')}\n`;
}

/** The bank part for JSON: amounts as yuan with two decimals (wire numbers). */
function bankJson(b: BankPart): Record<string, unknown> {
  return {
    ...b,
    amount: wireDecimal(b.amount, 'amount'),
    ...(b.accountBalance !== undefined ? { accountBalance: wireDecimal(b.accountBalance, 'amount') } : {}),
  };
}

/** A setlinfo-shaped object of an offline split (the platform's names, what the terminal knows). */
function offlineSetlinfo(r: SettlementReceipt): Record<string, unknown> {
  return {
    mdtrt_id: '',
    psn_name: r.patient.name,
    certno: r.patient.certno,
    insutype: r.patient.insutype ?? '',
    setl_time: localTime(r.settledAt),
    med_type: r.bill.med_type,
    ...r.split,
    cvlserv_pay: 0,
    hifes_pay: 0,
    hifmi_pay: 0,
    hifob_pay: 0,
    maf_pay: 0,
    oth_pay: 0,
    hosp_part_amt: 0,
    acct_mulaid_pay: 0,
  };
}

/** The JSON of a settlement result: `setlinfo` on the wire (yuan, two decimals) and the bank part. */
export function settlementJson(result: SettlementResult): string {
  const recovered = result.recovered;
  if (result.outcome !== 'settled') {
    const split = result.outcome === 'refused' ? result.shown : result.outcome === 'reversed' ? result.split : undefined;
    return `${stringifyWire({
      outcome: result.outcome,
      stage: result.stage,
      reason: result.reason,
      ...('visitId' in result && result.visitId ? { visitId: result.visitId } : {}),
      ...(split ? { split: toWire(split) } : {}),
      ...(result.outcome === 'reversed' && result.bank ? { bank: bankJson(result.bank) } : {}),
      recovered,
    })}\n`;
  }
  const r = result.receipt;
  return `${stringifyWire({
    outcome: 'settled',
    repeated: result.repeated,
    visitId: r.visitId,
    mode: r.mode,
    card: { ...r.card, card_sn: r.patient.cardSn, card_no: r.patient.cardNo },
    setlinfo: toWire(r.setlinfo ?? offlineSetlinfo(r)),
    ...(r.setldetail ? { setldetail: toWire(r.setldetail) } : {}),
    ...(r.offline ? { card_debit: { ...r.offline.debit, account: wireDecimal(r.offline.debit.account, 'amount'), selfPay: wireDecimal(r.offline.debit.selfPay, 'amount'), fund: wireDecimal(r.offline.debit.fund, 'amount'), balanceBefore: wireDecimal(r.offline.debit.balanceBefore, 'amount'), balanceAfter: wireDecimal(r.offline.debit.balanceAfter, 'amount') } } : {}),
    bank: bankJson(r.bank),
    recovered,
  })}\n`;
}

/** The JSON of a cancel. */
export function cancelJson(result: CancelResult): string {
  if (result.outcome !== 'cancelled') return `${stringifyWire({ outcome: result.outcome, reason: result.reason, ...('visitId' in result ? { visitId: result.visitId } : {}) })}\n`;
  return `${stringifyWire({
    outcome: 'cancelled',
    repeated: result.repeated,
    visitId: result.visitId,
    setl_id: result.setl_id,
    ...(result.cancellation ? { setlinfo: toWire(result.cancellation) } : {}),
    bank: bankJson(result.bank),
  })}\n`;
}
