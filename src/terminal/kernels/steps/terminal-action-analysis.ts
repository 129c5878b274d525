/**
 * Terminal action analysis (EMV 4.3 Book 3 §10.7): for Denial, Online and Default in turn, the TVR
 * against `TAC | IAC`; an absent IAC-Denial counts as 00×5, absent IAC-Online and IAC-Default as FF×5.
 * Denial matches → AAC; else an online-capable terminal asks for an ARQC when Online matches, a TC
 * otherwise; an offline-only terminal declines when Default matches. The Default codes also decide after
 * a failed attempt to go online (§10.7, "unable to go online").
 */
import { fromHex } from '../../../apdu/bytes.js';
import type { CryptogramType } from '../../../spec/pboc.js';
import type { KernelContext } from '../context.js';

export type ActionCode = 'denial' | 'online' | 'default';

/** The issuer action code tag of each kind and its value when the card has none. */
const IAC: Record<ActionCode, { tag: string; absent: number }> = {
  denial: { tag: '9F0E', absent: 0x00 },
  online: { tag: '9F0F', absent: 0xff },
  default: { tag: '9F0D', absent: 0xff },
};

/** Whether `(TAC | IAC) & TVR ≠ 0` for one kind of action code. */
export function actionMatches(ctx: KernelContext, kind: ActionCode): boolean {
  const tac = fromHex(ctx.config.tac[kind]);
  const iac = ctx.data.card(IAC[kind].tag);
  const tvr = ctx.tvr.bytes;
  return tvr.some((b, i) => (b & (tac[i]! | (iac && iac.length === 5 ? iac[i]! : IAC[kind].absent))) !== 0);
}

/** The cryptogram the terminal asks for in the first GENERATE AC. */
export function terminalActionAnalysis(ctx: KernelContext): CryptogramType {
  if (actionMatches(ctx, 'denial')) return 'AAC';
  if (ctx.config.onlineCapable) return actionMatches(ctx, 'online') ? 'ARQC' : 'TC';
  return actionMatches(ctx, 'default') ? 'AAC' : 'TC';
}

/** The TVR bits that made an action code match (for the reason of a decline). */
export function matchingBits(ctx: KernelContext, kind: ActionCode): string[] {
  const tac = fromHex(ctx.config.tac[kind]);
  const iac = ctx.data.card(IAC[kind].tag);
  return ctx.tvr
    .decode()
    .filter((bit) => ((tac[bit.byte - 1]! | (iac && iac.length === 5 ? iac[bit.byte - 1]! : IAC[kind].absent)) & bit.mask) !== 0)
    .map((bit) => bit.en);
}
