/**
 * Key derivation of the social security application (DOMAIN.md §1.4) and of the PBOC financial
 * application (DOMAIN.md §2). The SM4 variants that are [R] live in `choices.ts`.
 */
import { ascii, concat, uintBE, xor } from '../apdu/bytes.js';
import { cipherFor, createBlockCipher, type BlockAlgorithm, type PbocAlgorithm } from './block-cipher.js';
import {
  PBOC_ARPC_LENGTH,
  sm4PbocArpcBlock,
  sm4PbocSessionKeyBlock,
  sm4PbocUdkBlock,
  sm4SsseDiversificationBlock,
} from './choices.js';
import { pbocMac } from './mac.js';

const not = (d: Uint8Array): Uint8Array => d.map((b) => b ^ 0xff);

function checkBytes(value: unknown, what: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what}: must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${what}: must be ${length} bytes, got ${value.length}`);
  }
}

function checkPboc(algorithm: PbocAlgorithm): void {
  if (algorithm !== 'SM4' && algorithm !== '3DES') {
    throw new RangeError(`algorithm: PBOC uses SM4 or 3DES, got ${JSON.stringify(algorithm)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// SSSE (DOMAIN.md §1.4)
// ---------------------------------------------------------------------------------------------

/**
 * One level of SSSE key diversification (DOMAIN.md §1.4):
 * - 3DES: DK = 3DES_K(D) ‖ 3DES_K(¬D) (16 bytes) [V]
 * - SM4: DK = SM4_K(D ‖ ¬D) (16 bytes) [R], see `choices.ts`
 * - DES: DK = DES_K(D) (8 bytes)
 * @param key the parent key (SM4 16 bytes; 3DES 16 or 24; DES 8)
 * @param data8 the 8-byte diversification data of this level
 */
export function diversify(algorithm: BlockAlgorithm, key: Uint8Array, data8: Uint8Array): Uint8Array {
  checkBytes(data8, 'data8', 8);
  const cipher = createBlockCipher(algorithm, key);
  if (algorithm === 'SM4') return cipher.encrypt(sm4SsseDiversificationBlock(data8));
  if (algorithm === 'DES') return cipher.encrypt(data8);
  return cipher.encrypt(concat(data8, not(data8)));
}

/**
 * The three levels of SSSE diversification data (DOMAIN.md §1.4 [V]):
 * 1. province: the first 2 ASCII characters of the region code ‖ `303030307368` ("0000sh");
 * 2. city: the 6 ASCII characters of the region code ‖ `7378` ("sx");
 * 3. card: the ATR historical bytes T6-TD (8 bytes).
 * @param regionCode 6-digit administrative region code, e.g. `650100`
 * @param atrHistorical8 the 8 card-specific historical bytes
 */
export function ssseDiversificationData(
  regionCode: string,
  atrHistorical8: Uint8Array,
): [Uint8Array, Uint8Array, Uint8Array] {
  if (typeof regionCode !== 'string' || !/^\d{6}$/.test(regionCode)) {
    throw new RangeError(`regionCode: must be 6 digits, got ${JSON.stringify(regionCode)}`);
  }
  checkBytes(atrHistorical8, 'atrHistorical8', 8);
  return [
    concat(ascii(regionCode.slice(0, 2)), Uint8Array.of(0x30, 0x30, 0x30, 0x30, 0x73, 0x68)),
    concat(ascii(regionCode), Uint8Array.of(0x73, 0x78)),
    Uint8Array.from(atrHistorical8),
  ];
}

/** The card key: master key diversified through the three levels of `ssseDiversificationData`. */
export function ssseCardKey(
  algorithm: BlockAlgorithm,
  masterKey: Uint8Array,
  regionCode: string,
  atrHistorical8: Uint8Array,
): Uint8Array {
  let key = masterKey;
  for (const level of ssseDiversificationData(regionCode, atrHistorical8)) key = diversify(algorithm, key, level);
  return key;
}

/**
 * SSSE session key SK = E_K(R) (DOMAIN.md §1.4 [V]); R is zero-padded on the right to the block size.
 * SM4 gives a 16-byte key; DES/3DES give an 8-byte key, used as single DES (see `cipherFor`).
 * @param key the card key (an 8-byte key with `3DES` is taken as DES)
 * @param random R, 1 to blockSize bytes (usually the 8-byte challenge or purse input)
 */
export function ssseSessionKey(algorithm: BlockAlgorithm, key: Uint8Array, random: Uint8Array): Uint8Array {
  const cipher = cipherFor(algorithm, key);
  checkBytes(random, 'random');
  if (random.length === 0 || random.length > cipher.blockSize) {
    throw new RangeError(`random: must be 1 to ${cipher.blockSize} bytes, got ${random.length}`);
  }
  const block = new Uint8Array(cipher.blockSize);
  block.set(random);
  return cipher.encrypt(block);
}

/**
 * SSSE authentication data (DOMAIN.md §1.4 [V]), 8 bytes: E_K(original) for 8-byte ciphers; for 16-byte
 * ciphers E_K(original ‖ 00×8), left half XOR right half.
 * @param key static or session key (an 8-byte key with `3DES` is taken as DES)
 */
export function ssseAuthData(algorithm: BlockAlgorithm, key: Uint8Array, original8: Uint8Array): Uint8Array {
  checkBytes(original8, 'original8', 8);
  const cipher = cipherFor(algorithm, key);
  if (cipher.blockSize === 8) return cipher.encrypt(original8);
  const e = cipher.encrypt(concat(original8, new Uint8Array(8)));
  return xor(e.subarray(0, 8), e.subarray(8, 16));
}

// ---------------------------------------------------------------------------------------------
// PBOC (DOMAIN.md §2)
// ---------------------------------------------------------------------------------------------

/**
 * The 8-byte PBOC/EMV diversification value: the rightmost 16 digits of PAN ‖ PSN as BCD, left-padded
 * with zeros when shorter (EMV Book 2 A1.4.1 option A).
 * @param pan 12 to 19 digits
 * @param psn 0 to 2 digits (empty = `00`)
 */
export function pbocDiversificationData(pan: string, psn: string): Uint8Array {
  if (typeof pan !== 'string' || !/^\d{12,19}$/.test(pan)) {
    throw new RangeError(`pan: must be 12 to 19 digits, got ${JSON.stringify(pan)}`);
  }
  if (typeof psn !== 'string' || !/^\d{0,2}$/.test(psn)) {
    throw new RangeError(`psn: must be 0 to 2 digits, got ${JSON.stringify(psn)}`);
  }
  const digits = (pan + psn.padStart(2, '0')).padStart(16, '0').slice(-16);
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = (Number(digits[2 * i]) << 4) | Number(digits[2 * i + 1]);
  return out;
}

/**
 * The card's unique DEA key (UDK, "MK_AC") from the issuer master key (DOMAIN.md §2):
 * - 3DES: UDK = 3DES_IMK(D) ‖ 3DES_IMK(¬D) [C] (parity bits left as computed; DES ignores them)
 * - SM4: UDK = SM4_IMK(D ‖ ¬D) [R]
 */
export function pbocUdk(algorithm: PbocAlgorithm, imk: Uint8Array, pan: string, psn: string): Uint8Array {
  checkPboc(algorithm);
  const d = pbocDiversificationData(pan, psn);
  const cipher = createBlockCipher(algorithm, imk);
  if (algorithm === 'SM4') return cipher.encrypt(sm4PbocUdkBlock(d));
  return cipher.encrypt(concat(d, not(d)));
}

/**
 * The transaction session key from the UDK and the ATC (DOMAIN.md §2):
 * - 3DES: SK = 3DES_UDK(00×6 ‖ ATC) ‖ 3DES_UDK(00×6 ‖ ¬ATC) [C]
 * - SM4: SK = SM4_UDK(00×6 ‖ ATC ‖ 00×6 ‖ ¬ATC) [R]
 * @param atc application transaction counter, 0 to 65535
 */
export function pbocSessionKey(algorithm: PbocAlgorithm, udk: Uint8Array, atc: number): Uint8Array {
  checkPboc(algorithm);
  if (!Number.isInteger(atc) || atc < 0 || atc > 0xffff) throw new RangeError(`atc: must be 0 to 65535, got ${atc}`);
  const cipher = createBlockCipher(algorithm, udk);
  const atc2 = uintBE(atc, 2);
  if (algorithm === 'SM4') return cipher.encrypt(sm4PbocSessionKeyBlock(atc2));
  const left = concat(new Uint8Array(6), atc2);
  return cipher.encrypt(concat(left, concat(new Uint8Array(6), not(atc2))));
}

/**
 * Application cryptogram (ARQC/TC/AAC, tag 9F26), 8 bytes: `pbocMac` under the session key over the
 * caller's data (CDOL1 data ‖ AIP ‖ ATC ‖ CVR …, DOMAIN.md §2).
 */
export function pbocApplicationCryptogram(algorithm: PbocAlgorithm, sessionKey: Uint8Array, data: Uint8Array): Uint8Array {
  checkPboc(algorithm);
  return pbocMac(algorithm, sessionKey, data);
}

/**
 * ARPC, EMV method 1 (DOMAIN.md §2): 3DES: ARPC = 3DES_SK(ARQC ⊕ (ARC ‖ 00×6)) [C];
 * SM4: leftmost 8 bytes of SM4_SK((ARQC ⊕ (ARC ‖ 00×6)) ‖ 00×8) [R].
 * @param arqc 8 bytes
 * @param arc authorisation response code, 2 bytes
 */
export function pbocArpc(algorithm: PbocAlgorithm, sessionKey: Uint8Array, arqc: Uint8Array, arc: Uint8Array): Uint8Array {
  checkPboc(algorithm);
  checkBytes(arqc, 'arqc', 8);
  checkBytes(arc, 'arc', 2);
  const cipher = createBlockCipher(algorithm, sessionKey);
  const x = xor(arqc, concat(arc, new Uint8Array(6)));
  if (algorithm === 'SM4') return cipher.encrypt(sm4PbocArpcBlock(x)).slice(0, PBOC_ARPC_LENGTH);
  return cipher.encrypt(x);
}
