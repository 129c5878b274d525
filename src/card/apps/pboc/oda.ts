/**
 * Card side of dynamic data authentication with SM2 (DOMAIN.md §2 [C/R]): the signed dynamic application
 * data (SDAD, 9F4B) for DDA (INTERNAL AUTHENTICATE) and fDDA (qPBOC GPO).
 *
 * SDAD = `15 | LDD | ICC dynamic data | signature(64)`, signature = SM2/SM3 with Z_A (ID
 * 1234567812345678) by the ICC private key over `15 | LDD | ICC dynamic data | terminal dynamic data`
 * (DDA: the DDOL data; fDDA: 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69). ICC dynamic data = `04 | ICC dynamic number(4)`. [R]
 */
import { concat, fromHex } from '../../../apdu/bytes.js';
import { ICC_DYNAMIC_NUMBER_LENGTH } from './choices.js';
import { pbocCrypto } from './crypto.js';
import type { PbocState } from './state.js';
import type { RandomSource } from '../../../env.js';

/** Format byte of signed dynamic application data (EMV Book 2 §6.5). */
export const SDAD_FORMAT = 0x15;

/** Builds SDAD for `iccDynamicNumber` and the terminal's dynamic data. */
export function signDynamicData(state: PbocState, iccDynamicNumber: Uint8Array, terminalData: Uint8Array, random: RandomSource): Uint8Array {
  if (iccDynamicNumber.length !== ICC_DYNAMIC_NUMBER_LENGTH) throw new RangeError('iccDynamicNumber: wrong length');
  const iccDynamicData = concat(Uint8Array.of(iccDynamicNumber.length), iccDynamicNumber);
  const header = concat(Uint8Array.of(SDAD_FORMAT, iccDynamicData.length), iccDynamicData);
  const signature = pbocCrypto.sm2Sign(fromHex(state.keys.iccPrivate), concat(header, terminalData), random);
  return concat(header, signature);
}
