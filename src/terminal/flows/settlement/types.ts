/**
 * The data of a hospital settlement as the flow reports it (docs/settlement.md): the receipt with both
 * parts — the medical-insurance part charged at the centre (or, offline, on the card) and the cash part
 * charged to the same card's bank account — and the outcomes of settling, cancelling and recovering.
 *
 * Amounts are integers in fen (分) everywhere here; the CLI writes yuan with two decimals.
 */
import type { Bill } from '../../hosts/medical-insurance/bill.js';
import type { SetlDetail, SetlInfo } from '../../hosts/medical-insurance/outputs.js';
import type { AppliedPolicy } from '../../hosts/medical-insurance/policy.js';
import type { CvmPerformed, Outcome } from '../../kernels/outcome.js';

/** Who the card says the patient is (SSSE EF05/EF06, read by the social-security kernel). */
export interface CardHolder {
  /** 卡识别码 (card_sn), 32 hex digits. */
  cardSn: string;
  /** 社会保障卡卡号 (mdtrt_cert_no of 1101 with certificate type 03). */
  cardNo: string;
  /** 社会保障号码. */
  certno: string;
  /** 姓名. */
  name: string;
  /** 区划 of the card identifier. */
  region: string;
  /** The card check: authentic (through the PSAM) or unchecked (no PSAM). */
  check: 'authentic' | 'unchecked';
  /** The interface the card was read on. */
  interface: 'contact' | 'contactless';
  /** The iReadCardBas line (LD/T 33), as HIS code passes it in hcard_basinfo. */
  iReadCardBas: string;
}

/** The split of a settlement (setlinfo's money fields), fen; ratio in 1/10000. */
export interface SettlementSplit {
  /** 医疗费总额. */
  medfee_sumamt: number;
  /** 全自费金额 (丙). */
  fulamt_ownpay_amt: number;
  /** 超限价自费. */
  overlmt_selfpay: number;
  /** 先行自付金额 (乙 shares). */
  preselfpay_amt: number;
  /** 符合政策范围金额. */
  inscp_scp_amt: number;
  /** 实际支付起付线. */
  act_pay_dedc: number;
  /** 统筹基金支出. */
  hifp_pay: number;
  /** 统筹基金支付比例 (1/10000). */
  pool_prop_selfpay: number;
  /** 基金支付总额. */
  fund_pay_sumamt: number;
  /** 个人负担总金额. */
  psn_part_amt: number;
  /** 个人账户支出. */
  acct_pay: number;
  /** 个人现金支出: what the bank is asked for. */
  psn_cash_pay: number;
  /** 余额: the personal account after (the centre's online; the card's offline). */
  balc: number;
}

/** The bank's part: the cash of the settlement, charged by a PBOC transaction on the same card. */
export interface BankPart {
  /**
   * `none`: no cash part (psn_cash_pay = 0), no bank transaction; `approved`; `declined` (by the
   * terminal, the card or the issuer); `failed` (the card went away, try another interface with no
   * contact interface, a card error); `reversed` (approved, then reversed because the medical part could
   * not be finished, or cancelled).
   */
  status: 'none' | 'approved' | 'declined' | 'failed' | 'reversed';
  /** The cash part, fen. */
  amount: number;
  /** The terminal's transaction ID at the issuer (deterministic: `<visitId>-B<n>`). */
  transactionId?: string;
  kernel?: 'pboc-contact' | 'qpboc';
  interface?: 'contact' | 'contactless';
  /** The kernel's outcome. */
  outcome?: Outcome;
  approvedBy?: 'online' | 'offline';
  /** Why not approved, in English and Chinese, with a detail (response code, status word…). */
  reason?: { code: string; en: string; zh: string; detail?: string };
  maskedPan?: string;
  panSequence?: string;
  atc?: number;
  cryptogramType?: string;
  cryptogram?: string;
  tvr?: string;
  tsi?: string;
  cvm?: CvmPerformed;
  /** The issuer's response code (ISO 8583 field 39) and words. */
  responseCode?: string;
  issuerReason?: string;
  authorisationCode?: string;
  /** The account's available balance after, when the issuer gave it. */
  accountBalance?: number;
  /** Kernel notes (fallback to contact, reversal…). */
  notes: string[];
}

/** The card's own medical debit of an offline settlement (B0 28 / B0 2C through the PSAM). */
export interface CardDebitPart {
  /** 个人账户金额 drawn from the card; 个人自付 and 统筹基金 recorded on the card. */
  account: number;
  selfPay: number;
  fund: number;
  balanceBefore: number;
  balanceAfter: number;
  /** The card's offline transaction sequence (交易序号) and the PSAM's terminal number and sequence. */
  sequence: number;
  terminalId: string;
  terminalSequence: string;
  tac: string;
  time: string;
}

/** What a completed settlement prints: one receipt with both parts. */
export interface SettlementReceipt {
  /** The journal's ID of this visit (the root of every msgid and transaction ID it used). */
  visitId: string;
  mode: 'online' | 'offline';
  kind: Bill['kind'];
  /** When it was completed (ISO). */
  settledAt: string;
  institution: { fixmedins_code: string; fixmedins_name: string; mdtrtarea_admvs: string };
  bill: { title: string; ipt_otp_no: string; chrg_bchno?: string; med_type: string };
  patient: {
    name: string;
    certno: string;
    cardNo: string;
    cardSn: string;
    psn_no?: string;
    insutype?: string;
    insuplc_admdvs?: string;
    /** 异地就医: the treatment place (mdtrtarea_admvs) is not the insured place (insuplc_admdvs). */
    crossRegion: boolean;
  };
  /** How the card was read: its check (authentic through the PSAM, or unchecked without one) and interface. */
  card: { check: CardHolder['check']; interface: CardHolder['interface'] };
  split: SettlementSplit;
  /** Online: the platform's settlement (2207 / 2304), as the centre answered it. */
  setlinfo?: SetlInfo;
  setldetail?: SetlDetail[];
  /** Offline: the policy the terminal applied and the card's debit. */
  offline?: { policy: AppliedPolicy; debit: CardDebitPart; note: string };
  bank: BankPart;
  notes: string[];
}

/** Why a settlement did not happen or was undone. */
export interface SettlementReason {
  code: SettlementReasonCode;
  en: string;
  zh: string;
  detail?: string;
}

export type SettlementReasonCode =
  | 'card-refused'
  | 'card-unreachable'
  | 'card-status'
  | 'pin-required'
  | 'wrong-pin'
  | 'pin-blocked'
  | 'psam-required'
  | 'centre-refused'
  | 'bill-settled-for-another-card'
  | 'bill-in-progress'
  | 'financial-area'
  | 'offline-not-allowed'
  | 'offline-split'
  | 'bank-declined'
  | 'bank-failed'
  | 'card-debit-failed'
  | 'not-found'
  | 'not-cancellable';

/** Where the flow stopped. */
export type SettlementStage =
  | 'card'
  | 'person'
  | 'register'
  | 'fees'
  | 'presettle'
  | 'financial-check'
  | 'settle'
  | 'bank'
  | 'card-debit'
  | 'journal';

/** The result of `HospitalSettlement.settle`. */
export type SettlementResult =
  /** Both parts done; `repeated`: the bill had been settled before with this card (its first receipt, nothing charged). */
  | { outcome: 'settled'; receipt: SettlementReceipt; repeated: boolean; recovered: RecoveryReport[] }
  /** Nothing was charged (refused before, or the step that would have charged refused). */
  | { outcome: 'refused'; stage: SettlementStage; reason: SettlementReason; visitId?: string; shown?: SettlementSplit; recovered: RecoveryReport[] }
  /** One part was charged and the other failed: what was charged has been reversed. */
  | { outcome: 'reversed'; stage: SettlementStage; reason: SettlementReason; visitId: string; split?: SettlementSplit; bank?: BankPart; recovered: RecoveryReport[] }
  /**
   * The flow could not tell whether a part was charged (the card went away during its own debit), or a
   * reversal failed: the journal keeps the visit open and `recover` finishes it (an offline debit needs
   * the card again).
   */
  | { outcome: 'pending'; stage: SettlementStage; reason: SettlementReason; visitId: string; recovered: RecoveryReport[] };

/** What `recover` did with one unfinished visit. */
export interface RecoveryReport {
  visitId: string;
  bill: string;
  /** completed: both parts were done; reversed: what was charged was undone; abandoned: nothing had been charged; cancelled: a cancel was finished; notified: the card-management host was told again; pending: needs the card. */
  action: 'completed' | 'reversed' | 'abandoned' | 'cancelled' | 'notified' | 'pending';
  detail: string;
}

/** The result of `HospitalSettlement.cancel`. */
export type CancelResult =
  | { outcome: 'cancelled'; visitId: string; setl_id: string; cancellation?: SetlInfo; bank: BankPart; receipt: SettlementReceipt; repeated: boolean }
  | { outcome: 'refused'; reason: SettlementReason }
  | { outcome: 'pending'; visitId: string; reason: SettlementReason };
