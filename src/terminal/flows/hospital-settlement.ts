/**
 * Hospital settlement (就医结算; DOMAIN.md §4, §4.1, §5): one visit settled against the card's two
 * independent accounts, at a hospital window with one card.
 *
 * 1. The card, by the social-security kernel: card check (through the PSAM when there is one), basic
 *    information, the PIN (contact; LD/T 32.7 §5.4, LD/T 33 iReadCardBas / iVerifyPIN).
 * 2. The card's life: the social-security area must be usable (CardStatusPort).
 * 3. The centre: 1101 (certificate type 03 with card_sn) → 2201 → 2204 → 2206 (shown) → 2207 — the
 *    pooled fund and the personal account are charged at the centre (inpatient: 2401 → 2301 → 2303 →
 *    2304).
 * 4. The bank: the cash part (psn_cash_pay) by a PBOC transaction on the same card — the contact kernel
 *    with an online ARQC, or qPBOC online when the terminal is contactless and the amount allows —
 *    through the issuer host. A cash part of 0 is no bank transaction.
 * 5. One receipt with both parts.
 *
 * The two accounts stay independent: the bank is asked for psn_cash_pay only, never for what the
 * medical side pays, never instead of it. If the bank part fails the medical part is reversed (2208 /
 * 2305 when the settlement is known, 2601 when its answer was lost); a repeated bill charges nothing
 * and gives the first receipt; `cancel` reverses both parts; `recover` (run first by every `settle` and
 * `cancel`) completes or reverses every visit a crash interrupted, from the write-ahead journal
 * (settlement/journal.ts). Offline (`offline: true`): the card's own medical debit (B0 28 / B0 2C through
 * the PSAM) with the split the terminal computes from the same policy and catalogue (settlement/offline-split.ts).
 *
 * The flow composes kernels and hosts; it sends no APDU of its own.
 */
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import type { TerminalConfig } from '../config/terminal-config.js';
import type { Bill } from '../hosts/medical-insurance/bill.js';
import type { CatalogueSet } from '../hosts/medical-insurance/catalogue.js';
import type { MedicalInsuranceCentre } from '../hosts/medical-insurance/centre.js';
import type { PolicySet } from '../hosts/medical-insurance/policy.js';
import type { IssuerPort } from '../hosts/issuer/issuer-port.js';
import type { PinPad } from '../kernels/context.js';
import type { Blacklist } from '../kernels/ssse-reader/blacklist.js';
import type { PsamPort } from '../psam/psam-port.js';
import type { CardReader } from '../reader.js';
import type { CardStatusPort } from './card-status.js';
import type { JournalPoint, SettlementJournal } from './settlement/journal.js';
import type { CancelResult, RecoveryReport, SettlementReceipt, SettlementResult } from './settlement/types.js';

export type * from './settlement/types.js';
export type { JournalPoint, SettlementJournal, JournalVisit, VisitState } from './settlement/journal.js';
export type { CardStatusPort, CardArea, CardRef, CardUsability } from './card-status.js';
export { noCardStatusChecks } from './card-status.js';

type Awaitable<T> = T | Promise<T>;
type Method<K extends keyof MedicalInsuranceCentre> = MedicalInsuranceCentre[K] extends (...a: infer A) => infer R ? (...a: A) => Awaitable<R> : never;

/**
 * The centre as the flow calls it: the in-process `MedicalInsuranceCentre` is one (its methods are
 * synchronous); an adapter over the HTTP face could be another. Refusals are `CentreError`s.
 */
export interface CentrePort {
  personInfo: Method<'personInfo'>;
  registerOutpatient: Method<'registerOutpatient'>;
  uploadOutpatientFees: Method<'uploadOutpatientFees'>;
  preSettleOutpatient: Method<'preSettleOutpatient'>;
  settleOutpatient: Method<'settleOutpatient'>;
  cancelOutpatient: Method<'cancelOutpatient'>;
  admit: Method<'admit'>;
  uploadInpatientFees: Method<'uploadInpatientFees'>;
  preSettleInpatient: Method<'preSettleInpatient'>;
  settleInpatient: Method<'settleInpatient'>;
  cancelInpatient: Method<'cancelInpatient'>;
  reverse: Method<'reverse'>;
}

/** A step the cashier may be shown (progress on a terminal). */
export interface SettlementProgress {
  step: 'recover' | 'card' | 'person' | 'register' | 'fees' | 'presettle' | 'settle' | 'bank' | 'card-debit' | 'reversal' | 'cancel' | 'done';
  en: string;
  zh: string;
}

/** Hooks: progress for a terminal, journal points for tests (a test may pause the process there and kill it). */
export interface SettlementHooks {
  /** After every journal write: an `intent` is written before its external step, `done`/`failed` after. */
  journalWritten?(point: JournalPoint): void | Promise<void>;
  progress?(step: SettlementProgress): void;
}

export interface HospitalSettlementDeps {
  centre: CentrePort;
  issuer: IssuerPort;
  journal: SettlementJournal;
  /** The terminal's PBOC/qPBOC configuration (docs/terminal-config.md): merchant, limits, CA keys. */
  terminal: TerminalConfig;
  clock: Clock;
  random: RandomSource;
  log?: Logger;
  /** The card's life (default: `noCardStatusChecks`). */
  cardStatus?: CardStatusPort;
  /** The terminal's blacklist of card identifiers (the social-security kernel's card check). */
  blacklist?: Blacklist;
  /** Offline mode: the policy and catalogue the terminal computes the split with (default: the bundled ones). */
  offlinePolicy?: { policies: PolicySet; catalogues: CatalogueSet };
  /** Whether the social-security PIN is required on the contact interface (default true). */
  requirePin?: boolean;
  hooks?: SettlementHooks;
}

/** The card presented at the window, and what the cardholder enters. */
export interface PresentedCard {
  /** The reader with the cardholder's card (connected or not: the flow connects the interface it needs). */
  reader: CardReader;
  /** The terminal's PSAM (card check, DF04 EF06, the offline debit). */
  psam?: PsamPort;
  /** The social-security PIN (VERIFY on the SSSE application; DF04 offline). */
  pin?: string;
  /** The PIN pad of the bank part (PBOC offline / online PIN); default: `pin` once. */
  bankPinPad?: PinPad;
}

export interface SettlementRequest extends PresentedCard {
  bill: Bill;
  /** Read the card and pay the cash part contactless (qPBOC; contact when the amount is above the contactless limit). */
  contactless?: boolean;
  /** Offline: the card's own medical debit, the split computed at the terminal. */
  offline?: boolean;
}

/** Options of `recover`. */
export interface RecoverOptions {
  /** The card now presented (an offline visit whose card debit is unknown needs its card to decide). */
  card?: PresentedCard;
}

/**
 * The settlement flow of one terminal. Build it once with its hosts and journal; every call runs
 * `recover` first.
 */
export interface HospitalSettlementFlow {
  /** Settles one bill with the presented card. Never throws for a refusal: see `SettlementResult`. */
  settle(request: SettlementRequest): Promise<SettlementResult>;
  /** Cancels a completed online settlement (2208 / 2305 and the bank's reversal), by setl_id or visit ID. */
  cancel(id: string): Promise<CancelResult>;
  /** Completes or reverses every visit an interruption left unfinished (idempotent). */
  recover(options?: RecoverOptions): Promise<RecoveryReport[]>;
  /** The receipt of a completed visit (by visit ID or setl_id). */
  receipt(id: string): SettlementReceipt | undefined;
}
