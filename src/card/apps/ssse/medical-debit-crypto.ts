/**
 * The cryptography of the offline medical debit (DOMAIN.md §1.4), on the crypto layer's purse helpers
 * (src/crypto/purse.ts; the TAC-key choice is `medicalDebitTacKey` in src/crypto/choices.ts). Inputs
 * come from src/spec/ssse/medical-debit.ts; the card and the PSAM both call these.
 */
import { medicalDebitMac, medicalDebitSessionKey, medicalDebitTac } from '../../../crypto/purse.js';
import type { KeyAlgorithm } from '../../runtime/types.js';

/** SK = E_DPK(random(4) ‖ sequence(2) ‖ terminalSeq[2..4]); zero-padded to the block for SM4. */
export function debitSessionKey(alg: KeyAlgorithm, dpk: Uint8Array, random4: Uint8Array, sequence2: Uint8Array, terminalSequence4: Uint8Array): Uint8Array {
  return medicalDebitSessionKey(alg, dpk, random4, sequence2, terminalSequence4);
}

/** MAC1/MAC2: the SSSE MAC (zero IV, method-2 padding) under the session key, header excluded. */
export function debitMac(alg: KeyAlgorithm, sk: Uint8Array, data: Uint8Array): Uint8Array {
  return medicalDebitMac(alg, sk, data);
}

/** [R] TAC: the SSSE MAC under the TAC key from DTK (choices.ts `medicalDebitTacKey`). */
export function debitTac(alg: KeyAlgorithm, dtk: Uint8Array, data: Uint8Array): Uint8Array {
  return medicalDebitTac(alg, dtk, data);
}
