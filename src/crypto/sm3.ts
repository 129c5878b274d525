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
  // Node 20's one-shot hash returns a 'binary' (latin1) string (one char per byte) faster than a Buffer: measured
  // ~1.3-2x on 64-byte messages, where the per-call overhead dominates (bench/sym.bench.ts).
  const text = oneShotHash('sm3', data, 'binary');
  const out = new Uint8Array(SM3_DIGEST_LENGTH);
  for (let i = 0; i < SM3_DIGEST_LENGTH; i++) out[i] = text.charCodeAt(i);
  return out;
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
