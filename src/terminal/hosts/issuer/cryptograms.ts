/**
 * The issuer's side of the PBOC cryptography, on the neutral facts of src/spec/pboc.ts and the
 * primitives of src/crypto (never the card's code):
 * - application cryptogram check (ARQC, TC, AAC): `pbocMac` under the AC session key over
 *   `9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ [ARC 8A in GENERATE AC 2] ‖ AIP ‖ ATC ‖ CVR`
 *   (src/spec/pboc.ts AC_TERMINAL_DATA_TAGS [R]; EMV 4.3 Book 2 §8.1);
 * - ARPC method 1 over the ARQC and the ARC (EMV Book 2 §8.2.1; kdf.ts `pbocArpc`);
 * - the issuer-script MAC over `CLA INS P1 P2 Lc ‖ ATC ‖ ARQC ‖ data` (src/spec/pboc.ts [R]; EMV Book 2 §9.2);
 * - the EC balance MAC in the IAD, `01 ‖ balance(5) ‖ ATC` (src/spec/pboc.ts [R]);
 * - the PIN CHANGE block under the ENC session key (src/spec/pboc.ts PIN_CHANGE_BLOCK_FORMAT [R]).
 */
import { concat, constantTimeEqual, uintBE } from '../../../apdu/bytes.js';
import { createBlockCipher } from '../../../crypto/block-cipher.js';
import { pbocApplicationCryptogram, pbocArpc, pbocSessionKey } from '../../../crypto/kdf.js';
import { pbocScriptMac } from '../../../crypto/mac.js';
import { padIso9797M2 } from '../../../crypto/padding.js';
import { EC_IDD_MAC_LENGTH, IAD, PIN_CHANGE_BLOCK_FORMAT, SCRIPT_MAC_LENGTH } from '../../../spec/pboc.js';
import type { CardKeys } from './keys.js';

/** What an application cryptogram covers, already in bytes. */
export interface CryptogramInput {
  /** The 29 bytes of terminal data (AC_TERMINAL_DATA_TAGS, in order). */
  terminal: readonly Uint8Array[];
  /** The ARC 8A the card received in GENERATE AC 2 (absent for GENERATE AC 1 and qPBOC). */
  arc?: Uint8Array;
  aip: Uint8Array;
  atc: number;
  cvr: Uint8Array;
}

function sessionKey(keys: CardKeys, which: 'ac' | 'mac' | 'enc', atc: number): Uint8Array {
  return pbocSessionKey(keys.algorithm, keys[which], atc);
}

/** Computes the application cryptogram the card should have produced. */
export function expectedCryptogram(keys: CardKeys, input: CryptogramInput): Uint8Array {
  const data = concat(...input.terminal, input.arc ?? new Uint8Array(0), input.aip, uintBE(input.atc, 2), input.cvr);
  return pbocApplicationCryptogram(keys.algorithm, sessionKey(keys, 'ac', input.atc), data);
}

/** Whether a cryptogram (9F26) is the card's over the input (constant time). */
export function cryptogramValid(keys: CardKeys, input: CryptogramInput, cryptogram: Uint8Array): boolean {
  return constantTimeEqual(expectedCryptogram(keys, input), cryptogram);
}

/** ARPC (8 bytes) for an ARQC and the ARC the host answers. */
export function arpcFor(keys: CardKeys, atc: number, arqc: Uint8Array, arc: Uint8Array): Uint8Array {
  return pbocArpc(keys.algorithm, sessionKey(keys, 'ac', atc), arqc, arc);
}

/**
 * An issuer script command with its MAC: `header(4) ‖ Lc ‖ body ‖ MAC(4)`, Lc counting the MAC, the MAC
 * over `header ‖ Lc ‖ ATC ‖ ARQC ‖ body` under the MAC session key at the ATC.
 */
export function scriptCommand(keys: CardKeys, atc: number, arqc: Uint8Array, header: readonly number[], body: Uint8Array): Uint8Array {
  if (header.length !== 4) throw new RangeError(`header: must be CLA INS P1 P2, got ${header.length} bytes`);
  const lc = body.length + SCRIPT_MAC_LENGTH;
  if (lc > 255) throw new RangeError(`body: ${body.length} bytes do not fit a short APDU with the MAC`);
  const head = concat(Uint8Array.from(header), Uint8Array.of(lc));
  const mac = pbocScriptMac(keys.algorithm, sessionKey(keys, 'mac', atc), concat(head, uintBE(atc, 2), arqc, body));
  return concat(head, body, mac);
}

/** Whether the EC balance MAC of the IAD is the card's (`01 ‖ balance(5) ‖ ATC` under SK_MAC). */
export function ecBalanceMacValid(keys: CardKeys, atc: number, balance5: Uint8Array, mac: Uint8Array): boolean {
  const expected = pbocScriptMac(keys.algorithm, sessionKey(keys, 'mac', atc), concat(Uint8Array.of(IAD.eccIddId), balance5, uintBE(atc, 2)));
  return constantTimeEqual(expected.subarray(0, EC_IDD_MAC_LENGTH), mac);
}

/** ISO 9564-1 format 2 PIN block: `2L ‖ PIN digits ‖ F…`, 8 bytes. */
export function pinBlockFormat2(pin: string): Uint8Array {
  if (!/^[0-9]{4,12}$/.test(pin)) throw new RangeError('pin: must be 4 to 12 digits');
  const nibbles = [PIN_CHANGE_BLOCK_FORMAT, pin.length, ...pin.split('').map(Number)];
  while (nibbles.length < 16) nibbles.push(0xf);
  return Uint8Array.from({ length: 8 }, (_, i) => (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!);
}

/**
 * The PIN CHANGE data: `E_SK_ENC(PIN block [‖ 80 00…])` in ECB, the 80-padding added only when the PIN
 * block does not fill the cipher block (src/spec/pboc.ts PIN_CHANGE_BLOCK_FORMAT [R]).
 */
export function encipheredPinBlock(keys: CardKeys, atc: number, pin: string): Uint8Array {
  const cipher = createBlockCipher(keys.algorithm, sessionKey(keys, 'enc', atc));
  const block = pinBlockFormat2(pin);
  const plain = block.length % cipher.blockSize === 0 ? block : padIso9797M2(block, cipher.blockSize);
  return cipher.encrypt(plain);
}
