/**
 * SM3 hash (GM/T 0004-2012), on Node's native OpenSSL implementation (DOMAIN.md §6.1).
 * Known answers: DOMAIN.md §6, checked in `test/crypto/sm3.vectors.test.ts`.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';

/** Length of an SM3 digest in bytes. */
export const SM3_DIGEST_LENGTH = 32;

/**
 * SM3 digest (32 bytes) of `data`.
 * @throws TypeError when `data` is not a Uint8Array
 */
export function sm3(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('data: must be a Uint8Array');
  const out = oneShotHash('sm3', data, 'buffer');
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** SM3 over the concatenation of `parts`, without concatenating them first (e.g. `Z_A ‖ M`). */
export function sm3Parts(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sm3');
  for (const [i, p] of parts.entries()) {
    if (!(p instanceof Uint8Array)) throw new TypeError(`parts[${i}]: must be a Uint8Array`);
    h.update(p);
  }
  const out = h.digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
