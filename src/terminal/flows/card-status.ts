/**
 * The card's life as the terminal's flows see it (DOMAIN.md §5 "What the seeds say a user sees"): a
 * port the flows ask before they use an area of the card, and tell after a medical settlement.
 *
 * - A new card works only once activated: the social-security area at its first use at a designated
 *   hospital or pharmacy (or a bank), the financial area at a bank.
 * - A temporary loss report suspends both areas (7 days, unless made formal or lifted); a formal loss
 *   report ends the card.
 * - After a new card is activated and used once for a medical settlement, the old card is deregistered
 *   and its personal-account balance moves to the new card.
 *
 * The card-management host implements this port (`src/terminal/hosts/card-management/`); the flows
 * (hospital-settlement.ts, quick-pay.ts) only call it. Without one, {@link noCardStatusChecks} lets every
 * card through and records nothing — the behaviour of a terminal that knows nothing of the card's life
 * (the issuer and the centre still refuse what they know is blocked or deregistered).
 */

/** The two areas of the card (DOMAIN.md §5: "two independent accounts"). */
export type CardArea = 'social-security' | 'financial';

/**
 * How the flow names the card: the social-security card identifier (卡识别码, 32 hex digits, from EF05)
 * and/or the PAN of the financial application (5A). A flow gives what it has read: the hospital
 * settlement both (the PAN when it needs the financial area), the contactless quick payment the PAN.
 */
export interface CardRef {
  /** 卡识别码 (card_sn), upper-case hex. */
  cardSn?: string;
  /** PAN of the debit application, digits. */
  pan?: string;
}

/** Why an area cannot be used now. */
export type CardUnusableReason =
  /** The area was never activated (a new card). */
  | 'not-activated'
  /** A temporary loss report (临时挂失) is in force. */
  | 'suspended'
  /** A formal loss report (正式挂失): the card is finished. */
  | 'lost'
  /** The card was replaced and deregistered. */
  | 'deregistered'
  /** The card-management host does not know the card. */
  | 'unknown-card';

/** The answer of {@link CardStatusPort.checkUsable}. */
export type CardUsability =
  | { usable: true }
  | {
      usable: false;
      reason: CardUnusableReason;
      /** One line for the cashier and the receipt, e.g. "临时挂失 temporary loss report until 2026-12-08". */
      detail: string;
    };

/** What the flow tells after a medical settlement of a card was completed (both parts). */
export interface MedicalSettlementNotice {
  /** The settlement's ID at the centre (setl_id), or the journal's visit ID for an offline settlement. */
  settlementId: string;
  /** The insured person (psn_no) when the centre named one (online). */
  psnNo?: string;
  /** When the settlement was completed. */
  at: Date;
  mode: 'online' | 'offline';
}

/**
 * The card-management host, as the flows need it. Implementations must be idempotent for
 * `onMedicalSettlement` (the flow's recovery may tell the same settlement again after a crash).
 */
export interface CardStatusPort {
  /**
   * Whether an area of the card may be used now. Asked before anything is charged: the social-security
   * area before 1101, the financial area before the bank is asked for the cash part.
   */
  checkUsable(card: CardRef, area: CardArea): Promise<CardUsability>;
  /**
   * A medical settlement of this card is complete. The first one of a new (replacement) card
   * deregisters the old card and moves its personal-account balance. A failure here does not undo the
   * settlement: the flow records it and tells again at its next recovery.
   */
  onMedicalSettlement(cardSn: string, notice: MedicalSettlementNotice): Promise<void>;
}

/** The default port: every card is usable, nothing is recorded. */
export const noCardStatusChecks: CardStatusPort = Object.freeze({
  async checkUsable(): Promise<CardUsability> {
    return { usable: true as const };
  },
  async onMedicalSettlement(): Promise<void> {},
});

/** Words for a refusal reason (receipts, messages). */
export const CARD_UNUSABLE_WORDS: Readonly<Record<CardUnusableReason, readonly [en: string, zh: string]>> = {
  'not-activated': ['not activated', '未激活'],
  suspended: ['suspended by a temporary loss report', '临时挂失'],
  lost: ['reported lost', '已正式挂失'],
  deregistered: ['deregistered (replaced)', '已注销'],
  'unknown-card': ['not known to the card-management host', '卡管理系统无此卡'],
};

/** Words for an area. */
export const CARD_AREA_WORDS: Readonly<Record<CardArea, readonly [en: string, zh: string]>> = {
  'social-security': ['social-security area', '社保应用'],
  financial: ['financial area', '金融应用'],
};
