/**
 * Completion (EMV 4.3 Book 3 §10.11): the second GENERATE AC with the CDOL2 data (8A authorisation
 * response code, TVR, unpredictable number, and 91 when issuer authentication travels in it), asking for
 * a TC when the issuer approved and an AAC when it declined; after a failed attempt to go online, the
 * default action codes decide (TC with ARC "Y3", AAC with ARC "Z3"; Book 4 §6.3.6).
 */
import { ascii } from '../../../apdu/bytes.js';
import type { CryptogramType } from '../../../spec/pboc.js';
import type { KernelContext } from '../context.js';
import type { CryptogramRecord } from '../outcome.js';
import { generateAc } from './generate-ac.js';
import { actionMatches } from './terminal-action-analysis.js';

/** Authorisation response codes the terminal itself sets (Book 4 Annex A6). */
export const TERMINAL_ARC = { unableOnlineApproved: 'Y3', unableOnlineDeclined: 'Z3' } as const;

/** After "unable to go online": the cryptogram the default action codes ask for, with the ARC to send. */
export function defaultAction(ctx: KernelContext): CryptogramType {
  const decline = actionMatches(ctx, 'default');
  ctx.data.setTerminal('8A', ascii(decline ? TERMINAL_ARC.unableOnlineDeclined : TERMINAL_ARC.unableOnlineApproved));
  return decline ? 'AAC' : 'TC';
}

/** Book 3 §10.11: the second GENERATE AC. */
export async function completion(ctx: KernelContext, requested: CryptogramType): Promise<CryptogramRecord> {
  return generateAc(ctx, 2, requested);
}
