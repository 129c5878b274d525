/**
 * The MACs of the card (all with ISO/IEC 9797-1 padding method 2):
 * - `cbcMac`: ISO 9797-1 MAC algorithm 1 (CBC-MAC), full last block.
 * - `ssseMac`: the SSSE secure-messaging MAC (DOMAIN.md §1.4), 4 bytes.
 * - `retailMac`: ISO 9797-1 MAC algorithm 3 (the "retail MAC", ANSI X9.19), 8 bytes.
 * - `pbocMac`: the PBOC application cryptogram / issuer-script MAC (DOMAIN.md §2), 8 bytes.
 *
 * The [R] choices for SM4 are in `choices.ts` and docs/crypto-symmetric.md.
 */
import { cipherFor, createBlockCipher, type BlockAlgorithm, type BlockCipher, type PbocAlgorithm } from './block-cipher.js';
import { PBOC_MAC_LENGTH, PBOC_SCRIPT_MAC_LENGTH, SSSE_MAC_LENGTH } from './choices.js';
import { padIso9797M2 } from './padding.js';

/**
 * ISO/IEC 9797-1 MAC algorithm 1: pad (method 2), CBC-encrypt, return the last ciphertext block.
 * @param iv defaults to zeros; must be `cipher.blockSize` bytes
 */
export function cbcMac(cipher: BlockCipher, data: Uint8Array, iv?: Uint8Array): Uint8Array {
  checkCipher(cipher);
  const padded = padIso9797M2(data, cipher.blockSize);
  const chain = cipher.encryptCbc(padded, iv ?? new Uint8Array(cipher.blockSize));
  return chain.slice(chain.length - cipher.blockSize);
}

/**
 * The SSSE secure-messaging MAC (DOMAIN.md §1.4 [V]), 4 bytes: `cbcMac` (zero IV unless given), then for
 * 8-byte ciphers (DES/3DES) the leftmost 4 bytes, for 16-byte ciphers (SM4) the XOR of the four 4-byte
 * words. Key-management commands pass `iv` = challenge padded to the block size.
 *
 * Second form `ssseMac(algorithm, key, data, iv?)`: the cipher is built from the key, and `3DES` with an
 * 8-byte key (a session key derived under a 3DES key) runs as single DES — see `cipherFor`.
 */
export function ssseMac(cipher: BlockCipher, data: Uint8Array, iv?: Uint8Array): Uint8Array;
export function ssseMac(algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array, iv?: Uint8Array): Uint8Array;
export function ssseMac(
  first: BlockCipher | BlockAlgorithm,
  second: Uint8Array,
  third?: Uint8Array,
  fourth?: Uint8Array,
): Uint8Array {
  if (typeof first === 'string') {
    if (!(third instanceof Uint8Array)) throw new TypeError('data: must be a Uint8Array');
    return ssseMac(cipherFor(first, second), third, fourth);
  }
  const block = cbcMac(first, second, third);
  return foldTo4(block);
}

/** Reduces a final MAC block to the SSSE 4 bytes: leftmost 4 (8-byte block) or XOR of 4-byte words. */
function foldTo4(block: Uint8Array): Uint8Array {
  const out = block.slice(0, SSSE_MAC_LENGTH);
  if (block.length === 8) return out;
  for (let w = SSSE_MAC_LENGTH; w < block.length; w += SSSE_MAC_LENGTH) {
    for (let i = 0; i < SSSE_MAC_LENGTH; i++) out[i]! ^= block[w + i]!;
  }
  return out;
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3 with DES (ANSI X9.19 retail MAC), padding method 2, 8 bytes:
 * CBC single DES under K1 over every block, then the last output is decrypted under K2 and encrypted
 * under K1 (computed as: CBC-DES over all but the last block, then the last block through 2-key 3DES).
 * @param key16 K1 ‖ K2 (16 bytes)
 */
export function retailMac(key16: Uint8Array, data: Uint8Array): Uint8Array {
  if (!(key16 instanceof Uint8Array) || key16.length !== 16) {
    throw new RangeError(`key16: retail MAC needs a 16-byte key, got ${key16 instanceof Uint8Array ? key16.length : typeof key16}`);
  }
  const padded = padIso9797M2(data, 8);
  const n = padded.length;
  // blocks 1..n-1: CBC single DES under K1; last block: (P_n ⊕ H) through 2-key 3DES, which is E_K1(D_K2(E_K1(·)))
  let h = new Uint8Array(8);
  if (n > 8) {
    const chain = createBlockCipher('DES', key16.subarray(0, 8)).encryptCbc(padded.subarray(0, n - 8), h);
    h = chain.slice(n - 16);
  }
  for (let i = 0; i < 8; i++) h[i]! ^= padded[n - 8 + i]!;
  return createBlockCipher('3DES', key16).encrypt(h);
}

/**
 * The PBOC MAC of DOMAIN.md §2 (application cryptogram and issuer-script MAC), 8 bytes.
 * - 3DES: `retailMac` (ISO 9797-1 alg. 3) under the 16-byte session key. [C]
 * - SM4: CBC-MAC (ISO 9797-1 alg. 1), zero IV, leftmost 8 bytes of the last block. [R]
 */
export function pbocMac(algorithm: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (algorithm === '3DES') return retailMac(key, data);
  if (algorithm === 'SM4') return cbcMac(cipherFor('SM4', key), data).slice(0, PBOC_MAC_LENGTH);
  throw new RangeError(`algorithm: PBOC uses SM4 or 3DES, got ${JSON.stringify(algorithm)}`);
}

/** The issuer-script / EC-balance MAC (DOMAIN.md §2 "script MAC the same, 4 bytes"): leftmost 4 of `pbocMac`. */
export function pbocScriptMac(algorithm: PbocAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  return pbocMac(algorithm, key, data).slice(0, PBOC_SCRIPT_MAC_LENGTH);
}

function checkCipher(cipher: BlockCipher): void {
  if (typeof cipher !== 'object' || cipher === null || typeof cipher.encryptCbc !== 'function') {
    throw new TypeError('cipher: must be a BlockCipher (createBlockCipher)');
  }
}
