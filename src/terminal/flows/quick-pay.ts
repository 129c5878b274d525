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
import { toHex } from '../../apdu/bytes.js';
import type { Clock, RandomSource } from '../../env.js';
import type { Logger } from '../../log.js';
import type { TerminalConfig } from '../config/terminal-config.js';
import { CardAccountError, readCardAccountData } from '../hosts/issuer/card-account.js';
import type { IssuerPort } from '../hosts/issuer/issuer-port.js';
import type { PinPad } from '../kernels/context.js';
import { maskPan } from '../kernels/emv-values.js';
import type { KernelResult } from '../kernels/outcome.js';
import { runPbocContact } from '../kernels/pboc-contact/kernel.js';
import { runQpboc } from '../kernels/qpboc/kernel.js';
import type { TornTransactionStore } from '../kernels/qpboc/torn-transaction.js';
import type { CardReader } from '../reader.js';
import { CARD_UNUSABLE_WORDS, noCardStatusChecks, type CardStatusPort, type CardUsability } from './card-status.js';

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

const OUTCOMES: Readonly<Record<KernelResult['outcome'], QuickPayResult['outcome']>> = {
  APPROVED: 'approved',
  DECLINED: 'declined',
  TRY_ANOTHER_INTERFACE: 'try-another-interface',
  TERMINATED: 'terminated',
};

async function ensureInterface(reader: CardReader, iface: 'contact' | 'contactless'): Promise<void> {
  if (reader.connected && reader.interface === iface) return;
  await reader.connect(iface);
}

function fromKernel(result: KernelResult): Pick<QuickPayResult, 'outcome' | 'approvedBy' | 'ecBalance' | 'clearing'> {
  return {
    outcome: OUTCOMES[result.outcome],
    ...(result.approvedBy ? { approvedBy: result.approvedBy } : {}),
    ...(result.ecBalance !== undefined ? { ecBalance: result.ecBalance } : {}),
    ...(result.clearing ? { clearing: result.clearing } : {}),
  };
}

/**
 * A contactless quick payment (see the module comment). A card that cannot be reached is a
 * `TransportError` (before the purchase); from the qPBOC GET PROCESSING OPTIONS on, the kernel reports a
 * card that left the field as `terminated` and keeps an interrupted EC purchase for recovery (`torn`).
 * @throws RangeError for an amount that is not a positive number of fen
 */
export async function quickPay(request: QuickPayRequest, deps: QuickPayDeps): Promise<QuickPayResult> {
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0) throw new RangeError(`quickPay: amount must be a positive number of fen, got ${request.amount}`);
  const { reader } = request;
  const notes: string[] = [];
  const status = deps.cardStatus ?? noCardStatusChecks;
  await ensureInterface(reader, 'contactless');

  let maskedPan: string | undefined;
  try {
    const account = await readCardAccountData(reader);
    maskedPan = maskPan(account.pan);
    const usable = await status.checkUsable({ pan: account.pan }, 'financial');
    if (!usable.usable) {
      const [en, zh] = CARD_UNUSABLE_WORDS[usable.reason];
      return { outcome: 'refused', maskedPan, refusal: usable, notes: [`金融应用${zh} the card's financial area is ${en}: ${usable.detail}`] };
    }
  } catch (err) {
    if (!(err instanceof CardAccountError)) throw err;
    // no debit application to name: the kernel's own selection says what the card is
    notes.push(`the card's PAN could not be read before the purchase: ${err.message}`);
  }

  const transactionId = request.transactionId ?? toHex(deps.random(8));
  const kernelDeps = {
    config: deps.terminal,
    issuer: deps.issuer,
    clock: deps.clock,
    random: deps.random,
    ...(deps.log ? { log: deps.log.child({ flow: 'quick-pay' }) } : {}),
    ...(deps.pinPad ? { pinPad: deps.pinPad } : {}),
  };
  const contactless = await runQpboc(reader.transport, { amount: request.amount, transactionId }, { ...kernelDeps, ...(deps.torn ? { torn: deps.torn } : {}) });
  const base = { ...(maskedPan ? { maskedPan } : {}), contactless, notes };
  if (contactless.outcome !== 'TRY_ANOTHER_INTERFACE' || !request.contactFallback) return { ...fromKernel(contactless), ...base };

  notes.push(`qPBOC: ${contactless.reason?.en ?? 'try another interface'} — the purchase by the contact interface`);
  await ensureInterface(reader, 'contact');
  const contact = await runPbocContact(reader.transport, { amount: request.amount, transactionId: `${transactionId}-C` }, kernelDeps);
  return { ...fromKernel(contact), ...base, contact };
}
