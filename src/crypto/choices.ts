/**
 * Every reconstructed ([R]) choice of the symmetric crypto layer, in one place (DOMAIN.md §1.4, §2).
 * docs/crypto-symmetric.md lists the same choices with their reasons; change both together when
 * better facts appear. Marks: [V] verified, [C] seen in public code or traces, [R] reconstructed.
 */
import { concat } from '../apdu/bytes.js';

/** SSSE secure-messaging MAC length (DOMAIN.md §1.4) [V]. */
export const SSSE_MAC_LENGTH = 4;

/**
 * PBOC application-cryptogram / MAC length: 8 bytes [C for 3DES, R for SM4: JR/T 0025.17 not seen;
 * the SM4 CBC-MAC's 16-byte last block is truncated to its leftmost 8 bytes, the size of tag 9F26].
 */
export const PBOC_MAC_LENGTH = 8;

/** Issuer-script MAC length: leftmost 4 bytes of the PBOC MAC (DOMAIN.md §2 "the same, 4 bytes") [C]. */
export const PBOC_SCRIPT_MAC_LENGTH = 4;

const not = (d: Uint8Array): Uint8Array => d.map((b) => b ^ 0xff);

/**
 * SSSE key diversification with SM4 [R]: DK = SM4_K(D ‖ ¬D), one 16-byte block, like SSF33
 * (DOMAIN.md §1.4 "SM4: assume E_K(D ‖ ¬D)").
 */
export function sm4SsseDiversificationBlock(d8: Uint8Array): Uint8Array {
  return concat(d8, not(d8));
}

/**
 * PBOC UDK with SM4 [R]: UDK = SM4_IMK(D ‖ ¬D), D = the 8-byte BCD of the rightmost 16 digits of
 * PAN ‖ PSN (DOMAIN.md §2 "SM4 analogue").
 */
export function sm4PbocUdkBlock(d8: Uint8Array): Uint8Array {
  return concat(d8, not(d8));
}

/**
 * PBOC session key with SM4 [R]: SK = SM4_UDK(00×6 ‖ ATC ‖ 00×6 ‖ ¬ATC), one block holding the two
 * halves the 3DES derivation encrypts separately (DOMAIN.md §2).
 */
export function sm4PbocSessionKeyBlock(atc2: Uint8Array): Uint8Array {
  const block = new Uint8Array(16);
  block.set(atc2, 6);
  block.set(not(atc2), 14);
  return block;
}

/**
 * PBOC ARPC with SM4 [R]: ARPC = leftmost 8 bytes of SM4_SK((ARQC ⊕ (ARC ‖ 00×6)) ‖ 00×8): the 3DES
 * method-1 input zero-padded to the 16-byte block, the result truncated to ARPC's 8 bytes.
 */
export function sm4PbocArpcBlock(x8: Uint8Array): Uint8Array {
  return concat(x8, new Uint8Array(8));
}

/** Length of an ARPC (tag 91 carries ARPC ‖ ARC) [C]. */
export const PBOC_ARPC_LENGTH = 8;

/**
 * Offline medical debit TAC key [R] (DOMAIN.md §1.4 names TAC but not its key): as in the PBOC
 * electronic purse, DES/3DES use single DES under DTK_left ⊕ DTK_right; SM4 uses DTK itself.
 * The MAC algorithm is the SSSE MAC (zero IV, method-2 padding, 4 bytes).
 */
export function medicalDebitTacKey(algorithm: 'SM4' | '3DES' | 'DES', dtk: Uint8Array): Uint8Array {
  if (algorithm === 'SM4' || dtk.length === 8) return dtk;
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = dtk[i]! ^ dtk[i + 8]!;
  return out;
}

/**
 * Secure-messaging encipherment when `LD ‖ data` already fills its last block [R]: `false` = no pad
 * block is added, as the PBOC electronic-purse secure-messaging text does ("if the last block is 8 bytes,
 * go on; otherwise append 80, then 00s"); DOMAIN.md §1.4 only says `LD ‖ data ‖ 80 00…`.
 */
export const SM_ENCIPHER_PADS_FULL_BLOCK = false;
