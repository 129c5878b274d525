/**
 * The financial application's command table (vsmartcard style: `CLA:INS` → handler) and its FCI.
 * Commands not in the table (SELECT, READ RECORD, GET RESPONSE) are the card OS's.
 */
import { fromHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import type { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import { BLOCKED_SELECT_SW, CARD_BLOCKED_SW } from './choices.js';
import { externalAuthenticate, generateAc } from './generate-ac.js';
import { getData } from './get-data.js';
import { getProcessingOptions } from './gpo.js';
import { internalAuthenticate } from './internal-auth.js';
import type { PbocPort } from './port.js';
import { SCRIPT_HANDLERS } from './scripts.js';
import type { PbocState } from './state.js';
import { constructed, tlv } from './tlv.js';
import { verifyPin } from './verify.js';

type Handler = (cmd: CommandApdu, port: PbocPort) => ResponseApdu;

/** Commands of the financial application by `CLA:INS` (hex, upper case). */
export const PBOC_HANDLERS: Record<string, Handler> = {
  '80:A8': getProcessingOptions,
  '80:AE': generateAc,
  '80:CA': getData,
  '00:20': verifyPin,
  '00:82': externalAuthenticate,
  '00:88': internalAuthenticate,
  ...SCRIPT_HANDLERS,
};

const key = (cmd: CommandApdu) =>
  `${cmd.cla.toString(16).padStart(2, '0')}:${cmd.ins.toString(16).padStart(2, '0')}`.toUpperCase();

/** Processes a command; undefined when the card OS should handle it. */
export function processPboc(cmd: CommandApdu, port: PbocPort): ResponseApdu | undefined {
  const handler = PBOC_HANDLERS[key(cmd)];
  if (!handler) return undefined;
  if (port.state.cardBlocked && !key(cmd).startsWith('80:CA')) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  return handler(cmd, port);
}

/**
 * The FCI answered on SELECT: `6F { 84 DF name, A5 { proprietary } }`. A blocked application answers its
 * FCI with 6283; after CARD BLOCK the application is not selectable (6A81) [R].
 */
export function pbocFci(state: PbocState | undefined, aid: string, proprietary: string): Uint8Array {
  const fci = constructed('6F', tlv('84', fromHex(aid)), tlv('A5', fromHex(proprietary)));
  if (state?.cardBlocked) throw new CardError(CARD_BLOCKED_SW);
  if (state?.blocked) throw new CardError(BLOCKED_SELECT_SW, { data: fci });
  return fci;
}
