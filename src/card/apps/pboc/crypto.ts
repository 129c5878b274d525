/**
 * The cryptography the financial application uses, behind one adapter over the shared crypto layer
 * (src/crypto/kdf.ts, mac.ts, block-cipher.ts, sm2/): UDK and session-key derivation, application
 * cryptogram, ARPC, MAC, ECB encipherment, SM2 public keys (DOMAIN.md §2 [C/R];
 * src/crypto/choices.ts holds the symmetric [R] blocks).
 */
import { createBlockCipher } from '../../../crypto/block-cipher.js';
import { pbocApplicationCryptogram, pbocArpc, pbocSessionKey, pbocUdk } from '../../../crypto/kdf.js';
import { pbocMac } from '../../../crypto/mac.js';
import { sm2PublicKeyFromPrivate } from '../../../crypto/sm2/index.js';
import type { PbocAlgorithm } from './state.js';

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
};
