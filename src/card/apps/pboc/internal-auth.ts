/**
 * INTERNAL AUTHENTICATE for DDA `00 88 00 00 Lc DDOL-data 00` (EMV Book 3 §6.5.9): answers format 1
 * `80 | SDAD` signed with the ICC SM2 key (oda.ts).
 */
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import { DDOL, ICC_DYNAMIC_NUMBER_LENGTH } from './choices.js';
import { signDynamicData } from './oda.js';
import type { PbocPort } from './port.js';
import { dolLength, parseDol, tlv } from './tlv.js';

const DDOL_LENGTH = dolLength(parseDol(DDOL));

/** Handles INTERNAL AUTHENTICATE (DDA). */
export function internalAuthenticate(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  if (cmd.p1 !== 0x00 || cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc !== DDOL_LENGTH) throw new CardError(SW.WRONG_LENGTH);
  const sdad = signDynamicData(port.state, port.random(ICC_DYNAMIC_NUMBER_LENGTH), cmd.data, port.random);
  return ResponseApdu.of(tlv('80', sdad), SW.OK);
}
