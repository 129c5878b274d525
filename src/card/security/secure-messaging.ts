/**
 * Secure messaging of the card OS (DOMAIN.md §1.4): a command with CLA b3 set (04, 84) carries a 4-byte
 * MAC as the last bytes of its data. The MAC is over CLA ‖ INS ‖ P1 ‖ P2 ‖ Lc (counting the MAC) ‖ data,
 * ISO 9797-1 method-2 padding, CBC with a zero IV under the session key SK = E_K(challenge).
 * Key-management commands (PIN reload/unblock, application/card block) use the static key and
 * IV = the challenge padded with 00 to the block size. [R] which key MACs which command: docs/card-os.md.
 */
import { concat, constantTimeEqual } from '../../apdu/bytes.js';
import type { CommandApdu } from '../../apdu/command-apdu.js';
import { SW } from '../../apdu/status-words.js';
import { blockSizeOf } from '../../crypto/block-cipher.js';
import { ssseSessionKey } from '../../crypto/kdf.js';
import { ssseMac } from '../../crypto/mac.js';
import { CardError } from '../runtime/card-error.js';
import type { KeyImage } from '../runtime/types.js';
import { fromHex } from '../../apdu/bytes.js';

/** Whether the CLA announces secure messaging (b3 of an ISO/proprietary class byte). */
export function hasSecureMessaging(cla: number): boolean {
  return (cla & 0x0c) !== 0;
}

/** Splits the data of an SM command into its plain part and the MAC (6700 when too short). */
export function splitMac(cmd: CommandApdu): { plain: Uint8Array; mac: Uint8Array } {
  const data = cmd.data;
  if (data.length < 4) throw new CardError(SW.WRONG_LENGTH);
  return { plain: data.subarray(0, data.length - 4), mac: data.subarray(data.length - 4) };
}

function macInput(cmd: CommandApdu, plain: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(cmd.cla, cmd.ins, cmd.p1, cmd.p2, plain.length + 4), plain);
}

/**
 * The random of the session key SK = E_K(R) (DOMAIN.md §1.4): the challenge, at most one block of the
 * key's cipher — a 16-byte challenge (GET CHALLENGE Le 10) under a DES/3DES key uses its first 8 bytes,
 * as EXTERNAL AUTHENTICATE compares the first 8 bytes and the key-management IV takes the first block [R].
 */
export function sessionKeyRandom(key: KeyImage, challenge: Uint8Array): Uint8Array {
  return challenge.subarray(0, blockSizeOf(key.algorithm));
}

/**
 * Verifies a session-key MAC with one of the candidate keys; returns the key that matched.
 * @throws CardError 6988 when no challenge is pending or no key matches
 */
export function verifySessionMac(
  cmd: CommandApdu,
  candidates: KeyImage[],
  challenge: Uint8Array | undefined,
): { plain: Uint8Array; key: KeyImage; sessionKey: Uint8Array } {
  const { plain, mac } = splitMac(cmd);
  if (!challenge) throw new CardError(SW.SM_DATA_WRONG);
  const input = macInput(cmd, plain);
  for (const key of candidates) {
    const sk = ssseSessionKey(key.algorithm, fromHex(key.value), sessionKeyRandom(key, challenge));
    if (constantTimeEqual(ssseMac(key.algorithm, sk, input), mac)) return { plain, key, sessionKey: sk };
  }
  throw new CardError(SW.SM_DATA_WRONG);
}

/**
 * Verifies a key-management MAC (static key, IV = challenge padded to the block size).
 * @throws CardError 9302 (MAC wrong) or 6985 when no challenge is pending
 */
export function verifyStaticMac(cmd: CommandApdu, key: KeyImage, challenge: Uint8Array | undefined): Uint8Array {
  const { plain, mac } = splitMac(cmd);
  if (!challenge) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const bs = blockSizeOf(key.algorithm);
  const iv = new Uint8Array(bs);
  iv.set(challenge.subarray(0, bs));
  if (!constantTimeEqual(ssseMac(key.algorithm, fromHex(key.value), macInput(cmd, plain), iv), mac)) throw new CardError(SW.MAC_WRONG);
  return plain;
}
