/**
 * The cryptography of the offline medical debit (DOMAIN.md §1.4), on the crypto layer's primitives.
 * Inputs come from medical-debit-layout.ts; the card and the PSAM both call these.
 */
import { xor } from '../../../apdu/bytes.js';
import { ssseSessionKey } from '../../../crypto/kdf.js';
import { ssseMac } from '../../../crypto/mac.js';
import type { KeyAlgorithm } from '../../runtime/types.js';

/** SK = E_DPK(random ‖ sequence ‖ terminalSeq[2..4]); for 16-byte ciphers the 8 bytes are zero-padded. */
export function debitSessionKey(alg: KeyAlgorithm, dpk: Uint8Array, input8: Uint8Array): Uint8Array {
  return ssseSessionKey(alg, dpk, input8);
}

/** MAC1/MAC2: the SSSE MAC (zero IV, method-2 padding) under the session key, header excluded. */
export function debitMac(alg: KeyAlgorithm, sk: Uint8Array, data: Uint8Array): Uint8Array {
  return ssseMac(alg, sk, data);
}

/** [R] TAC: the SSSE MAC under DTK (SM4) or under left⊕right of DTK (DES/3DES), zero IV. */
export function debitTac(alg: KeyAlgorithm, dtk: Uint8Array, data: Uint8Array): Uint8Array {
  if (alg === 'SM4') return ssseMac(alg, dtk, data);
  const key = dtk.length === 16 ? xor(dtk.subarray(0, 8), dtk.subarray(8, 16)) : dtk;
  return ssseMac('DES', key, data);
}
