/**
 * The PIN commands of the SSSE application (LD/T 32.5; DOMAIN.md §1.3) as byte layouts both halves
 * agree on. The key-management MACs (RELOAD PIN, PIN UNBLOCK) are the card OS's [R] choices, written
 * down here for the terminal (docs/card-os.md, docs/ssse-reader.md "PIN"):
 *
 * | command             | APDU                      | data | MAC |
 * |---------------------|---------------------------|------|-----|
 * | VERIFY              | 00 20 00 00 Lc            | PIN (BCD, F-padded) | – |
 * | VERIFY (tries left) | 00 20 00 00               | – (ISO/IEC 7816-4 §11.5.6) → 9000 / 63Cx / 6983 | – |
 * | CHANGE PIN          | 80 5E 01 00 Lc            | old PIN ‖ FF ‖ new PIN | – |
 * | RELOAD PIN          | 80 5E 00 00 Lc            | new PIN ‖ MAC | RPK, over `84 5E 00 00 Lc ‖ new PIN` [R] |
 * | PIN UNBLOCK         | 84 24 00 00 04            | MAC | PUK, over `84 24 00 00 04` |
 * | PIN UNBLOCK + set   | 84 24 00 01 Lc            | E_PUK(LD ‖ PIN ‖ 80…) ‖ MAC | PUK, over header ‖ enciphered PIN |
 *
 * MAC = the SSSE MAC (ISO 9797-1 method-2 padding, CBC) under the STATIC card key with IV = the card's
 * last GET CHALLENGE padded with 00 to the block (DOMAIN.md §1.4 "key-management commands"); Lc counts
 * the 4 MAC bytes. The keys are those of the SSSE DDF1 (the MF): RPK_SSSE, PUK_SSSE.
 */
import { concat, fromHex } from '../../apdu/bytes.js';

/** CLA/INS/P1/P2 of the PIN commands. */
export const PIN_COMMANDS = {
  verify: [0x00, 0x20, 0x00, 0x00],
  change: [0x80, 0x5e, 0x01, 0x00],
  reload: [0x80, 0x5e, 0x00, 0x00],
  unblock: [0x84, 0x24, 0x00, 0x00],
  unblockAndSet: [0x84, 0x24, 0x00, 0x01],
} as const;

/** CLA over which the RELOAD PIN MAC is computed (the command itself is sent with CLA 80) [R]. */
export const RELOAD_PIN_MAC_CLA = 0x84;

/** Length of the MAC of the PIN commands. */
export const PIN_MAC_LENGTH = 4;

/** Whether a PIN is acceptable to the SSSE application: 4 to 12 decimal digits (the card's limit for a new PIN). */
export function isValidPin(pin: string): boolean {
  return /^\d{4,12}$/.test(pin);
}

/** The PIN as BCD, padded with F to whole bytes ("PIN, BCD, 2-8 bytes", DOMAIN.md §1.3). */
export function pinBlock(pin: string): Uint8Array {
  if (!/^\d{4,16}$/.test(pin)) throw new RangeError(`pinBlock: a PIN is 4 to 16 digits, got ${pin.length} characters`);
  return fromHex(pin.length % 2 ? `${pin}F` : pin);
}

/** CHANGE PIN data: old PIN ‖ FF ‖ new PIN. */
export function changePinData(oldPin: string, newPin: string): Uint8Array {
  return concat(pinBlock(oldPin), Uint8Array.of(0xff), pinBlock(newPin));
}

/** The MAC input of a key-management command: CLA ‖ INS ‖ P1 ‖ P2 ‖ Lc (counting the MAC) ‖ data. */
export function keyManagementMacInput(header: readonly number[], data: Uint8Array): Uint8Array {
  if (header.length !== 4) throw new RangeError(`keyManagementMacInput: header must be 4 bytes, got ${header.length}`);
  const lc = data.length + PIN_MAC_LENGTH;
  if (lc > 255) throw new RangeError(`keyManagementMacInput: ${data.length} data bytes do not fit a short APDU with a MAC`);
  return concat(Uint8Array.from(header), Uint8Array.of(lc), data);
}
