/**
 * The layout of 卡的识别码 (card identifier, EF05 tag 01, 16 bytes; 《社会保障卡文件结构和数据项》, DOMAIN.md
 * §1.2): city code (3 bytes BCD, the 6-digit region code 区划) ‖ `D156000005` (the RID of the MOHRSS,
 * 5 bytes) ‖ card serial (4 bytes) ‖ authentication code (4 bytes).
 * Real values: `519900D15600000510000B26FFFFFFFF`, `320200D156000005AD932A48BDC3B9E9`.
 */
import { toHex } from '../../apdu/bytes.js';

/** The fixed middle of every card identifier: the RID D156000005 of the MOHRSS. */
export const CARD_IDENTIFIER_RID = 'D156000005';

/** A card identifier split into its parts (upper-case hex). */
export interface CardIdentifierParts {
  /** 区划: the 6-digit region code of the issuing city. */
  region: string;
  rid: string;
  serial: string;
  authCode: string;
}

/**
 * Splits the 16 bytes of a card identifier. Returns undefined when they are not one: wrong length, a
 * city code that is not 6 decimal digits, or a middle that is not the RID D156000005.
 */
export function splitCardIdentifier(bytes: Uint8Array): CardIdentifierParts | undefined {
  if (bytes.length !== 16) return undefined;
  const hex = toHex(bytes);
  const region = hex.slice(0, 6);
  const rid = hex.slice(6, 16);
  if (!/^\d{6}$/.test(region) || rid !== CARD_IDENTIFIER_RID) return undefined;
  return { region, rid, serial: hex.slice(16, 24), authCode: hex.slice(24, 32) };
}
