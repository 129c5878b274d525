/**
 * Clearing of an offline approval (EMV 4.3 Book 4 §12.2 "batch data capture"; IssuerPort.clearOffline):
 * the TC and its data go to the issuer, which verifies it and posts (electronic cash: its EC ledger).
 */
import type { KernelContext } from '../context.js';
import { cardPan, iccData, isBug } from './online-processing.js';

/** Submits an offline approval for clearing (IssuerPort.clearOffline); undefined when there is no host. */
export async function clearOffline(ctx: KernelContext, channel: 'contact' | 'contactless' = 'contact'): Promise<{ accepted: boolean; reason: string } | undefined> {
  const issuer = ctx.deps.issuer;
  const { pan, panSequence } = cardPan(ctx);
  if (!issuer || !pan) {
    ctx.note('offline approval not submitted for clearing: no issuer host');
    return undefined;
  }
  try {
    return await issuer.clearOffline({
      transactionId: ctx.transactionId,
      pan,
      panSequence,
      amount: ctx.amount,
      currency: ctx.config.currencyCode,
      channel,
      iccData: iccData(ctx),
    });
  } catch (err) {
    if (isBug(err)) throw err;
    ctx.note(`offline approval not accepted for clearing: ${(err as Error).message}`);
    return { accepted: false, reason: `not submitted: ${(err as Error).message}` };
  }
}
