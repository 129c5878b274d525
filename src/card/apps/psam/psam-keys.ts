/**
 * The PSAM's side of the SSSE key hierarchy (DOMAIN.md §1.4 [V]): from an issuer master key to the card
 * key, in three levels — province (derived from the city data), city, card — each one SSSE
 * diversification step of src/crypto/kdf.ts (3DES: E_K(D) ‖ E_K(¬D); SM4: E_K(D ‖ ¬D) [R]).
 */
import { fromHex } from '../../../apdu/bytes.js';
import { diversify } from '../../../crypto/kdf.js';
import { provinceDiversificationData } from '../../../spec/ssse/psam.js';
import type { KeyImage } from '../../runtime/types.js';

/**
 * The card key DK of a master key for one card.
 * @param cardData ATR historical bytes T6–TD (level 3)
 * @param cityData the region's 6 ASCII digits ‖ "sx" (level 2); level 1 is taken from its first two digits
 */
export function deriveCardKey(master: Pick<KeyImage, 'algorithm' | 'value'>, cardData: Uint8Array, cityData: Uint8Array): Uint8Array {
  let key = fromHex(master.value);
  for (const level of [provinceDiversificationData(cityData), cityData, cardData]) key = diversify(master.algorithm, key, level);
  return key;
}

/** Id of a master key in the PSAM's DF01 key file: `MK_UK_DF02`. */
export function masterKeyId(kind: string, df: string): string {
  return `MK_${kind}_${df}`;
}
