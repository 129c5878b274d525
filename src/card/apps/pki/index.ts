/**
 * The PKI application as a card-OS `Application` attached to the PKI DF (`DfImage.application` = "pki"):
 * adapts the runtime's context to `PkiPort` (pki-app.ts has the commands; docs/pki.md).
 */
import { fromHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import type { ResponseApdu } from '../../../apdu/response-apdu.js';
import { sm2Sign } from '../../../crypto/sm2/index.js';
import type { Application } from '../../runtime/types.js';
import { pinVerified, saveAppState, type ContextLike } from '../ssse/context.js';
import { PKI_APP_ID, PKI_PIN_ID, processPki, type PkiPort, type PkiState } from './pki-app.js';

export * from './pki-app.js';

function portOf(ctx: ContextLike): PkiPort {
  return {
    pinVerified: () => pinVerified(ctx, PKI_PIN_ID),
    loadState: () => ({ ...ctx.appState<PkiState>(PKI_APP_ID) }),
    saveState: (s) => saveAppState(ctx, PKI_APP_ID, s),
    // SM2 over SM3(Z_A ‖ message), default ID 1234567812345678 (GM/T 0009)
    sign: (privateKey, message) => sm2Sign(fromHex(privateKey), message, { random: ctx.random }),
  };
}

/** The PKI application: PSO COMPUTE DIGITAL SIGNATURE and the public-key read. */
export const pkiApplication: Application = {
  id: PKI_APP_ID,
  process(cmd: CommandApdu, ctx: unknown): ResponseApdu | undefined {
    return processPki(cmd, portOf(ctx as ContextLike));
  },
};
