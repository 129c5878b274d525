/**
 * Card side of dynamic data authentication with SM2 (DOMAIN.md §2 [C/R]): the signed dynamic application
 * data (SDAD, 9F4B) for DDA (INTERNAL AUTHENTICATE) and fDDA (qPBOC GPO), in the layout of
 * `src/crypto/cert/pboc-cert.ts`: `15 | LDD | len ‖ ICC dynamic number | signature` over
 * `15 | LDD | ICC dynamic data | terminal dynamic data` (DDA: the DDOL data; fDDA: 9F37 ‖ 9F02 ‖ 5F2A ‖
 * 9F69). The ICC dynamic number is 4 fresh random bytes (choices.ts) [R].
 */
import { fromHex } from '../../../apdu/bytes.js';
import type { RandomSource } from '../../../env.js';
import { buildSdad } from '../../../crypto/cert/pboc-cert.js';
import type { PbocState } from './state.js';

/** Builds SDAD for `iccDynamicNumber` and the terminal's dynamic data, signed with the ICC key. */
export function signDynamicData(state: PbocState, iccDynamicNumber: Uint8Array, terminalData: Uint8Array, random: RandomSource): Uint8Array {
  return buildSdad({ iccPrivateKey: fromHex(state.keys.iccPrivate), iccDynamicNumber, terminalData, random });
}
