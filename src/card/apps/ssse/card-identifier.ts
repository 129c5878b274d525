/**
 * 卡的识别码 (card identifier, EF05 tag 01, cn 16; DOMAIN.md §1.2):
 * city code (3 bytes BCD) ‖ `D156000005` (5) ‖ card serial (4) ‖ authentication code (4).
 * Real values: `519900D15600000510000B26FFFFFFFF`, `320200D156000005AD932A48BDC3B9E9`.
 *
 * [R] How the authentication code is derived is not public. sscard uses the first 4 bytes of
 * SM3(city code ‖ D156000005 ‖ serial) (docs/ssse.md); an issuer may also write FFFFFFFF (first trace),
 * which the holder data can ask for.
 */
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';
import { sm3 } from '../../../crypto/sm3.js';
import { CARD_IDENTIFIER_RID } from '../../../spec/ssse/card-identifier.js';

export { CARD_IDENTIFIER_RID };

/** [R] Authentication code: first 4 bytes of SM3 over the first 12 bytes of the identifier. */
export function cardIdentifierAuthCode(first12: Uint8Array): Uint8Array {
  if (first12.length !== 12) throw new RangeError(`cardIdentifierAuthCode: first12 must be 12 bytes, got ${first12.length}`);
  return sm3(first12).slice(0, 4);
}

/**
 * Builds the 16-byte card identifier as upper-case hex.
 * @param cityCode 6-digit region code
 * @param serial 4-byte card serial
 * @param authCode 4 bytes; default: `cardIdentifierAuthCode`
 */
export function buildCardIdentifier(cityCode: string, serial: Uint8Array, authCode?: Uint8Array): string {
  if (!/^\d{6}$/.test(cityCode)) throw new RangeError(`buildCardIdentifier: cityCode must be 6 digits, got ${JSON.stringify(cityCode)}`);
  if (serial.length !== 4) throw new RangeError(`buildCardIdentifier: serial must be 4 bytes, got ${serial.length}`);
  if (authCode && authCode.length !== 4) throw new RangeError(`buildCardIdentifier: authCode must be 4 bytes, got ${authCode.length}`);
  const first12 = concat(fromHex(cityCode), fromHex(CARD_IDENTIFIER_RID), serial);
  return toHex(concat(first12, authCode ?? cardIdentifierAuthCode(first12)));
}

export interface CardIdentifierParts {
  cityCode: string;
  rid: string;
  serial: string;
  authCode: string;
}

/** Splits a card identifier (32 hex digits) into its parts. */
export function parseCardIdentifier(hex: string): CardIdentifierParts {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) throw new RangeError(`parseCardIdentifier: expected 32 hex digits, got ${JSON.stringify(hex)}`);
  const h = hex.toUpperCase();
  return { cityCode: h.slice(0, 6), rid: h.slice(6, 16), serial: h.slice(16, 24), authCode: h.slice(24, 32) };
}

/**
 * 初始化机构编号 (EF05 tag 04, cn 12; DOMAIN.md §1.2): `9156000002` ‖ issuing region (3 bytes BCD, the
 * 6-digit region code) ‖ initializing-body region (3 bytes) ‖ sequence (1 byte BCD).
 * Example `91 56 00 00 02 11 00 00 11 01 00 02` = 9156000002 ‖ 110000 ‖ 110100 ‖ 02.
 */
export function buildInitializingBody(issuingRegion: string, initializingRegion: string, sequence: number): string {
  for (const [name, v] of [['issuingRegion', issuingRegion], ['initializingRegion', initializingRegion]] as const) {
    if (!/^\d{6}$/.test(v)) throw new RangeError(`buildInitializingBody: ${name} must be 6 digits, got ${JSON.stringify(v)}`);
  }
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 99) throw new RangeError(`buildInitializingBody: sequence must be 0..99, got ${sequence}`);
  return `9156000002${issuingRegion}${initializingRegion}${String(sequence).padStart(2, '0')}`;
}
