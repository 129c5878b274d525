/**
 * The cash part of a settlement, charged to the same card's bank account by a PBOC transaction
 * (DOMAIN.md §4 "cash = the rest, charged through a PBOC debit (ARQC) on the same card's bank
 * application"; docs/pboc-kernels.md):
 *
 * - contact: the PBOC contact kernel, merchant forced online (TVR byte 4 b4), so that the issuer
 *   authorises an ARQC and can reverse the transaction if the medical part must be undone;
 * - contactless (the terminal reads the card in the field): the qPBOC kernel, online cryptogram
 *   required — never an offline electronic-cash approval, which the issuer could not reverse — and
 *   when the kernel says "try another interface" (the amount at or above the contactless limit, or the
 *   card asks), the contact kernel on the same card.
 *
 * [R] Both choices (forced online, no EC) keep every bank part reversible by its transaction ID; they
 * live here only. Each attempt has its own deterministic transaction ID, written to the journal before
 * the kernel runs (`beforeAttempt`), so that a crash in the middle is reversed by recovery.
 */
import type { Clock, RandomSource } from '../../../env.js';
import type { Logger } from '../../../log.js';
import type { TerminalConfig } from '../../config/terminal-config.js';
import type { IssuerPort } from '../../hosts/issuer/issuer-port.js';
import type { PinPad } from '../../kernels/context.js';
import type { KernelResult } from '../../kernels/outcome.js';
import { runPbocContact } from '../../kernels/pboc-contact/kernel.js';
import { runQpboc } from '../../kernels/qpboc/kernel.js';
import type { CardReader } from '../../reader.js';
import type { BankPart } from './types.js';

export interface BankCharge {
  reader: CardReader;
  /** The cash part, fen (> 0). */
  amount: number;
  contactless: boolean;
  /** The transaction ID of attempt n (1: the first kernel run, 2: the contact fallback). */
  transactionId(attempt: number): string;
  /** Called before each kernel run with its transaction ID (write-ahead). */
  beforeAttempt(transactionId: string, kernel: 'pboc-contact' | 'qpboc'): Promise<void>;
  deps: { config: TerminalConfig; issuer: IssuerPort; pinPad?: PinPad; clock: Clock; random: RandomSource; log?: Logger };
}

/** The bank part of a kernel result. */
export function bankPartOf(result: KernelResult, notes: string[] = []): BankPart {
  const last = result.cryptograms[result.cryptograms.length - 1];
  const status: BankPart['status'] = result.outcome === 'APPROVED' ? 'approved' : result.outcome === 'DECLINED' ? 'declined' : 'failed';
  return {
    status,
    amount: result.amount,
    transactionId: result.transactionId,
    kernel: result.kernel,
    interface: result.interface,
    outcome: result.outcome,
    ...(result.approvedBy ? { approvedBy: result.approvedBy } : {}),
    ...(result.reason ? { reason: { code: result.reason.code, en: result.reason.en, zh: result.reason.zh, ...(result.reason.detail ? { detail: result.reason.detail } : {}) } } : {}),
    ...(result.receipt.maskedPan ? { maskedPan: result.receipt.maskedPan } : {}),
    ...(result.panSequence ? { panSequence: result.panSequence } : {}),
    ...(result.atc !== undefined ? { atc: result.atc } : {}),
    ...(result.cryptogramType ? { cryptogramType: result.cryptogramType } : {}),
    ...(last ? { cryptogram: last.cryptogram } : {}),
    tvr: result.tvr.hex,
    tsi: result.tsi.hex,
    cvm: result.cvm,
    ...(result.issuer ? { responseCode: result.issuer.responseCode, issuerReason: result.issuer.reason } : {}),
    ...(result.receipt.authorisationCode ? { authorisationCode: result.receipt.authorisationCode } : {}),
    ...(result.issuer?.balance !== undefined ? { accountBalance: result.issuer.balance } : {}),
    notes: [...notes, ...result.notes],
  };
}

async function ensureInterface(reader: CardReader, iface: 'contact' | 'contactless'): Promise<void> {
  if (reader.connected && reader.interface === iface) return;
  await reader.connect(iface);
}

/**
 * Runs the bank part. Resolves with the part and the kernel results; a `TransportError` (the card or the
 * reader went away) is thrown as the kernels throw it — the caller reverses what the journal holds.
 */
export async function chargeBank(charge: BankCharge): Promise<{ part: BankPart; results: KernelResult[] }> {
  const { reader, amount, deps } = charge;
  const kernelDeps = { config: deps.config, issuer: deps.issuer, clock: deps.clock, random: deps.random, ...(deps.pinPad ? { pinPad: deps.pinPad } : {}), ...(deps.log ? { log: deps.log } : {}) };
  const results: KernelResult[] = [];
  const notes: string[] = [];
  let attempt = 1;
  if (charge.contactless) {
    await ensureInterface(reader, 'contactless');
    const id = charge.transactionId(attempt++);
    await charge.beforeAttempt(id, 'qpboc');
    const quick = await runQpboc(reader.transport, { amount, transactionId: id, forceOnline: true }, kernelDeps);
    results.push(quick);
    if (quick.outcome !== 'TRY_ANOTHER_INTERFACE') return { part: bankPartOf(quick), results };
    notes.push(`qPBOC: ${quick.reason?.en ?? 'try another interface'} — the cash part by the contact interface`);
  }
  await ensureInterface(reader, 'contact');
  const id = charge.transactionId(attempt);
  await charge.beforeAttempt(id, 'pboc-contact');
  const contact = await runPbocContact(reader.transport, { amount, transactionId: id, forceOnline: true }, kernelDeps);
  results.push(contact);
  return { part: bankPartOf(contact, notes), results };
}
