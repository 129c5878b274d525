/**
 * How `sscard pay` prints a kernel result: the outcome, the amounts and balances, the card, the
 * cryptogram, the CVM, TVR and TSI with their set bits named (English and Chinese), issuer scripts,
 * notes — then a receipt (签购单) in Chinese and English, aligned by display width.
 */
import type { KernelResult } from '../../terminal/kernels/outcome.js';
import stringWidth from 'string-width';
import { alignedRows, titledRule } from './columns.js';

/** Fen as yuan with two decimals. */
export function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

const OUTCOME_WORDS: Record<KernelResult['outcome'], string> = {
  APPROVED: 'APPROVED 交易批准',
  DECLINED: 'DECLINED 交易拒绝',
  TRY_ANOTHER_INTERFACE: 'TRY ANOTHER INTERFACE 请使用其他界面',
  TERMINATED: 'TERMINATED 交易终止',
};

const CVM_WORDS: Record<KernelResult['cvm'], string> = {
  'offline-pin': 'offline PIN 脱机PIN',
  'online-pin': 'online PIN 联机PIN',
  signature: 'signature 签名',
  'no-cvm': 'no CVM 免验证',
  failed: 'failed 验证失败',
  none: 'not performed 未进行',
};

const CURRENCY: Record<string, string> = { '0156': 'CNY' };

function money(fen: number, currency: string): string {
  return `${CURRENCY[currency] ?? currency} ${yuan(fen)}`;
}

/** The bits of a TVR/TSI, one line each: "byte 4 b8  English / 中文". */
function bitLines(register: KernelResult['tvr']): string[] {
  return [register.hex, ...register.bits.map((b) => `  byte ${b.byte} b${Math.log2(b.mask) + 1}  ${b.en} / ${b.zh}`)];
}

/** The result, for a terminal. */
export function renderPayment(r: KernelResult): string {
  const rows: Array<[string, string | string[]]> = [];
  const by = r.approvedBy ? ` — ${r.approvedBy === 'online' ? 'online 联机批准' : 'offline 脱机批准'}` : '';
  rows.push(['Outcome 交易结果', `${OUTCOME_WORDS[r.outcome]}${by}`]);
  if (r.reason) rows.push(['Reason 原因', [`${r.reason.en} / ${r.reason.zh}`, ...(r.reason.detail ? [`(${r.reason.detail})`] : [])]]);
  rows.push(['Amount 金额', money(r.amount, r.currency)]);
  rows.push(['Kernel 内核', `${r.kernel === 'qpboc' ? 'qPBOC 非接触' : 'PBOC contact 接触'}`]);
  if (r.pan) rows.push(['Card 卡号', `${r.receipt.maskedPan}  (PSN ${r.panSequence})`]);
  if (r.aid) rows.push(['Application 应用', `${r.label ?? ''} ${r.aid}`.trim()]);
  if (r.cryptogramType) {
    const last = r.cryptograms[r.cryptograms.length - 1]!;
    rows.push(['Cryptogram 应用密文', `${r.cryptogramType} ${last.cryptogram}  ATC ${r.atc}`]);
  }
  rows.push(['CVM 持卡人验证', `${CVM_WORDS[r.cvm]}${r.cvmResults ? `  (9F34 ${r.cvmResults})` : ''}`]);
  if (r.issuer) {
    const auth = r.issuer.authenticated === undefined ? '' : r.issuer.authenticated ? '; ARPC accepted 发卡行认证通过' : '; ARPC rejected 发卡行认证失败';
    rows.push(['Issuer 发卡行', `${r.issuer.responseCode} ${r.issuer.reason}${auth}`]);
    if (r.issuer.balance !== undefined) rows.push(['Account 账户可用余额', money(r.issuer.balance, r.currency)]);
  }
  if (r.ecBalance !== undefined) rows.push(['EC balance 电子现金余额', money(r.ecBalance, r.currency)]);
  if (r.clearing) rows.push(['Clearing 清算', `${r.clearing.accepted ? 'accepted 已受理' : 'not accepted 未受理'}: ${r.clearing.reason}`]);
  rows.push(['TVR 终端验证结果', bitLines(r.tvr)]);
  rows.push(['TSI 交易状态信息', bitLines(r.tsi)]);
  if (r.scripts.length) {
    rows.push(['Scripts 发卡行脚本', r.scripts.map((s) => `${s.template} ${s.id ?? ''} ${s.ok ? 'ok 成功' : 'failed 失败'}: ${s.commands.map((c) => `${c.command.slice(0, 8)}→${c.sw}`).join(' ')}`.replace(/ {2,}/g, ' '))]);
  }
  if (r.notes.length) rows.push(['Notes 说明', r.notes]);
  return `${alignedRows(rows)}\n${renderReceipt(r)}`;
}

/** The receipt (签购单). */
export function renderReceipt(r: KernelResult): string {
  const c = r.receipt;
  const rows: Array<[string, string]> = [
    ['商户名称 MERCHANT', c.merchantName],
    ['终端号 TERMINAL', c.terminalId],
    ['日期时间 DATE/TIME', c.dateTime.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')],
    ['交易类型 TYPE', '消费 PURCHASE'],
  ];
  if (c.maskedPan) rows.push(['卡号 CARD NO.', `${c.maskedPan} / ${c.panSequence}`]);
  if (c.aid) rows.push(['应用 AID', `${c.aid}${c.label ? ` ${c.label}` : ''}`]);
  if (c.atc !== undefined) rows.push(['交易序号 ATC', String(c.atc)]);
  if (c.cryptogramType) rows.push(['应用密文 AC', `${c.cryptogramType} ${c.cryptogram}`]);
  if (c.authorisationCode) rows.push(['授权码 AUTH CODE', c.authorisationCode]);
  rows.push(['TVR / TSI', `${c.tvr} / ${c.tsi}`]);
  rows.push(['金额 AMOUNT', money(c.amount, c.currency)]);
  if (c.ecBalance !== undefined) rows.push(['电子现金余额 EC BALANCE', money(c.ecBalance, c.currency)]);
  rows.push(['结果 RESULT', OUTCOME_WORDS[r.outcome]]);
  if (c.signatureRequired) rows.push(['持卡人签名 SIGNATURE', '______________________']);
  else if (r.outcome === 'APPROVED') rows.push(['', '免签 NO SIGNATURE REQUIRED']);
  const body = alignedRows(rows, ' ');
  const width = Math.max(40, ...body.split('\n').map((l) => stringWidth(l) + 2));
  return `${titledRule('签购单 RECEIPT', Math.min(width, 60))}\n${body}${'─'.repeat(Math.min(width, 60))}\n`;
}
