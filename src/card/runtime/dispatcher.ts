/**
 * The card OS's command table: INS → handler with the CLA values it accepts (vsmartcard style), and the
 * gates every command passes before any application or handler sees it (`gate`): the card's life cycle,
 * the class byte, the life cycle of the current DF and the DFs above it (ISO/IEC 7816-4 §5.1.1 class
 * byte, §5.1.3 and §7.4.10 life cycle status; LD/T 32.5 APPLICATION BLOCK / UNBLOCK / CARD BLOCK).
 * Then the applications of the current DF chain see the command (`Application.process`); what they
 * leave comes to this table.
 */
import { SW } from '../../apdu/status-words.js';
import { CardError } from './card-error.js';
import { appendRecord, readBinary, readRecord, updateBinary, updateRecord } from './commands/files.js';
import { applicationBlock, applicationUnblock, cardBlock } from './commands/lifecycle.js';
import { changeOrReloadPin, externalAuthenticate, getChallenge, internalAuthenticate, pinChangeUnblock, verify } from './commands/security.js';
import { select } from './commands/select.js';
import type { CommandEntry, Handler } from './commands/types.js';
import type { CardImage, DfImage } from './types.js';

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

/** Class bytes of the card OS (ISO 00, ISO with SM 04, proprietary 80, proprietary with SM 84). */
export const OS_CLASSES: readonly number[] = [0x00, 0x04, 0x80, 0x84];

/**
 * Commands a blocked or terminated DF still accepts (LD/T 32.5: the application can be selected and
 * unblocked; the unblock needs a challenge): SELECT (00 A4), GET CHALLENGE (00 84), APPLICATION UNBLOCK
 * (84 18), keyed by CLA ‖ INS. GET RESPONSE
 * (T=0) is answered by the transport layer of the runtime before the gates.
 */
const ALLOWED_WHEN_BLOCKED: ReadonlySet<number> = new Set([0x00a4, 0x0084, 0x8418]);

/**
 * INS of the PIN commands (VERIFY of every application, CHANGE/RELOAD PIN, PIN CHANGE/UNBLOCK): while
 * the image cannot be saved, they are refused before anything is compared or counted.
 */
export const PIN_COMMANDS: ReadonlySet<number> = new Set([0x20, 0x24, 0x5e]);

/** Whether a DF chain (MF first) holds a DF that is blocked or terminated. */
export function chainBlocked(chain: readonly DfImage[]): boolean {
  return chain.some((df) => df.lifeCycle === 'blocked' || df.lifeCycle === 'terminated');
}

/**
 * The gates of the card OS, in order, before any routing (docs/card-os.md "Gates"):
 * 1. card life cycle: after CARD BLOCK every command answers 6A81 (function not supported);
 * 2. class byte: one the card knows (the OS's and those its applications declare), else 6E00;
 * 3. DF life cycle: in a blocked or terminated DF (or below one) only SELECT, GET CHALLENGE and
 *    APPLICATION UNBLOCK run; anything else answers 6985 (conditions of use not satisfied).
 * @throws CardError with the status word of the first gate that refuses
 */
export function gate(image: CardImage, chain: readonly DfImage[], cla: number, ins: number, classes: ReadonlySet<number>): void {
  if (image.cardLifeCycle === 'blocked') throw new CardError(SW.FUNCTION_NOT_SUPPORTED);
  if (!classes.has(cla)) throw new CardError(SW.CLA_NOT_SUPPORTED);
  if (!ALLOWED_WHEN_BLOCKED.has((cla << 8) | ins) && chainBlocked(chain)) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
}

/** Finds the OS handler of a command, or throws the status word that says why there is none. */
export function lookup(cla: number, ins: number): Handler {
  if (!OS_CLASSES.includes(cla)) throw new CardError(SW.CLA_NOT_SUPPORTED);
  const entry = COMMANDS.get(ins);
  if (!entry) throw new CardError(SW.INS_NOT_SUPPORTED);
  if (!entry.classes.includes(cla)) throw new CardError(SW.CLA_NOT_SUPPORTED);
  return entry.handle;
}
