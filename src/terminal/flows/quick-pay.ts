/**
 * Contactless quick payment (小额快速支付; DOMAIN.md §5 "contactless reading and small-amount quick
 * payment"; JR/T 0025.12 qPBOC): a pharmacy or canteen purchase with the card in the field.
 *
 * 1. The card's financial area must be usable (CardStatusPort, by the card's PAN read without a
 *    transaction — the issuer host's card reader, no ATC moved).
 * 2. The qPBOC kernel decides with the card: an offline electronic-cash approval under the terminal's
 *    limits (the card's EC balance is debited; the TC is then cleared at the issuer, whose EC ledger
 *    follows), an online approval through the issuer otherwise, and "try another interface" at or above
 *    the contactless transaction limit — then, when asked (`contactFallback`), the same purchase by the
 *    contact kernel (online ARQC).
 *
 * The flow composes the kernels and the issuer host; it sends no APDU of its own.
 */
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import type { TerminalConfig } from '../config/terminal-config.js';
import type { IssuerPort } from '../hosts/issuer/issuer-port.js';
import type { PinPad } from '../kernels/context.js';
import type { KernelResult } from '../kernels/outcome.js';
import type { TornTransactionStore } from '../kernels/qpboc/torn-transaction.js';
import type { CardReader } from '../reader.js';
import type { CardStatusPort, CardUsability } from './card-status.js';

export interface QuickPayDeps {
  issuer: IssuerPort;
  terminal: TerminalConfig;
  clock: Clock;
  random: RandomSource;
  log?: Logger;
  /** The card's life (default: `noCardStatusChecks`). */
  cardStatus?: CardStatusPort;
  /** Where an EC purchase interrupted by the card leaving the field is kept (docs/pboc-kernels.md). */
  torn?: TornTransactionStore;
  /** The PIN pad (online PIN above the CVM limit; offline PIN on the contact fallback). */
  pinPad?: PinPad;
}

export interface QuickPayRequest {
  /** The reader with the card (the flow connects it contactless, and contact for the fallback). */
  reader: CardReader;
  /** Amount, fen. */
  amount: number;
  /** The terminal's transaction ID (default: from the random source). */
  transactionId?: string;
  /** On "try another interface", run the purchase by the contact kernel (the cardholder inserts the card). */
  contactFallback?: boolean;
}

/** The result of a quick payment. */
export interface QuickPayResult {
  /**
   * approved (offline EC or online); declined; try-another-interface (and no fallback asked);
   * terminated (a card error, the card left the field); refused (the card's life: not activated, lost…,
   * before any transaction).
   */
  outcome: 'approved' | 'declined' | 'try-another-interface' | 'terminated' | 'refused';
  approvedBy?: 'offline' | 'online';
  /** The PAN as read (masked), when the card gave one. */
  maskedPan?: string;
  /** Refused by the card-management port. */
  refusal?: Extract<CardUsability, { usable: false }>;
  /** The kernel's result: the qPBOC one, and the contact one after a fallback. */
  contactless?: KernelResult;
  contact?: KernelResult;
  /** The card's EC balance after (9F79 / 9F5D) when the kernel reported it. */
  ecBalance?: number;
  /** The clearing of an offline approval at the issuer. */
  clearing?: { accepted: boolean; reason: string };
  notes: string[];
}
