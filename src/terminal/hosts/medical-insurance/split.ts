/**
 * The settlement calculation (DOMAIN.md §4 "Calculation model" [R]; docs/medical-insurance-centre.md
 * "Policy"): pure functions over integers (fen, 1/10000).
 *
 * Per fee detail (`classifyLine`):
 *   丙 (03) → the whole line is fully self-paid (fulamt_ownpay_amt);
 *   otherwise the part above the catalogue's unit-price cap is over-limit self-pay (overlmt_amt);
 *   乙 (02) → of the capped amount, selfpay_prop (rounded half up) is paid by the person first
 *            (preselfpay_amt); the rest is in scope (inscp_scp_amt);
 *   甲 (01) → the capped amount is in scope.
 * Per settlement (`computeSplit`), over the in-scope total:
 *   the person first pays what is left of the annual deductible (act_pay_dedc);
 *   the pooled fund pays ratio × the rest, rounded half up, up to what is left of the annual cap (hifp_pay);
 *   the person's part (psn_part_amt) is everything the funds do not pay;
 *   the personal account pays the person's part up to its balance when the HIS asks (acct_pay);
 *   cash is the rest (psn_cash_pay); balc is the account balance after.
 */
import { applyRatio, lineAmount } from './decimal.js';
import type { ChrgitmLv } from './codes.js';

/** What the catalogue says of a line. */
export interface LineCategory {
  chrgitm_lv: ChrgitmLv;
  selfpay_prop: number;
  pric_uplmt_amt?: number;
}

/** A fee detail as the HIS sends it (count 1/10000, price 1/1000000 yuan, amount fen). */
export interface FeeLine {
  cnt: number;
  pric: number;
  det_item_fee_sumamt: number;
}

/** How a line divides: the four parts add up to det_item_fee_sumamt. */
export interface LineSplit {
  fulamt_ownpay_amt: number;
  overlmt_amt: number;
  preselfpay_amt: number;
  inscp_scp_amt: number;
}

/** Classifies one fee detail. */
export function classifyLine(line: FeeLine, category: LineCategory): LineSplit {
  const total = line.det_item_fee_sumamt;
  if (category.chrgitm_lv === '03') return { fulamt_ownpay_amt: total, overlmt_amt: 0, preselfpay_amt: 0, inscp_scp_amt: 0 };
  const cap = category.pric_uplmt_amt;
  const capped = cap !== undefined && line.pric > cap ? Math.min(total, lineAmount(line.cnt, cap)) : total;
  const overlmt = total - capped;
  const preselfpay = category.chrgitm_lv === '02' ? applyRatio(capped, category.selfpay_prop) : 0;
  return { fulamt_ownpay_amt: 0, overlmt_amt: overlmt, preselfpay_amt: preselfpay, inscp_scp_amt: capped - preselfpay };
}

/** The totals of a settlement's lines. */
export interface BillTotals {
  medfee_sumamt: number;
  fulamt_ownpay_amt: number;
  overlmt_selfpay: number;
  preselfpay_amt: number;
  inscp_scp_amt: number;
}

/** Adds up classified lines. */
export function billTotals(lines: readonly (LineSplit & { det_item_fee_sumamt: number })[]): BillTotals {
  const t: BillTotals = { medfee_sumamt: 0, fulamt_ownpay_amt: 0, overlmt_selfpay: 0, preselfpay_amt: 0, inscp_scp_amt: 0 };
  for (const l of lines) {
    t.medfee_sumamt += l.det_item_fee_sumamt;
    t.fulamt_ownpay_amt += l.fulamt_ownpay_amt;
    t.overlmt_selfpay += l.overlmt_amt;
    t.preselfpay_amt += l.preselfpay_amt;
    t.inscp_scp_amt += l.inscp_scp_amt;
  }
  return t;
}

/** Where the person stands before this settlement. */
export interface PersonPosition {
  /** Deductible already paid this year. */
  dedcPaid: number;
  /** Pooled fund already paid this year. */
  fundPaid: number;
  /** Personal-account balance. */
  balance: number;
}

export interface SplitPolicy {
  deductible: number;
  annualCap: number;
  ratio: number;
}

/** The money of a settlement (setlinfo's amounts, in fen). */
export interface Split extends BillTotals {
  act_pay_dedc: number;
  hifp_pay: number;
  /** The pooled fund's ratio applied (pool_prop_selfpay), 1/10000. */
  pool_prop_selfpay: number;
  fund_pay_sumamt: number;
  psn_part_amt: number;
  acct_pay: number;
  psn_cash_pay: number;
  balc: number;
  /** What was left of the annual cap before this settlement (setldetail crt_payb_lmt_amt). */
  cap_left: number;
}

/** Splits a bill between the pooled fund, the personal account and cash. */
export function computeSplit(totals: BillTotals, position: PersonPosition, policy: SplitPolicy, useAccount: boolean): Split {
  const parts = totals.fulamt_ownpay_amt + totals.overlmt_selfpay + totals.preselfpay_amt + totals.inscp_scp_amt;
  if (parts !== totals.medfee_sumamt) throw new RangeError(`computeSplit: parts (${parts}) do not add up to medfee_sumamt (${totals.medfee_sumamt})`);
  const dedcLeft = Math.max(0, policy.deductible - position.dedcPaid);
  const act_pay_dedc = Math.min(totals.inscp_scp_amt, dedcLeft);
  const capLeft = Math.max(0, policy.annualCap - position.fundPaid);
  const hifp_pay = Math.min(applyRatio(totals.inscp_scp_amt - act_pay_dedc, policy.ratio), capLeft);
  const fund_pay_sumamt = hifp_pay;
  const psn_part_amt = totals.medfee_sumamt - fund_pay_sumamt;
  const acct_pay = useAccount ? Math.min(psn_part_amt, Math.max(0, position.balance)) : 0;
  return {
    ...totals,
    act_pay_dedc,
    hifp_pay,
    pool_prop_selfpay: policy.ratio,
    fund_pay_sumamt,
    psn_part_amt,
    acct_pay,
    psn_cash_pay: psn_part_amt - acct_pay,
    balc: position.balance - acct_pay,
    cap_left: capLeft,
  };
}
