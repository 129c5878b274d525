/**
 * SSSE / PBOC secure-messaging encipherment (DOMAIN.md §1.4 "Encryption: LD ‖ data ‖ 80 00…, ECB" [V]).
 * The padding rule for a `LD ‖ data` that already fills its last block is [R] — see
 * `SM_ENCIPHER_PADS_FULL_BLOCK` in choices.ts and docs/crypto-symmetric.md.
 */
import type { BlockCipher } from './block-cipher.js';
import { SM_ENCIPHER_PADS_FULL_BLOCK } from './choices.js';

/**
 * Enciphers `data` (at most 255 bytes) as ECB over `LD ‖ data ‖ 80 00…`, LD = data length (1 byte).
 * @throws RangeError when `data` is longer than 255 bytes
 */
export function smEncipher(cipher: BlockCipher, data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('data: must be a Uint8Array');
  if (data.length > 255) throw new RangeError(`data: at most 255 bytes can be enciphered, got ${data.length}`);
  const bs = cipher.blockSize;
  const used = data.length + 1;
  const full = used % bs === 0;
  const length = full && !SM_ENCIPHER_PADS_FULL_BLOCK ? used : (Math.floor(used / bs) + 1) * bs;
  const block = new Uint8Array(length);
  block[0] = data.length;
  block.set(data, 1);
  if (length > used) block[used] = 0x80;
  return cipher.encrypt(block);
}

/** Why an enciphered field cannot be deciphered, or the data (`decodeSmCryptogram`). */
export type SmDecipherResult = { ok: true; data: Uint8Array } | { ok: false; reason: string };

/**
 * Deciphers what `smEncipher` produced, strictly: a field that is empty or not a whole number of blocks,
 * an LD that does not fit, or wrong padding is reported (`ok: false`) — the card answers it with a status
 * word; anything else thrown is a bug.
 */
export function decodeSmCryptogram(cipher: BlockCipher, enciphered: Uint8Array): SmDecipherResult {
  if (!(enciphered instanceof Uint8Array)) throw new TypeError('enciphered: must be a Uint8Array');
  if (enciphered.length === 0) return { ok: false, reason: 'enciphered: empty' };
  if (enciphered.length % cipher.blockSize !== 0) {
    return { ok: false, reason: `enciphered: length ${enciphered.length} is not a multiple of ${cipher.blockSize}` };
  }
  const plain = cipher.decrypt(enciphered);
  const ld = plain[0]!;
  const used = ld + 1;
  if (used > plain.length) return { ok: false, reason: `enciphered: LD ${ld} exceeds the ${plain.length - 1} bytes present` };
  const rest = plain.subarray(used);
  const padOk =
    rest.length === 0
      ? !SM_ENCIPHER_PADS_FULL_BLOCK
      : rest.length <= cipher.blockSize && rest[0] === 0x80 && rest.subarray(1).every((b) => b === 0);
  if (!padOk) return { ok: false, reason: 'enciphered: bad padding after LD ‖ data' };
  return { ok: true, data: plain.slice(1, used) };
}

/**
 * Deciphers what `smEncipher` produced and returns the data (the LD bytes after the length byte).
 * @throws RangeError when the length is not a whole number of blocks, LD does not fit, or the padding is wrong
 */
export function smDecipher(cipher: BlockCipher, enciphered: Uint8Array): Uint8Array {
  const result = decodeSmCryptogram(cipher, enciphered);
  if (!result.ok) throw new RangeError(result.reason);
  return result.data;
}
