/**
 * The SSSE PIN (LD/T 32.5 VERIFY / CHANGE PIN / RELOAD PIN / PIN UNBLOCK; LD/T 33 iVerifyPIN,
 * iChangePIN, iReloadPIN, iUnblockPIN; DOMAIN.md §1.3, §1.4). Layouts: src/spec/ssse/pin-commands.ts.
 *
 * - verify and change need only the cardholder;
 * - reload (a new PIN, counter reset) and unblock (counter reset, optionally a new PIN) are the issuer's:
 *   their MAC is computed by the PSAM under the card's RPK / PUK, over the card's GET CHALLENGE.
 *
 * Outcomes: 63Cx is `wrong-pin` with the tries left, 6983 is `pin-blocked`; 9302 (MAC wrong) and the
 * card's other refusals are `refused` with the status word.
 */
import { concat } from '../../../../apdu/bytes.js';
import { CommandApdu } from '../../../../apdu/command-apdu.js';
import { SW } from '../../../../apdu/status-words.js';
import { describeSw } from '../../../../apdu/status-word-table.js';
import {
  changePinData,
  isValidPin,
  keyManagementMacInput,
  PIN_COMMANDS,
  PIN_MAC_LENGTH,
  pinBlock,
  RELOAD_PIN_MAC_CLA,
} from '../../../../spec/ssse/pin-commands.js';
import type { CardDiversification, PsamPort } from '../../../psam/psam-port.js';
import { diversificationOf, openPsam, psamBytes, psamCall, send, type KernelContext } from '../context.js';
import { isInterruption, unexpectedSw, type Interruption } from '../outcomes.js';
import { getChallenge } from './external-auth.js';

export type PinOutcome =
  | { outcome: 'verified' | 'changed' | 'reloaded' | 'unblocked' }
  /** The PIN given is wrong (63Cx): tries left before the PIN blocks. */
  | { outcome: 'wrong-pin'; triesLeft: number }
  /** The PIN is blocked (6983): only the issuer can unblock it (reload or unblock, with a PSAM). */
  | { outcome: 'pin-blocked' }
  /** The card refused the command (e.g. 9302 MAC wrong, 6A80 wrong data). */
  | { outcome: 'refused'; sw: number; detail: string }
  | Interruption;

export type PinStatusOutcome =
  | { outcome: 'pin-status'; verified: boolean; triesLeft?: number }
  | { outcome: 'pin-blocked' }
  | { outcome: 'unsupported'; detail: string }
  | Interruption;

function checkPin(pin: string, what: string): void {
  if (!isValidPin(pin)) throw new RangeError(`${what}: a PIN is 4 to 12 digits`);
}

/** The outcome of a PIN command's status word. */
function pinResult(step: string, cmd: CommandApdu, sw: number, success: 'verified' | 'changed' | 'reloaded' | 'unblocked'): PinOutcome {
  if (sw === SW.OK) return { outcome: success };
  if ((sw & 0xfff0) === 0x63c0) return { outcome: 'wrong-pin', triesLeft: sw & 0x0f };
  if (sw === SW.AUTH_METHOD_BLOCKED) return { outcome: 'pin-blocked' };
  if (sw === SW.MAC_WRONG || sw === SW.WRONG_DATA || sw === SW.CONDITIONS_NOT_SATISFIED || sw === SW.SECURITY_STATUS_NOT_SATISFIED) {
    return { outcome: 'refused', sw, detail: describeSw(sw) };
  }
  return unexpectedSw(step, cmd.encode(), sw);
}

const header = (h: readonly number[]) => ({ cla: h[0]!, ins: h[1]!, p1: h[2]!, p2: h[3]! });

/** VERIFY `00 20 00 00 Lc PIN` (DOMAIN.md §1.3). */
export async function verifyPin(ctx: KernelContext, pin: string): Promise<PinOutcome> {
  checkPin(pin, 'verifyPin');
  const cmd = CommandApdu.of({ ...header(PIN_COMMANDS.verify), data: pinBlock(pin) });
  const r = await send(ctx, 'VERIFY', cmd);
  if (isInterruption(r)) return r;
  return pinResult('VERIFY', cmd, r.sw, 'verified');
}

/**
 * The PIN's state without presenting it: VERIFY with no data (ISO/IEC 7816-4 §11.5.6) answers 9000
 * (verified in this session), 63Cx (x tries left) or 6983 (blocked). A card that does not support it
 * (6700, 6A86, 6D00…) is `unsupported`.
 */
export async function pinStatus(ctx: KernelContext): Promise<PinStatusOutcome> {
  const cmd = CommandApdu.of(header(PIN_COMMANDS.verify));
  const r = await send(ctx, 'VERIFY (status)', cmd);
  if (isInterruption(r)) return r;
  if (r.sw === SW.OK) return { outcome: 'pin-status', verified: true };
  if ((r.sw & 0xfff0) === 0x63c0) return { outcome: 'pin-status', verified: false, triesLeft: r.sw & 0x0f };
  if (r.sw === SW.AUTH_METHOD_BLOCKED) return { outcome: 'pin-blocked' };
  return { outcome: 'unsupported', detail: `the card does not report the PIN's tries (${describeSw(r.sw)})` };
}

/** CHANGE PIN `80 5E 01 00 Lc old ‖ FF ‖ new` (DOMAIN.md §1.3). */
export async function changePin(ctx: KernelContext, oldPin: string, newPin: string): Promise<PinOutcome> {
  checkPin(oldPin, 'changePin (old)');
  checkPin(newPin, 'changePin (new)');
  const cmd = CommandApdu.of({ ...header(PIN_COMMANDS.change), data: changePinData(oldPin, newPin) });
  const r = await send(ctx, 'CHANGE PIN', cmd);
  if (isInterruption(r)) return r;
  return pinResult('CHANGE PIN', cmd, r.sw, 'changed');
}

type KeyManagement = { outcome: 'ready'; port: PsamPort; card: CardDiversification } | Interruption;

/** What reload and unblock need: the PSAM and the card's diversification data. */
async function keyManagement(ctx: KernelContext): Promise<KeyManagement> {
  const psam = await openPsam(ctx);
  if (isInterruption(psam)) return psam;
  const card = diversificationOf(ctx);
  if (!card) return { outcome: 'psam-required', detail: 'the PIN reload/unblock needs the card check first (EF05 and the ATR historical bytes)' };
  return { outcome: 'ready', port: psam.port, card };
}

/**
 * RELOAD PIN `80 5E 00 00 Lc new PIN ‖ MAC` (DOMAIN.md §1.3 [C]): sets a new PIN and resets its counter;
 * the MAC (RPK of the SSSE DDF1, over the card's challenge) comes from the PSAM.
 */
export async function reloadPin(ctx: KernelContext, newPin: string): Promise<PinOutcome> {
  checkPin(newPin, 'reloadPin');
  const km = await keyManagement(ctx);
  if (km.outcome !== 'ready') return km;
  const challenge = await getChallenge(ctx);
  if (isInterruption(challenge)) return challenge;
  const block = pinBlock(newPin);
  const macInput = keyManagementMacInput([RELOAD_PIN_MAC_CLA, ...PIN_COMMANDS.reload.slice(1)], block);
  const mac = await psamCall(ctx, 'RELOAD PIN MAC', () => km.port.keyManagementMac(km.card, { df: 'SSSE', kind: 'RPK' }, challenge, macInput));
  if (isInterruption(mac)) return mac;
  const checked = psamBytes('RELOAD PIN MAC', mac, PIN_MAC_LENGTH);
  if (isInterruption(checked)) return checked;
  const cmd = CommandApdu.of({ ...header(PIN_COMMANDS.reload), data: concat(block, checked) });
  const r = await send(ctx, 'RELOAD PIN', cmd);
  if (isInterruption(r)) return r;
  return pinResult('RELOAD PIN', cmd, r.sw, 'reloaded');
}

/**
 * PIN UNBLOCK `84 24 00 00 04 MAC` (counter reset, PIN unchanged) or, with a new PIN,
 * `84 24 00 01 Lc E_PUK(LD ‖ PIN ‖ 80…) ‖ MAC` (DOMAIN.md §1.3); PUK of the SSSE DDF1, through the PSAM.
 */
export async function unblockPin(ctx: KernelContext, newPin?: string): Promise<PinOutcome> {
  if (newPin !== undefined) checkPin(newPin, 'unblockPin');
  const km = await keyManagement(ctx);
  if (km.outcome !== 'ready') return km;
  const challenge = await getChallenge(ctx);
  if (isInterruption(challenge)) return challenge;
  const key = { df: 'SSSE' as const, kind: 'PUK' as const };
  let data: Uint8Array = new Uint8Array(0);
  if (newPin !== undefined) {
    const enciphered = await psamCall(ctx, 'PIN UNBLOCK encipher', () => km.port.keyManagementEncipher(km.card, key, pinBlock(newPin)));
    if (isInterruption(enciphered)) return enciphered;
    if (!(enciphered instanceof Uint8Array) || enciphered.length === 0 || enciphered.length % 8 !== 0) {
      return { outcome: 'psam-error', operation: 'PIN UNBLOCK encipher', detail: 'the PSAM answered no whole cipher blocks' };
    }
    data = enciphered;
  }
  const h = newPin === undefined ? PIN_COMMANDS.unblock : PIN_COMMANDS.unblockAndSet;
  const mac = await psamCall(ctx, 'PIN UNBLOCK MAC', () => km.port.keyManagementMac(km.card, key, challenge, keyManagementMacInput(h, data)));
  if (isInterruption(mac)) return mac;
  const checked = psamBytes('PIN UNBLOCK MAC', mac, PIN_MAC_LENGTH);
  if (isInterruption(checked)) return checked;
  const cmd = CommandApdu.of({ ...header(h), data: concat(data, checked) });
  const r = await send(ctx, 'PIN UNBLOCK', cmd);
  if (isInterruption(r)) return r;
  return pinResult('PIN UNBLOCK', cmd, r.sw, 'unblocked');
}
