/**
 * VERIFY, offline plaintext PIN `00 20 00 80 08 | 2L PPPP…FF` (EMV Book 3 §6.5.12; DOMAIN.md §2).
 * The try counter is the application's own (9F17, also read by GET DATA), separate from the SSSE PIN.
 * Wrong PIN → 63Cx (the decrement is committed); no tries left → 6983.
 */
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW, triesLeft } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import type { PbocPort } from './port.js';

/** Decodes an ISO 9564 format 2 PIN block (`2L PP…PF…F`, 8 bytes); undefined when malformed. */
export function decodePinBlock(block: Uint8Array): string | undefined {
  if (block.length !== 8 || block[0]! >> 4 !== 0x2) return undefined;
  const n = block[0]! & 0x0f;
  if (n < 4 || n > 12) return undefined;
  let digits = '';
  for (let i = 0; i < 14; i++) {
    const byte = block[1 + (i >> 1)]!;
    const nib = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
    if (i < n) {
      if (nib > 9) return undefined;
      digits += String(nib);
    } else if (nib !== 0x0f) return undefined;
  }
  return digits;
}

/** Encodes a PIN as an ISO 9564 format 2 block. */
export function encodePinBlock(pin: string): Uint8Array {
  if (!/^[0-9]{4,12}$/.test(pin)) throw new RangeError('pin: 4 to 12 digits');
  const nibbles = (pin + 'F'.repeat(14 - pin.length)).split('').map((c) => parseInt(c, 16));
  const out = new Uint8Array(8);
  out[0] = 0x20 | pin.length;
  for (let i = 0; i < 7; i++) out[1 + i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!;
  return out;
}

/** Handles VERIFY (P2 = 80 plaintext PIN). */
export function verifyPin(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  if (cmd.p1 !== 0x00 || cmd.p2 !== 0x80) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc !== 8) throw new CardError(SW.WRONG_LENGTH);
  if (port.state.pin.triesLeft === 0) throw new CardError(SW.AUTH_METHOD_BLOCKED);
  const offered = decodePinBlock(cmd.data);
  if (offered === undefined) throw new CardError(SW.WRONG_DATA);
  // the try is charged and saved before the comparison (a PIN try is never free)
  port.edit().pin.triesLeft -= 1;
  port.checkpoint();
  const pin = port.edit().pin;
  if (offered === pin.value) {
    pin.triesLeft = pin.maxTries;
    port.session.pinVerified = true;
    return ResponseApdu.status(SW.OK);
  }
  port.session.pinFailed = true;
  throw new CardError(pin.triesLeft === 0 ? SW.AUTH_METHOD_BLOCKED : triesLeft(pin.triesLeft), { keepChanges: true });
}
