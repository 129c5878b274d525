/**
 * Assembles a kernel's {@link KernelResult} from the state of its run (EMV 4.3 Book 3 §10.11 "transaction
 * completion"; Book 4 §11.4 receipt data).
 */
import { toHex } from '../../apdu/bytes.js';
import type { KernelContext } from './context.js';
import { maskPan, numericValue } from './emv-values.js';
import type { KernelResult, Outcome, OutcomeReason } from './outcome.js';
import { cardPan } from './steps/online-processing.js';

export interface ResultExtras {
  approvedBy?: 'offline' | 'online';
  reason?: OutcomeReason;
  aid?: Uint8Array;
  label?: string;
  ecBalance?: number;
  clearing?: { accepted: boolean; reason: string };
}

/** The result of a run. */
export function buildResult(ctx: KernelContext, kernel: KernelResult['kernel'], outcome: Outcome, extras: ResultExtras = {}): KernelResult {
  ctx.syncTvr();
  const { pan, panSequence } = cardPan(ctx);
  const last = ctx.cryptograms[ctx.cryptograms.length - 1];
  const aid = extras.aid ? toHex(extras.aid) : undefined;
  const approvalCode = ctx.data.terminal('8A');
  const result: KernelResult = {
    kernel,
    interface: kernel === 'qpboc' ? 'contactless' : 'contact',
    transactionId: ctx.transactionId,
    outcome,
    ...(extras.approvedBy && outcome === 'APPROVED' ? { approvedBy: extras.approvedBy } : {}),
    ...(extras.reason && outcome !== 'APPROVED' ? { reason: extras.reason } : {}),
    amount: ctx.amount,
    otherAmount: ctx.otherAmount,
    currency: ctx.config.currencyCode,
    ...(aid ? { aid } : {}),
    ...(extras.label ? { label: extras.label } : {}),
    ...(pan ? { pan, panSequence } : {}),
    tvr: { hex: ctx.tvr.hex, bits: ctx.tvr.decode() },
    tsi: { hex: ctx.tsi.hex, bits: ctx.tsi.decode() },
    ...(last ? { cryptogramType: last.type, atc: last.atc } : {}),
    cryptograms: ctx.cryptograms,
    cvm: ctx.cvm,
    ...(ctx.data.terminal('9F34') ? { cvmResults: toHex(ctx.data.terminal('9F34')!) } : {}),
    ...(ctx.issuer ? { issuer: ctx.issuer } : {}),
    scripts: ctx.scripts,
    ...(extras.ecBalance !== undefined ? { ecBalance: extras.ecBalance } : {}),
    ...(extras.clearing ? { clearing: extras.clearing } : {}),
    receipt: {
      merchantName: ctx.config.merchantName,
      terminalId: ctx.config.terminalId,
      dateTime: ctx.now.toISOString(),
      ...(pan ? { maskedPan: maskPan(pan), panSequence } : {}),
      ...(aid ? { aid } : {}),
      ...(extras.label ? { label: extras.label } : {}),
      transactionType: 'purchase',
      amount: ctx.amount,
      currency: ctx.config.currencyCode,
      ...(last ? { atc: last.atc, cryptogramType: last.type, cryptogram: last.cryptogram } : {}),
      tvr: ctx.tvr.hex,
      tsi: ctx.tsi.hex,
      ...(approvalCode && ctx.issuer?.approved ? { authorisationCode: new TextDecoder().decode(approvalCode) } : {}),
      signatureRequired: ctx.signatureRequired && outcome === 'APPROVED',
      ...(extras.ecBalance !== undefined ? { ecBalance: extras.ecBalance } : {}),
    },
    trace: ctx.channel.trace,
    notes: ctx.notes,
  };
  return result;
}

/** An n12 amount of the card (9F5D, 9F79) in fen, undefined when absent or malformed. */
export function cardAmount(ctx: KernelContext, tag: string): number | undefined {
  const v = ctx.data.card(tag);
  return v && v.length === 6 ? numericValue(v) : undefined;
}
