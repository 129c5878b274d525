/**
 * Cryptography of the SSSE offline medical debit (DOMAIN.md §1.4 "Offline medical debit"), shared by the
 * card and the PSAM/terminal. The byte layouts of the MAC inputs belong to the caller (the card's
 * medical-debit layout); this module gives the keys and the MAC computations.
 */
import { concat } from '../apdu/bytes.js';
import type { BlockAlgorithm } from './block-cipher.js';
import { medicalDebitTacKey } from './choices.js';
import { ssseSessionKey } from './kdf.js';
import { ssseMac } from './mac.js';

function checkBytes(value: unknown, what: string, length: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what}: must be a Uint8Array`);
  if (value.length !== length) throw new RangeError(`${what}: must be ${length} bytes, got ${value.length}`);
}

/**
 * The 8-byte session-key input: card random(4) ‖ card sequence(2) ‖ rightmost 2 bytes of the terminal
 * sequence(4) (DOMAIN.md §1.4 [V]).
 */
export function medicalDebitSessionInput(random4: Uint8Array, sequence2: Uint8Array, terminalSequence4: Uint8Array): Uint8Array {
  checkBytes(random4, 'random4', 4);
  checkBytes(sequence2, 'sequence2', 2);
  checkBytes(terminalSequence4, 'terminalSequence4', 4);
  return concat(random4, sequence2, terminalSequence4.subarray(2, 4));
}

/**
 * Medical-debit session key SK = E_DPK(random ‖ sequence ‖ terminalSequence[2..4]) (DOMAIN.md §1.4 [V]);
 * for SM4 the 8 bytes are zero-padded to 16. DES/3DES give an 8-byte single-DES key.
 */
export function medicalDebitSessionKey(
  algorithm: BlockAlgorithm,
  dpk: Uint8Array,
  random4: Uint8Array,
  sequence2: Uint8Array,
  terminalSequence4: Uint8Array,
): Uint8Array {
  return ssseSessionKey(algorithm, dpk, medicalDebitSessionInput(random4, sequence2, terminalSequence4));
}

/**
 * MAC1 (terminal → card) and MAC2 (card → terminal): the SSSE MAC under the session key, zero IV,
 * method-2 padding, 4 bytes (DOMAIN.md §1.4 [V]). `data` is the MAC input the caller lays out
 * (MAC1: amounts ‖ type ‖ terminal ID ‖ time).
 */
export function medicalDebitMac(algorithm: BlockAlgorithm, sessionKey: Uint8Array, data: Uint8Array): Uint8Array {
  return ssseMac(algorithm, sessionKey, data);
}

/**
 * TAC, 4 bytes: the SSSE MAC under the TAC key derived from DTK (`medicalDebitTacKey` in choices.ts [R]:
 * SM4 DTK itself; DES/3DES single DES under DTK_left ⊕ DTK_right), zero IV.
 */
export function medicalDebitTac(algorithm: BlockAlgorithm, dtk: Uint8Array, data: Uint8Array): Uint8Array {
  return ssseMac(algorithm, medicalDebitTacKey(algorithm, dtk), data);
}
