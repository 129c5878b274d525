/**
 * Payment system directories (EMV Book 1 §12.2; DOMAIN.md §2 [C]):
 * - PSE `1PAY.SYS.DDF01` (contact): FCI `6F { 84 name, A5 { 88 SFI of the directory EF } }`, the
 *   application entries `61 { 4F AID, 50 label, 87 priority }` in records of that EF (read by the OS);
 * - PPSE `2PAY.SYS.DDF01` (contactless): FCI `6F { 84 name, A5 { BF0C { 61 {…} … } } }`.
 * Both are built at personalisation (pboc/personalize.ts) as the DF's `fciProprietary`; this application
 * answers them and refuses selection after a CARD BLOCK of the payment applications (6A81) [R].
 */
import { fromHex } from '../../../apdu/bytes.js';
import { CardError } from '../../runtime/card-error.js';
import { CARD_BLOCKED_SW } from '../pboc/choices.js';
import type { PbocState } from '../pboc/state.js';
import { constructed, tlv } from '../pboc/tlv.js';

/** The FCI of a payment directory DF. */
export function directoryFci(pboc: PbocState | undefined, name: string, proprietary: string): Uint8Array {
  if (pboc?.cardBlocked) throw new CardError(CARD_BLOCKED_SW);
  return constructed('6F', tlv('84', fromHex(name)), tlv('A5', fromHex(proprietary)));
}
