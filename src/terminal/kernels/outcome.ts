/**
 * What a payment kernel answers: one of four outcomes (EMV 4.3 Book 3 §10.11 / JR/T 0025.12 §7 outcomes,
 * reduced to what a cashier acts on), with who approved and why not, the TVR and TSI, the cryptograms,
 * the receipt data and the full APDU trace.
 *
 * A wrong answer from the card is an outcome (`TERMINATED` with its reason), never an exception; an I/O
 * failure (the reader or the card went away) is a `TransportError`, thrown.
 */
import type { CryptogramType } from '../../spec/pboc.js';
import type { NamedBit } from './tvr.js';

export type Outcome = 'APPROVED' | 'DECLINED' | 'TRY_ANOTHER_INTERFACE' | 'TERMINATED';

/**
 * Why a transaction was not approved: a code from the table below, its words (English and Chinese) and
 * a detail (status word, the step, the check that failed).
 */
export interface OutcomeReason {
  code: ReasonCode;
  en: string;
  zh: string;
  detail?: string;
}

/** The reason table. */
export const REASONS = {
  // selection
  NO_APPLICATION: ['No application on the card that the terminal supports', '卡片上没有终端支持的应用'],
  APPLICATION_BLOCKED: ['The application is blocked', '应用已锁定'],
  CARD_BLOCKED: ['The card is blocked', '卡片已锁定'],
  // card answers
  CARD_ERROR: ['The card answered a command with an error', '卡片对命令返回错误'],
  CARD_DATA_INVALID: ['The card answered data that is not valid', '卡片返回的数据无效'],
  CARD_DATA_MISSING: ['Mandatory card data is missing', '缺少必需的卡片数据'],
  CONDITIONS_NOT_SATISFIED: ['The card refused the transaction (conditions of use not satisfied)', '卡片拒绝交易（使用条件不满足）'],
  // decisions
  DECLINED_BY_TERMINAL: ['Declined by the terminal (terminal action analysis)', '终端拒绝（终端行为分析）'],
  DECLINED_BY_CARD: ['Declined by the card', '卡片拒绝'],
  DECLINED_BY_ISSUER: ['Declined by the issuer', '发卡行拒绝'],
  ISSUER_AUTHENTICATION_FAILED: ['Issuer authentication failed: the card declined', '发卡行认证失败，卡片拒绝'],
  UNABLE_TO_GO_ONLINE: ['The issuer could not be reached', '无法联机'],
  ODA_FAILED: ['Offline data authentication failed', '脱机数据认证失败'],
  EXPIRED: ['The application has expired', '应用已过期'],
  NOT_YET_EFFECTIVE: ['The application is not yet effective', '应用尚未生效'],
  CVM_FAILED: ['Cardholder verification failed', '持卡人验证失败'],
  EXCEPTION_FILE: ['The card is on the terminal exception file', '卡片在终端异常文件中'],
  // contactless
  OVER_CONTACTLESS_LIMIT: ['The amount is at or above the contactless transaction limit: use the contact interface', '金额达到非接触交易限额，请插卡'],
  ZERO_AMOUNT_OFFLINE_ONLY: ['A zero amount needs an online-capable reader: use another interface', '零金额交易需要联机，请使用其他界面'],
  CONTACTLESS_NOT_SUPPORTED: ['The card does not support qPBOC: use the contact interface', '卡片不支持qPBOC，请插卡'],
  CARD_ASKS_OTHER_INTERFACE: ['The card asks for another interface', '卡片要求使用其他界面'],
  CARD_REMOVED: ['The card left the field during the purchase: present it again', '交易中卡片离开感应区，请重新挥卡'],
  TORN_NOT_RECOVERED: ['An interrupted purchase could not be recovered', '中断的交易无法恢复'],
} as const satisfies Record<string, readonly [string, string]>;

export type ReasonCode = keyof typeof REASONS;

/** Builds a reason from its code. */
export function reason(code: ReasonCode, detail?: string): OutcomeReason {
  const [en, zh] = REASONS[code];
  return { code, en, zh, ...(detail !== undefined ? { detail } : {}) };
}

/** One APDU exchange of the transaction, with the kernel step that sent it. */
export interface TraceEntry {
  step: string;
  command: string;
  response: string;
  sw: string;
}

/** A cryptogram the card produced. */
export interface CryptogramRecord {
  /** Which command produced it. */
  source: 'GENERATE AC 1' | 'GENERATE AC 2' | 'GET PROCESSING OPTIONS';
  requested?: CryptogramType;
  type: CryptogramType;
  /** 9F27, 9F26, 9F10 as hex. */
  cid: string;
  cryptogram: string;
  iad?: string;
  atc: number;
}

/** The cardholder verification method that was performed. */
export type CvmPerformed = 'offline-pin' | 'online-pin' | 'signature' | 'no-cvm' | 'failed' | 'none';

/** The result of one issuer script (EMV Book 3 §10.10, script results). */
export interface ScriptResult {
  template: '71' | '72';
  /** 9F18 script identifier (hex), when present. */
  id?: string;
  /** Each command sent with its status word. */
  commands: Array<{ command: string; sw: string }>;
  ok: boolean;
  /** Issuer script results bytes (result ‖ sequence nibble, then the 4-byte script ID), hex. */
  resultBytes: string;
}

/** What the issuer said (online transactions). */
export interface IssuerOutcome {
  approved: boolean;
  responseCode: string;
  reason: string;
  /** Issuer authentication: true (ARPC accepted), false (rejected), undefined (not performed). */
  authenticated?: boolean;
  /** The account balance after posting, when the host gave one (fen). */
  balance?: number;
}

/** Data for the receipt (printed in Chinese and English by the CLI). */
export interface ReceiptData {
  merchantName: string;
  terminalId: string;
  /** ISO date-time of the transaction (terminal clock). */
  dateTime: string;
  /** PAN with all but the first 6 and last 4 digits masked. */
  maskedPan?: string;
  panSequence?: string;
  aid?: string;
  label?: string;
  transactionType: 'purchase';
  amount: number;
  currency: string;
  atc?: number;
  cryptogramType?: CryptogramType;
  cryptogram?: string;
  tvr: string;
  tsi: string;
  authorisationCode?: string;
  signatureRequired: boolean;
  /** The EC balance after an electronic-cash purchase (fen). */
  ecBalance?: number;
}

/** Everything a kernel run answers. */
export interface KernelResult {
  kernel: 'pboc-contact' | 'qpboc';
  interface: 'contact' | 'contactless';
  transactionId: string;
  outcome: Outcome;
  approvedBy?: 'offline' | 'online';
  /** Set for DECLINED, TRY_ANOTHER_INTERFACE and TERMINATED. */
  reason?: OutcomeReason;
  amount: number;
  otherAmount: number;
  currency: string;
  aid?: string;
  label?: string;
  pan?: string;
  panSequence?: string;
  tvr: { hex: string; bits: NamedBit[] };
  tsi: { hex: string; bits: NamedBit[] };
  /** The final cryptogram type (the last one the card produced). */
  cryptogramType?: CryptogramType;
  cryptograms: CryptogramRecord[];
  atc?: number;
  cvm: CvmPerformed;
  /** CVM results 9F34 (hex). */
  cvmResults?: string;
  issuer?: IssuerOutcome;
  scripts: ScriptResult[];
  /** Electronic-cash balance after the transaction, when the card told it (fen). */
  ecBalance?: number;
  /** Whether an offline approval was accepted for clearing by the issuer host. */
  clearing?: { accepted: boolean; reason: string };
  receipt: ReceiptData;
  trace: TraceEntry[];
  /** Notes of the kernel (why a step was skipped, recoveries, …). */
  notes: string[];
}
