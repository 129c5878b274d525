/**
 * The card OS's command table: INS → handler with the CLA values it accepts (vsmartcard style).
 * Applications see every command first (`Application.process`); what they leave comes here.
 */
import { SW } from '../../apdu/status-words.js';
import { CardError } from './card-error.js';
import { appendRecord, readBinary, readRecord, updateBinary, updateRecord } from './commands/files.js';
import { applicationBlock, applicationUnblock, cardBlock } from './commands/lifecycle.js';
import { changeOrReloadPin, externalAuthenticate, getChallenge, internalAuthenticate, pinChangeUnblock, verify } from './commands/security.js';
import { select } from './commands/select.js';
import type { CommandEntry, Handler } from './commands/types.js';

export const COMMANDS: ReadonlyMap<number, CommandEntry> = new Map<number, CommandEntry>([
  [0xa4, { name: 'SELECT', classes: [0x00], handle: select }],
  [0xb0, { name: 'READ BINARY', classes: [0x00, 0x04], handle: readBinary }],
  [0xd6, { name: 'UPDATE BINARY', classes: [0x00, 0x04], handle: updateBinary }],
  [0xb2, { name: 'READ RECORD', classes: [0x00, 0x04], handle: readRecord }],
  [0xdc, { name: 'UPDATE RECORD', classes: [0x00, 0x04], handle: updateRecord }],
  [0xe2, { name: 'APPEND RECORD', classes: [0x00, 0x04], handle: appendRecord }],
  [0x84, { name: 'GET CHALLENGE', classes: [0x00], handle: getChallenge }],
  [0x20, { name: 'VERIFY', classes: [0x00], handle: verify }],
  [0x5e, { name: 'CHANGE/RELOAD PIN', classes: [0x80], handle: changeOrReloadPin }],
  [0x24, { name: 'PIN CHANGE/UNBLOCK', classes: [0x84], handle: pinChangeUnblock }],
  [0x88, { name: 'INTERNAL AUTHENTICATE', classes: [0x00], handle: internalAuthenticate }],
  [0x82, { name: 'EXTERNAL AUTHENTICATE', classes: [0x00], handle: externalAuthenticate }],
  [0x1e, { name: 'APPLICATION BLOCK', classes: [0x84], handle: applicationBlock }],
  [0x18, { name: 'APPLICATION UNBLOCK', classes: [0x84], handle: applicationUnblock }],
  [0x16, { name: 'CARD BLOCK', classes: [0x84], handle: cardBlock }],
]);

/** Class bytes of the card OS (ISO 00, ISO with SM 04, proprietary 80, proprietary with SM 84); others 6E00. */
const KNOWN_CLASSES = new Set([0x00, 0x04, 0x80, 0x84]);

/** Commands a blocked DF still accepts. */
const ALLOWED_WHEN_BLOCKED = new Set([0xa4, 0x84, 0x18]);

/** Finds the handler of a command, or throws the status word that says why there is none. */
export function lookup(cla: number, ins: number, dfBlocked: boolean): Handler {
  if (!KNOWN_CLASSES.has(cla)) throw new CardError(SW.CLA_NOT_SUPPORTED);
  const entry = COMMANDS.get(ins);
  if (!entry) throw new CardError(SW.INS_NOT_SUPPORTED);
  if (!entry.classes.includes(cla)) throw new CardError(SW.CLA_NOT_SUPPORTED);
  if (dfBlocked && !ALLOWED_WHEN_BLOCKED.has(ins)) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  return entry.handle;
}
