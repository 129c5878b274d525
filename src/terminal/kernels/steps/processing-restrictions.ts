/**
 * Processing restrictions (EMV 4.3 Book 3 §10.4): application version (9F08 card vs 9F09 terminal),
 * application usage control (9F07 against the transaction and the terminal; issuer country 5F28 vs
 * terminal country 9F1A), effective date (5F25) and expiry date (5F24) against the transaction date.
 * Each check sets its TVR bit; none ends the transaction (terminal action analysis decides).
 */
import { toHex } from '../../../apdu/bytes.js';
import type { KernelContext } from '../context.js';
import { compareDates, dateOf, decodeYymmdd } from '../emv-values.js';

/** AUC 9F07 bits (Book 3 Annex C2): [byte (1-based), mask]. */
const AUC = {
  domesticCash: [1, 0x80],
  internationalCash: [1, 0x40],
  domesticGoods: [1, 0x20],
  internationalGoods: [1, 0x10],
  domesticServices: [1, 0x08],
  internationalServices: [1, 0x04],
  atms: [1, 0x02],
  otherThanAtms: [1, 0x01],
  domesticCashback: [2, 0x80],
  internationalCashback: [2, 0x40],
} as const;
type AucBit = keyof typeof AUC;

/** Terminal types 14, 15, 16 with cash capability are ATMs (Book 4 Annex A1); sscard terminals are not. */
const ATM_TYPES = new Set(['14', '15', '16']);

/**
 * The AUC bit a transaction needs (Book 3 §10.4.2), by transaction type 9C and merchant category:
 * 00 goods/services, 01 cash, 09 purchase with cashback (which also needs the cashback bit).
 */
const AUC_FOR: Record<string, { domestic: AucBit; international: AucBit } | undefined> = {
  'goods:00': { domestic: 'domesticGoods', international: 'internationalGoods' },
  'services:00': { domestic: 'domesticServices', international: 'internationalServices' },
  'goods:01': { domestic: 'domesticCash', international: 'internationalCash' },
  'services:01': { domestic: 'domesticCash', international: 'internationalCash' },
  'goods:09': { domestic: 'domesticGoods', international: 'internationalGoods' },
  'services:09': { domestic: 'domesticServices', international: 'internationalServices' },
};

function has(auc: Uint8Array, bit: AucBit): boolean {
  const [byte, mask] = AUC[bit];
  return ((auc[byte - 1] ?? 0) & mask) !== 0;
}

/** Whether the AUC allows this transaction here (Book 3 §10.4.2). */
export function usageAllowed(ctx: KernelContext, auc: Uint8Array): boolean {
  const atm = ATM_TYPES.has(ctx.config.terminalType);
  if (!has(auc, atm ? 'atms' : 'otherThanAtms')) return false;
  const issuerCountry = ctx.data.card('5F28');
  if (!issuerCountry) return true; // without the issuer country the usage checks by region are skipped (§10.4.2)
  const domestic = toHex(issuerCountry) === ctx.config.countryCode;
  const type = ctx.transactionType.toString(16).toUpperCase().padStart(2, '0');
  const needed = AUC_FOR[`${ctx.config.merchantCategory}:${type}`];
  if (needed && !has(auc, domestic ? needed.domestic : needed.international)) return false;
  if (type === '09' || ctx.otherAmount > 0) return has(auc, domestic ? 'domesticCashback' : 'internationalCashback');
  return true;
}

/** Book 3 §10.4. */
export function processingRestrictions(ctx: KernelContext): void {
  const cardVersion = ctx.data.card('9F08');
  const terminalVersion = ctx.data.terminal('9F09');
  if (cardVersion && terminalVersion && toHex(cardVersion) !== toHex(terminalVersion)) {
    ctx.tvr.set('versionsDiffer');
    ctx.note(`application versions differ: card ${toHex(cardVersion)}, terminal ${toHex(terminalVersion)}`);
  }
  const auc = ctx.data.card('9F07');
  if (auc && (auc.length !== 2 || !usageAllowed(ctx, auc))) {
    ctx.tvr.set('serviceNotAllowed');
    ctx.note(`application usage control ${toHex(auc)} does not allow this transaction`);
  }
  const today = dateOf(ctx.now);
  const effective = ctx.data.card('5F25');
  if (effective) {
    const d = decodeYymmdd(effective);
    if (!d || compareDates(d, today) > 0) ctx.tvr.set('applicationNotYetEffective');
  }
  const expiry = ctx.data.card('5F24');
  if (expiry) {
    const d = decodeYymmdd(expiry);
    if (!d || compareDates(d, today) < 0) {
      ctx.tvr.set('expiredApplication');
      ctx.note(`application expired (5F24 ${toHex(expiry)})`);
    }
  }
}
