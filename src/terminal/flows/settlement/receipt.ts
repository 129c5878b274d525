/**
 * The receipt of a settlement (one for both parts), built from what the journal holds of the visit —
 * so that a repeated bill, a recovered visit and a live one print the same receipt.
 */
import type { JournalVisit } from './journal.js';
import type { BankPart, SettlementReceipt, SettlementSplit } from './types.js';

/** The split fields of a setlinfo (2207 / 2304 output) or of a split the terminal computed offline, and nothing else. */
export function splitOf(s: SettlementSplit): SettlementSplit {
  return {
    medfee_sumamt: s.medfee_sumamt,
    fulamt_ownpay_amt: s.fulamt_ownpay_amt,
    overlmt_selfpay: s.overlmt_selfpay,
    preselfpay_amt: s.preselfpay_amt,
    inscp_scp_amt: s.inscp_scp_amt,
    act_pay_dedc: s.act_pay_dedc,
    hifp_pay: s.hifp_pay,
    pool_prop_selfpay: s.pool_prop_selfpay,
    fund_pay_sumamt: s.fund_pay_sumamt,
    psn_part_amt: s.psn_part_amt,
    acct_pay: s.acct_pay,
    psn_cash_pay: s.psn_cash_pay,
    balc: s.balc,
  };
}

/** The bank part of a settlement without a cash part. */
export function noBankPart(): BankPart {
  return { status: 'none', amount: 0, notes: ['现金部分为零，未发起银行交易 no cash part: no bank transaction'] };
}

/**
 * The receipt of a visit whose parts are done.
 * @throws RangeError when the journal lacks what a completed visit must hold (a bug)
 */
export function receiptOf(v: JournalVisit, settledAt: Date, extraNotes: string[] = []): SettlementReceipt {
  const d = v.data;
  const bill = v.bill;
  let split: SettlementSplit;
  let online: Pick<SettlementReceipt, 'setlinfo' | 'setldetail'> = {};
  let offline: SettlementReceipt['offline'];
  if (v.mode === 'online') {
    if (!d.settlement) throw new RangeError(`receipt of ${v.visitId}: the journal holds no settlement`);
    split = splitOf(d.settlement.setlinfo);
    online = { setlinfo: d.settlement.setlinfo, setldetail: d.settlement.setldetail };
  } else {
    if (!d.offline || !d.debit) throw new RangeError(`receipt of ${v.visitId}: the journal holds no offline split or card debit`);
    split = { ...d.offline.split, balc: d.debit.balanceAfter };
    offline = { policy: d.offline.policy, debit: d.debit, note: d.offline.note };
  }
  const insuplc = d.insuplc_admdvs;
  return {
    visitId: v.visitId,
    mode: v.mode,
    kind: bill.kind,
    settledAt: settledAt.toISOString(),
    institution: { fixmedins_code: bill.fixmedins_code, fixmedins_name: bill.fixmedins_name, mdtrtarea_admvs: bill.mdtrtarea_admvs },
    bill: { title: bill.title, ipt_otp_no: bill.ipt_otp_no, ...(bill.chrg_bchno ? { chrg_bchno: bill.chrg_bchno } : {}), med_type: bill.med_type },
    patient: {
      name: d.holder.name,
      certno: d.holder.certno,
      cardNo: d.holder.cardNo,
      cardSn: d.holder.cardSn,
      ...(d.psn_no ? { psn_no: d.psn_no } : {}),
      ...(d.insutype ? { insutype: d.insutype } : {}),
      ...(insuplc ? { insuplc_admdvs: insuplc } : {}),
      crossRegion: insuplc !== undefined && insuplc !== bill.mdtrtarea_admvs,
    },
    card: { check: d.holder.check, interface: d.holder.interface },
    split,
    ...online,
    ...(offline ? { offline } : {}),
    bank: d.bank ?? noBankPart(),
    notes: [...d.notes, ...extraNotes],
  };
}
