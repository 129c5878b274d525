/**
 * APPLICATION BLOCK (84 1E 00 P2), APPLICATION UNBLOCK (84 18 00 00), CARD BLOCK (84 16 00 00)
 * (DOMAIN.md §1.3), each authenticated by a key-management MAC (static key, IV = the last challenge).
 * The key is the DF's maintenance key, else its external-authentication key of reference 04 (UK) [R].
 * A blocked DF is still selected but answers 6283; its commands answer 6985 until unblocked. After
 * CARD BLOCK every command answers 6A81.
 */
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { verifyStaticMac } from '../../security/secure-messaging.js';
import { CardError } from '../card-error.js';
import type { CardContext } from '../context.js';
import type { DfImage, KeyImage } from '../types.js';
import type { Handler } from './types.js';

/** Reference of the external-authentication key that doubles as the maintenance key [R]. */
export const MAINTENANCE_FALLBACK_REFERENCE = 0x04;

function maintenanceKey(ctx: CardContext): KeyImage {
  const found =
    ctx.findKey((k) => k.usage === 'maintenance') ??
    ctx.findKey((k) => k.usage === 'external-auth' && k.reference === MAINTENANCE_FALLBACK_REFERENCE);
  if (!found) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  return found.key;
}

function authenticate(ctx: CardContext, cmd: Parameters<Handler>[0]): void {
  const plain = verifyStaticMac(cmd, maintenanceKey(ctx), ctx.os.challenge);
  ctx.os.challenge = undefined;
  if (plain.length !== 0) throw new CardError(SW.WRONG_LENGTH);
}

export const applicationBlock: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0 || cmd.p2 > 1) throw new CardError(SW.INCORRECT_P1P2);
  authenticate(ctx, cmd);
  ctx.editNode<DfImage>(ctx.currentDfPath).lifeCycle = cmd.p2 === 1 ? 'terminated' : 'blocked';
  return ResponseApdu.status(SW.OK);
};

export const applicationUnblock: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0 || cmd.p2 !== 0) throw new CardError(SW.INCORRECT_P1P2);
  if (ctx.currentDf.lifeCycle === 'terminated') throw new CardError(SW.APPLICATION_LOCKED);
  authenticate(ctx, cmd);
  ctx.editNode<DfImage>(ctx.currentDfPath).lifeCycle = 'active';
  return ResponseApdu.status(SW.OK);
};

export const cardBlock: Handler = (cmd, ctx) => {
  if (cmd.p1 !== 0 || cmd.p2 !== 0) throw new CardError(SW.INCORRECT_P1P2);
  authenticate(ctx, cmd);
  ctx.editImage().cardLifeCycle = 'blocked';
  return ResponseApdu.status(SW.OK);
};
