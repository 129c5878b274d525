/**
 * Card action analysis (EMV 4.3 Book 3 §10.8): the first GENERATE AC with the CDOL1 data, asking for the
 * cryptogram terminal action analysis decided; the card answers that or a lower one after its own risk
 * management. TSI: card risk management performed.
 */
import type { CryptogramType } from '../../../spec/pboc.js';
import type { KernelContext } from '../context.js';
import type { CryptogramRecord } from '../outcome.js';
import { generateAc } from './generate-ac.js';

/** Book 3 §10.8. */
export async function cardActionAnalysis(ctx: KernelContext, requested: CryptogramType): Promise<CryptogramRecord> {
  const record = await generateAc(ctx, 1, requested);
  ctx.tsi.set('cardRiskManagementPerformed');
  return record;
}
