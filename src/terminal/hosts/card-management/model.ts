/**
 * The card-management host's records (the issuer's system of record for every card it issued: who
 * holds it, whether each of its two areas is activated, loss reports, which card replaced which) and
 * the outcomes it answers. Times are ISO 8601 UTC strings from the injected clock.
 */

/** The two independent areas of one card (DOMAIN.md §5): 社保功能 and 金融功能. */
export type CardArea = 'social-security' | 'financial';

export const CARD_AREAS: readonly CardArea[] = ['social-security', 'financial'];

/** Names of the areas for people. */
export const AREA_NAMES: Readonly<Record<CardArea, { zh: string; en: string }>> = {
  'social-security': { zh: '社保功能', en: 'social-security area' },
  financial: { zh: '金融功能', en: 'financial area' },
};

/**
 * Where a card is used or served:
 * - `designated-medical`: a designated hospital or pharmacy (定点医药机构);
 * - `bank`: a branch of the card's bank (合作银行网点);
 * - `service-window`: a social-security service window (社保经办窗口);
 * - `merchant`: any other acceptance point (a shop, a canteen);
 * - `self-service`: a self-service terminal (自助终端).
 */
export type PlaceKind = 'designated-medical' | 'bank' | 'service-window' | 'merchant' | 'self-service';

export const PLACE_KINDS: readonly PlaceKind[] = ['designated-medical', 'bank', 'service-window', 'merchant', 'self-service'];

export const PLACE_NAMES: Readonly<Record<PlaceKind, { zh: string; en: string }>> = {
  'designated-medical': { zh: '定点医药机构', en: 'designated hospital or pharmacy' },
  bank: { zh: '银行网点', en: 'bank' },
  'service-window': { zh: '社保服务窗口', en: 'service window' },
  merchant: { zh: '商户', en: 'merchant' },
  'self-service': { zh: '自助终端', en: 'self-service terminal' },
};

/** A place: its kind and an identifier (an institution code, a branch number, a terminal ID). */
export interface Place {
  kind: PlaceKind;
  id: string;
}

/** The cardholder data the card carries (EF06, EF0D, and EF05's category), kept to personalise a replacement. */
export interface HolderData {
  /** 社会保障号码 (18 characters). */
  idNumber: string;
  name: string;
  /** 性别 code (1, 2, 9). */
  sex: string;
  /** 民族 code (2 digits). */
  nation: string;
  /** 出生地 (6 digits). */
  birthplace: string;
  /** 出生日期 YYYYMMDD. */
  birthDate: string;
  /** 卡的类别 (1 … 4). */
  cardCategory: string;
  /** 人员识别码 (EF0D), empty on a second-generation card. */
  personId: string;
  /** 初次申领地 (EF0D), empty on a second-generation card. */
  firstApplicationRegion: string;
}

/** What the host learns of a card when it is issued (read from the card through the kernels). */
export interface IssuedCard {
  /** 卡识别码: 32 hex digits (upper case). */
  cardSn: string;
  /** 卡号: 9 characters. */
  cardNumber: string;
  /** 区划: the card identifier's city code. */
  region: string;
  holder: HolderData;
  /** PAN of the financial application (absent: a card without one). */
  pan?: string;
  panSequence?: string;
  /** 发卡日期 / 卡有效期, YYYYMMDD, as the card says. */
  issueDate?: string;
  expiryDate?: string;
}

/**
 * Where a card is in its life:
 * - `valid`: issued, in use (each area activated or not; possibly under a temporary loss report);
 * - `lost`: formally reported lost (final);
 * - `deregistered`: replaced, and its successor has been used for a medical settlement (final).
 */
export type Lifecycle = 'valid' | 'lost' | 'deregistered';

/** One card as the host keeps it. */
export interface CardRecord extends IssuedCard {
  issuedAt: string;
  /** Per area: when and where it was activated, or null. */
  socialSecurityActivatedAt: string | null;
  socialSecurityActivatedAtPlace: string | null;
  financialActivatedAt: string | null;
  financialActivatedAtPlace: string | null;
  lifecycle: Lifecycle;
  /** Temporary loss report: when it was made and when it lapses (null: none in force). */
  suspendedAt: string | null;
  suspendedUntil: string | null;
  lostAt: string | null;
  deregisteredAt: string | null;
  /** The card this one replaces (for the same person), and the card that replaced this one. */
  replaces: string | null;
  replacedBy: string | null;
  /** The first medical settlement made with this card. */
  firstMedicalSettlementAt: string | null;
  /** The bank and the centre have not been told the card's latest state yet (retried at the next run). */
  pushPending: boolean;
  updatedAt: string;
}

/** What happened to a card (append-only). */
export type EventKind =
  | 'issued'
  | 'activated'
  | 'refused'
  | 'loss-reported'
  | 'loss-made-formal'
  | 'loss-lifted'
  | 'loss-lapsed'
  | 'replaced'
  | 'replacement-issued'
  | 'deregistered'
  | 'medical-settlement'
  | 'pin-reset'
  | 'pushed'
  | 'push-failed';

export interface CardEvent {
  seq: number;
  cardSn: string;
  at: string;
  kind: EventKind;
  area: CardArea | null;
  /** `kind:id` of the place, or null. */
  place: string | null;
  detail: string;
}

export type NewCardEvent = Omit<CardEvent, 'seq'>;

/**
 * The state of one area at an instant:
 * - `not-activated`, `active`;
 * - `suspended`: a temporary loss report is in force (until `suspendedUntil`);
 * - `lost`: formally reported lost; `deregistered`: replaced and retired.
 */
export type AreaState = 'not-activated' | 'active' | 'suspended' | 'lost' | 'deregistered';

/** Why a card cannot be used for an area. */
export type RefusalCode = 'unknown-card' | 'not-activated' | 'temporarily-lost' | 'lost' | 'deregistered';

/** A refusal, with words for the receipt and the terminal's screen. */
export interface CardRefusal {
  usable: false;
  code: RefusalCode;
  area: CardArea;
  /** One line, Chinese then English, with the detail (until when, replaced by which card …). */
  message: string;
  zh: string;
  en: string;
  cardSn?: string;
}

/** The answer to "may this card be used for this area here?". */
export type CardUse =
  | { usable: true; area: CardArea; cardSn: string; pan?: string; activatedNow: boolean; message: string }
  | CardRefusal;
