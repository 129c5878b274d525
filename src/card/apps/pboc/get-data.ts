/**
 * GET DATA `80 CA P1 P2 00`, P1P2 = tag (EMV Book 3 §6.5.7; DOMAIN.md §2). Answers `tag | len | value`.
 * Keys are never data objects: only the table below answers.
 */
import { fromHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import { LOAD_LOG_FORMAT, TRANSACTION_LOG_FORMAT } from './choices.js';
import { atcBytes } from './cryptogram.js';
import { toN12 } from './amounts.js';
import type { PbocPort } from './port.js';
import type { PbocState } from './state.js';
import { tlv } from './tlv.js';

/** GET DATA objects by tag. */
export const GET_DATA_OBJECTS: Record<string, (s: PbocState) => Uint8Array> = {
  '9F36': (s) => atcBytes(s.atc),
  '9F13': (s) => atcBytes(s.lastOnlineAtc),
  '9F17': (s) => Uint8Array.of(s.pin.triesLeft),
  '9F79': (s) => toN12(s.ec.balance),
  '9F77': (s) => toN12(s.ec.balanceLimit),
  '9F78': (s) => toN12(s.ec.singleLimit),
  '9F6D': (s) => toN12(s.ec.resetThreshold),
  '9F51': (s) => fromHex(s.ec.currency),
  '9F4F': () => fromHex(TRANSACTION_LOG_FORMAT),
  DF4F: () => fromHex(LOAD_LOG_FORMAT),
};

/** Handles GET DATA. */
export function getData(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  const tag = ((cmd.p1 << 8) | cmd.p2).toString(16).toUpperCase().padStart(4, '0');
  const key = tag.startsWith('00') ? tag.slice(2) : tag;
  const build = GET_DATA_OBJECTS[key];
  if (!build) throw new CardError(SW.REFERENCED_DATA_NOT_FOUND);
  return ResponseApdu.of(tlv(key, build(port.state)), SW.OK);
}
