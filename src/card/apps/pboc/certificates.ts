/**
 * Personalisation-side helpers for the PBOC SM2 offline-data-authentication objects. The layouts of the
 * issuer certificate 90, ICC certificate 9F46, SSAD 93 and SDAD 9F4B (DOMAIN.md §2 [C/R]) live in one
 * place, the crypto layer's `src/crypto/cert/pboc-cert.ts` (PBOC_SM2_LAYOUT); this module only adds the
 * TEST key derivations of the personaliser.
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import { sm3 } from '../../../crypto/sm3.js';
import { SM2_CURVE_PARAMS } from '../../../crypto/sm2/index.js';

export { buildIccCertificate, buildIssuerCertificate, buildSsad, pbocPublicKeyXY as publicKeyXY } from '../../../crypto/cert/pboc-cert.js';

const SM2_N = SM2_CURVE_PARAMS.n;

/**
 * A deterministic TEST key from a seed: d = SM3(seed) mod (n − 1) + 1 [R]. For the test CA and issuer
 * only (their private keys never enter the card image).
 */
export function testPrivateKey(seed: string): Uint8Array {
  const h = BigInt('0x' + toHex(sm3(new TextEncoder().encode(seed))));
  return fromHex(((h % (SM2_N - 1n)) + 1n).toString(16).padStart(64, '0'));
}

/** A private key from 32 random bytes (mod n − 1, + 1). */
export function privateKeyFromRandom(bytes: Uint8Array): Uint8Array {
  const v = BigInt('0x' + toHex(bytes));
  return fromHex(((v % (SM2_N - 1n)) + 1n).toString(16).padStart(64, '0'));
}
