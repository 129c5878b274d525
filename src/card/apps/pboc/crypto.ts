/**
 * The cryptography the financial application uses, behind one adapter over the shared crypto layer
 * (src/crypto/kdf.ts, mac.ts, block-cipher.ts, sm2/): UDK and session-key derivation, application
 * cryptogram, ARPC, MAC, ECB encipherment, SM2 signatures with the ODA user ID (DOMAIN.md §2 [C/R];
 * src/crypto/choices.ts holds the symmetric [R] blocks).
 */
import type { RandomSource } from '../../../env.js';
import { createBlockCipher } from '../../../crypto/block-cipher.js';
import { pbocApplicationCryptogram, pbocArpc, pbocSessionKey, pbocUdk } from '../../../crypto/kdf.js';
import { pbocMac } from '../../../crypto/mac.js';
import { sm2PublicKeyFromPrivate, sm2Sign, sm2Verify } from '../../../crypto/sm2/index.js';
import { SM2_ODA_USER_ID } from './choices.js';
import type { PbocAlgorithm } from './state.js';

const ODA_ID = new TextEncoder().encode(SM2_ODA_USER_ID);

export const pbocCrypto = {
  /** UDK from an issuer master key (kdf.ts `pbocUdk`). */
  udk: (alg: PbocAlgorithm, imk: Uint8Array, pan: string, psn: string): Uint8Array => pbocUdk(alg, imk, pan, psn),
  /** Session key from the ATC (kdf.ts `pbocSessionKey`). */
  sessionKey: (alg: PbocAlgorithm, udk: Uint8Array, atc: number): Uint8Array => pbocSessionKey(alg, udk, atc),
  /** AC = PBOC MAC (8 bytes) over the cryptogram input. */
  applicationCryptogram: (alg: PbocAlgorithm, sk: Uint8Array, data: Uint8Array): Uint8Array => pbocApplicationCryptogram(alg, sk, data),
  /** ARPC method 1 (kdf.ts `pbocArpc`). */
  arpc: (alg: PbocAlgorithm, sk: Uint8Array, arqc: Uint8Array, arc: Uint8Array): Uint8Array => pbocArpc(alg, sk, arqc, arc),
  /** PBOC MAC, 8 bytes (callers keep the leftmost 4 for scripts and the EC IDD). */
  mac(alg: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    return pbocMac(alg, key, data);
  },
  encrypt(alg: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    return createBlockCipher(alg, key).encrypt(data);
  },
  decrypt(alg: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    return createBlockCipher(alg, key).decrypt(data);
  },
  /** SM2 public key 04 ‖ X ‖ Y of a private key. */
  sm2PublicKey(privateKey: Uint8Array): Uint8Array {
    return sm2PublicKeyFromPrivate(privateKey);
  },
  /** SM2 signature r ‖ s over SM3(Z_A ‖ message), ID 1234567812345678. */
  sm2Sign(privateKey: Uint8Array, message: Uint8Array, random: RandomSource): Uint8Array {
    return sm2Sign(privateKey, message, { id: ODA_ID, random });
  },
  sm2Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    return sm2Verify(publicKey, message, signature, { id: ODA_ID });
  },
};
