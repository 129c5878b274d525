/**
 * The PKI application as a card-OS `Application` attached to the PKI DF (`DfImage.application` = "pki"):
 * adapts the runtime's context to `PkiPort` (pki-app.ts has the commands; docs/pki.md).
 */
import { concat, constantTimeEqual, fromHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW, triesLeft } from '../../../apdu/status-words.js';
import { createBlockCipher } from '../../../crypto/block-cipher.js';
import { sm2Sign } from '../../../crypto/sm2/index.js';
import { CardError } from '../../runtime/card-error.js';
import type { CardContext } from '../../runtime/context.js';
import type { Application } from '../../runtime/types.js';
import { PKI_APP_ID, PKI_PIN_ID, PKI_PIN_REFERENCE, pkiPinKey, processPki, type PkiPort, type PkiState } from './pki-app.js';

export * from './pki-app.js';

function portOf(ctx: CardContext): PkiPort {
  return {
    pinVerified: () => ctx.isPinVerified(PKI_PIN_ID),
    loadState: () => ({ ...ctx.appState<PkiState>(PKI_APP_ID) }),
    saveState: (s) => ctx.setAppState(PKI_APP_ID, s),
    // SM2 over SM3(Z_A ‖ message), default ID 1234567812345678 (GM/T 0009)
    sign: (privateKey, message) => sm2Sign(fromHex(privateKey), message, { random: ctx.random }),
  };
}

/**
 * Enciphered user-PIN verification of the vendor COS (DOMAIN.md §1.5 [C]):
 * `00 20 01 81 10 ‖ SM4-ECB(K, challenge(8) ‖ 00×8)`, K = first 16 bytes of SM3(PIN as BCD), challenge =
 * the card's last GET CHALLENGE (8 bytes; consumed). Same counters and status words as a plain VERIFY:
 * 63Cx on a mismatch (committed), 6983 when blocked, 6985 without a challenge.
 */
function verifyEncipheredPin(cmd: CommandApdu, ctx: CardContext): ResponseApdu {
  if (cmd.p2 !== PKI_PIN_REFERENCE) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  if (cmd.nc !== 16) throw new CardError(SW.WRONG_LENGTH);
  const found = ctx.findPin((p) => p.id === PKI_PIN_ID);
  if (!found) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  const { scope } = found;
  if (found.pin.triesLeft <= 0) throw new CardError(SW.AUTH_METHOD_BLOCKED);
  const challenge = ctx.os.challenge;
  ctx.os.challenge = undefined;
  if (!challenge || challenge.length !== 8) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  // the try is charged and saved before the comparison (a PIN try is never free)
  ctx.editPin(found).triesLeft -= 1;
  ctx.checkpoint();
  const pin = ctx.editPin(found);
  const expected = createBlockCipher('SM4', pkiPinKey(pin.value.length % 2 ? `${pin.value}F` : pin.value)).encrypt(concat(challenge, new Uint8Array(8)));
  ctx.os.verifiedPins = ctx.os.verifiedPins.filter((g) => g.id !== pin.id);
  if (!constantTimeEqual(expected, cmd.data)) throw new CardError(triesLeft(pin.triesLeft), { keepChanges: true });
  pin.triesLeft = pin.maxTries;
  ctx.os.verifiedPins = [...ctx.os.verifiedPins, { id: pin.id, scope }];
  return ResponseApdu.status(SW.OK);
}

/** The PKI application: PSO COMPUTE DIGITAL SIGNATURE, the public-key read, the enciphered PIN verify. */
export const pkiApplication: Application = {
  id: PKI_APP_ID,
  process(cmd: CommandApdu, ctx: CardContext): ResponseApdu | undefined {
    if (cmd.cla === 0x00 && cmd.ins === 0x20 && cmd.p1 === 0x01) return verifyEncipheredPin(cmd, ctx);
    return processPki(cmd, portOf(ctx));
  },
};
