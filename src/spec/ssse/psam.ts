/**
 * The third-generation social-security PSAM (terminal-side secure access module, LD/T 32.7 / LD/T 32.9;
 * DOMAIN.md §1.1, §1.4): its files, its commands and their byte layouts — the ONE place where sscard
 * fixes what the public material leaves open ([R]). The PSAM application (src/card/apps/psam) decodes
 * these commands; the terminal's PSAM client (src/terminal/psam/psam-client.ts) builds them. docs/psam.md
 * explains each choice.
 *
 * Files (the MF files follow the PBOC/transport PSAM that public reader code reads: `00B0960006` [C]):
 *
 * | file         | where | SFI | content                                             | mark |
 * |--------------|-------|-----|-----------------------------------------------------|------|
 * | EF15         | MF    | 15  | PSAM serial number (10 bytes)                       | [C]  |
 * | EF16         | MF    | 16  | 终端机编号 terminal number (6 bytes, 12 BCD digits)  | [C]  |
 * | DF "sx3…"    | MF    |     | the PSAM application, DF name PSAM_SX3_AID          | [C]  |
 * | DF01         | sx3   |     | FID DF01; holds the issuer master keys              | [C]  |
 * | EF17         | DF01  | 17  | key version(1) ‖ algorithm indicator(1)             | [R]  |
 *
 * Commands, in DF01:
 *
 * | command       | APDU                                   | data                                         | answer | mark |
 * |---------------|----------------------------------------|----------------------------------------------|--------|------|
 * | DELIVER KEY   | BF DE 48 sel Lc                        | card-div(8) ‖ city-div(8) [‖ IV block]       | 9000   | [C] shape, [R] P2, IV |
 * | DELIVER SESSION KEY | BF DE 49 sel Lc                  | card-div(8) ‖ city-div(8) ‖ factor block     | 9000   | [R] |
 * | CIPHER DATA   | 80 FA 00 00 Lc                         | whole blocks                                 | E(data), ECB | [C] |
 * | MAC           | 80 FA 05 00 Lc                         | the MAC input (unpadded)                     | MAC(4) | [R] |
 * | MAC1          | 80 70 00 00 2C                         | see `encodeMac1Data`                         | terminal seq(4) ‖ MAC1(4) | [R] |
 * | VERIFY MAC2   | 80 72 00 00 04                         | MAC2                                         | 9000 / 9302 | [C] shape |
 * | VERIFY TAC    | 80 72 01 00 04                         | TAC                                          | 9000 / 9302 | [R] |
 *
 * - card-div = the card's ATR historical bytes T6–TD (level 3), city-div = the 6 ASCII digits of the
 *   region ‖ "sx" (level 2); the PSAM derives level 1 (province) from the first two digits of city-div
 *   (DOMAIN.md §1.4 [V]). The trace `BFDE481220 ‖ ATR-last-8 ‖ city-div ‖ R ‖ 00×8` is DELIVER KEY of
 *   UK_DF02 with R as its IV block [C].
 * - The delivered key is DK (P1 48) or the session key SK = E_DK(factor block) (P1 49). CIPHER DATA
 *   enciphers under it; MAC computes the SSSE MAC under it (ISO 9797-1 method-2 padding by the PSAM, CBC,
 *   IV = the IV block of P1 48 or zeros, 4 bytes: DES leftmost, 16-byte ciphers the XOR of the words).
 * - P2 `sel` selects the master key: high nibble the kind, low nibble the DF (`psamKeySelector`).
 * - The debit keys (DPK, DTK) are used only by MAC1 / VERIFY TAC, never delivered (6985).
 */
import { ascii, concat, fromHex, readUintBE, uintBE } from '../../apdu/bytes.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { SM_ENCIPHER_PADS_FULL_BLOCK } from '../../crypto/choices.js';
import type { KeyAlgorithm } from '../card-interface.js';
import { ALGORITHM_INDICATOR, PSAM_DF01_FID, PSAM_SX3_AID, type KeyedDf } from './identifiers.js';
import type { KeyKind } from './keys.js';
import type { DebitAmounts } from './medical-debit.js';

export { PSAM_DF01_FID, PSAM_SX3_AID };

// ---------------------------------------------------------------------------------------------------
// Files

/** SFI of the PSAM serial number file at the MF (EF15, 10 bytes) [C]. */
export const PSAM_SERIAL_SFI = 0x15;
export const PSAM_SERIAL_LENGTH = 10;
/** SFI of the terminal number file at the MF (EF16, 终端机编号, 6 bytes) [C]. */
export const PSAM_TERMINAL_ID_SFI = 0x16;
export const PSAM_TERMINAL_ID_LENGTH = 6;
/** SFI of the key information file in DF01 (EF17: key version ‖ algorithm indicator) [R]. */
export const PSAM_KEY_INFO_SFI = 0x17;
export const PSAM_KEY_INFO_LENGTH = 2;

/** READ BINARY of a whole short file by SFI (ISO/IEC 7816-4 §11.3.3: P1 = 80 | SFI, offset 0). */
export function readBinaryBySfi(sfi: number, length: number): CommandApdu {
  if (!Number.isInteger(sfi) || sfi < 1 || sfi > 0x1e) throw new RangeError(`readBinaryBySfi: sfi must be 1..30, got ${sfi}`);
  return CommandApdu.of({ cla: 0x00, ins: 0xb0, p1: 0x80 | sfi, p2: 0x00, ne: length });
}

/** What EF17 says: the version of the master keys and their algorithm. */
export interface PsamKeyInfo {
  keyVersion: number;
  algorithm: KeyAlgorithm;
}

/** EF17 content: key version(1) ‖ algorithm indicator(1) (01 DES/3DES, 03 SM4) [R]. */
export function encodeKeyInfo(info: PsamKeyInfo): Uint8Array {
  return Uint8Array.of(info.keyVersion, ALGORITHM_INDICATOR[info.algorithm]);
}

/**
 * Decodes EF17. The indicator 01 stands for the DES family; which member (DES or 3DES) is then told by
 * `desFamily` (a PSAM holds one kind of key).
 * @throws RangeError for a wrong length or an unknown indicator
 */
export function decodeKeyInfo(data: Uint8Array, desFamily: 'DES' | '3DES' = '3DES'): PsamKeyInfo {
  if (data.length !== PSAM_KEY_INFO_LENGTH) throw new RangeError(`decodeKeyInfo: ${data.length} bytes, expected ${PSAM_KEY_INFO_LENGTH}`);
  const indicator = data[1]!;
  const algorithm: KeyAlgorithm | undefined = indicator === 0x03 ? 'SM4' : indicator === 0x01 ? desFamily : undefined;
  if (!algorithm) throw new RangeError(`decodeKeyInfo: unknown algorithm indicator ${indicator.toString(16).padStart(2, '0')}`);
  return { keyVersion: data[0]!, algorithm };
}

/** SELECT of the PSAM application by DF name (DOMAIN.md §1.1 [C]). */
export function selectPsamApplication(): CommandApdu {
  return CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00, data: fromHex(PSAM_SX3_AID), ne: 256 });
}

/** SELECT of DF01 by FID, `00 A4 00 00 02 DF01` (DOMAIN.md §1.1 [C]). */
export function selectPsamDf01(): CommandApdu {
  return CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x00, p2: 0x00, data: uintBE(PSAM_DF01_FID, 2), ne: 256 });
}

/** SELECT of the MF, `00 A4 00 00 02 3F00` (before reading EF15/EF16). */
export function selectPsamMf(): CommandApdu {
  return CommandApdu.of({ cla: 0x00, ins: 0xa4, p1: 0x00, p2: 0x00, data: Uint8Array.of(0x3f, 0x00), ne: 256 });
}

// ---------------------------------------------------------------------------------------------------
// Key selection and diversification data

/** Kind codes of the key selector's high nibble [R]. */
export const PSAM_KIND_CODES: Readonly<Record<KeyKind, number>> = { UK: 1, RK: 2, IRK: 3, DPK: 4, DTK: 5, PUK: 6, RPK: 7 };
/** DF codes of the key selector's low nibble [R] (the DF's own number; the SSSE DDF1 is 0). */
export const PSAM_DF_CODES: Readonly<Record<KeyedDf, number>> = { SSSE: 0, DF01: 1, DF02: 2, DF03: 3, DF04: 4, DF07: 7 };

/** Key kinds the PSAM uses only inside the medical-debit commands, never delivered by BF DE [R]. */
export const DEBIT_ONLY_KINDS: readonly KeyKind[] = ['DPK', 'DTK'];

/** A master key of the PSAM: a card key's DF and kind. */
export interface PsamKeyRef {
  df: KeyedDf;
  kind: KeyKind;
}

/** The key selector (P2 of DELIVER KEY) of a master key: kind << 4 | DF; the trace's 12 is UK of DF02. [R] */
export function psamKeySelector(ref: PsamKeyRef): number {
  const kind = PSAM_KIND_CODES[ref.kind];
  const df = PSAM_DF_CODES[ref.df];
  if (kind === undefined || df === undefined) throw new RangeError(`psamKeySelector: unknown key ${ref.kind} of ${ref.df}`);
  return (kind << 4) | df;
}

/** The master key a selector names, or undefined for a byte that names none. */
export function decodePsamKeySelector(selector: number): PsamKeyRef | undefined {
  const kind = (Object.keys(PSAM_KIND_CODES) as KeyKind[]).find((k) => PSAM_KIND_CODES[k] === selector >> 4);
  const df = (Object.keys(PSAM_DF_CODES) as KeyedDf[]).find((d) => PSAM_DF_CODES[d] === (selector & 0x0f));
  return kind && df ? { df, kind } : undefined;
}

/** Level-2 (city) diversification data: the 6 ASCII digits of the region ‖ "sx" (`7378`) (DOMAIN.md §1.4 [V]). */
export function cityDiversificationData(region: string): Uint8Array {
  if (typeof region !== 'string' || !/^\d{6}$/.test(region)) throw new RangeError(`cityDiversificationData: region must be 6 digits, got ${JSON.stringify(region)}`);
  return concat(ascii(region), Uint8Array.of(0x73, 0x78));
}

/** Whether 8 bytes are city diversification data (6 ASCII digits ‖ "sx"). */
export function isCityDiversificationData(data: Uint8Array): boolean {
  return data.length === 8 && data.subarray(0, 6).every((b) => b >= 0x30 && b <= 0x39) && data[6] === 0x73 && data[7] === 0x78;
}

/**
 * Level-1 (province) diversification data from the city data: its first two ASCII digits ‖ "0000sh"
 * (`303030307368`) (DOMAIN.md §1.4 [V]: 650100 → `3635303030307368`).
 */
export function provinceDiversificationData(cityData: Uint8Array): Uint8Array {
  if (!isCityDiversificationData(cityData)) throw new RangeError('provinceDiversificationData: not city diversification data (6 ASCII digits ‖ "sx")');
  return Uint8Array.of(cityData[0]!, cityData[1]!, 0x30, 0x30, 0x30, 0x30, 0x73, 0x68);
}

// ---------------------------------------------------------------------------------------------------
// DELIVER KEY (BF DE)

export const DELIVER_KEY_CLA = 0xbf;
export const DELIVER_KEY_INS = 0xde;
/** P1 of DELIVER KEY: the card key DK itself; an optional trailing block is the IV of MAC [C shape, R meaning]. */
export const DELIVER_CARD_KEY = 0x48;
/** P1 of DELIVER KEY: the session key SK = E_DK(factor block) [R]. */
export const DELIVER_SESSION_KEY = 0x49;

export type DeliveryMode = 'card-key' | 'session-key';

export interface DeliverKey {
  mode: DeliveryMode;
  key: PsamKeyRef;
  /** ATR historical bytes T6–TD (8 bytes). */
  cardData: Uint8Array;
  /** City diversification data (8 bytes). */
  cityData: Uint8Array;
  /** One cipher block: the MAC IV (card key) or the session-key factor (session key). */
  block?: Uint8Array;
}

/** The DELIVER KEY command (the trace: `BF DE 48 12 20 ‖ card-div ‖ city-div ‖ R ‖ 00×8`). */
export function deliverKeyCommand(d: DeliverKey): CommandApdu {
  if (d.cardData.length !== 8) throw new RangeError(`deliverKeyCommand: cardData must be 8 bytes, got ${d.cardData.length}`);
  if (d.cityData.length !== 8) throw new RangeError(`deliverKeyCommand: cityData must be 8 bytes, got ${d.cityData.length}`);
  if (d.mode === 'session-key' && !d.block) throw new RangeError('deliverKeyCommand: a session key needs its factor block');
  const p1 = d.mode === 'card-key' ? DELIVER_CARD_KEY : DELIVER_SESSION_KEY;
  const data = concat(d.cardData, d.cityData, d.block ?? new Uint8Array(0));
  return CommandApdu.of({ cla: DELIVER_KEY_CLA, ins: DELIVER_KEY_INS, p1, p2: psamKeySelector(d.key), data });
}

/** A block of `blockSize` bytes: `bytes` followed by 00s (DOMAIN.md §1.4 "R is zero-padded"). */
export function zeroPadBlock(bytes: Uint8Array, blockSize: number, what = 'bytes'): Uint8Array {
  if (bytes.length === 0 || bytes.length > blockSize) throw new RangeError(`${what}: must be 1 to ${blockSize} bytes, got ${bytes.length}`);
  const out = new Uint8Array(blockSize);
  out.set(bytes);
  return out;
}

/**
 * The IV of a key-management MAC: the card's challenge cut or padded with 00 to the block (as the card
 * checks it: DOMAIN.md §1.4 "IV = challenge padded").
 */
export function challengeIv(challenge: Uint8Array, blockSize: number): Uint8Array {
  if (challenge.length === 0) throw new RangeError('challengeIv: the challenge is empty');
  const out = new Uint8Array(blockSize);
  out.set(challenge.subarray(0, blockSize));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CIPHER DATA / MAC (80 FA)

export const CIPHER_CLA = 0x80;
export const CIPHER_INS = 0xfa;
/** P1 of 80 FA: encipher whole blocks, ECB (the trace's `80FA000010`) [C]. */
export const CIPHER_ENCIPHER = 0x00;
/** P1 of 80 FA: the SSSE MAC of the data (padded by the PSAM) [R]. */
export const CIPHER_MAC = 0x05;

/** `80 FA 00 00 Lc data` (case 3, as in the trace). */
export function encipherCommand(blocks: Uint8Array): CommandApdu {
  return CommandApdu.of({ cla: CIPHER_CLA, ins: CIPHER_INS, p1: CIPHER_ENCIPHER, p2: 0x00, data: blocks });
}

/** `80 FA 05 00 Lc input`. */
export function macCommand(input: Uint8Array): CommandApdu {
  return CommandApdu.of({ cla: CIPHER_CLA, ins: CIPHER_INS, p1: CIPHER_MAC, p2: 0x00, data: input });
}

/**
 * The plaintext of secure-messaging encipherment: `LD ‖ data ‖ 80 00…` to the block (DOMAIN.md §1.4
 * "Encryption" [V]); when `LD ‖ data` already fills its last block no pad block follows
 * (`SM_ENCIPHER_PADS_FULL_BLOCK`, src/crypto/choices.ts [R]).
 */
export function encipherInput(data: Uint8Array, blockSize: number): Uint8Array {
  if (data.length > 255) throw new RangeError(`encipherInput: at most 255 bytes, got ${data.length}`);
  const used = data.length + 1;
  const full = used % blockSize === 0;
  const length = full && !SM_ENCIPHER_PADS_FULL_BLOCK ? used : (Math.floor(used / blockSize) + 1) * blockSize;
  const out = new Uint8Array(length);
  out[0] = data.length;
  out.set(data, 1);
  if (length > used) out[used] = 0x80;
  return out;
}

/** Authentication data from a cipher block (DOMAIN.md §1.4): 8-byte blocks as they are, 16-byte blocks left ⊕ right. */
export function foldAuthenticationData(block: Uint8Array): Uint8Array {
  if (block.length === 8) return block.slice();
  if (block.length !== 16) throw new RangeError(`foldAuthenticationData: a block is 8 or 16 bytes, got ${block.length}`);
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = block[i]! ^ block[i + 8]!;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Medical debit: MAC1, VERIFY MAC2, VERIFY TAC

export const DEBIT_CLA = 0x80;
/** INS of MAC1 (as the PBOC purse PSAM's "MAC1 计算") [C INS, R layout]. */
export const MAC1_INS = 0x70;
/** INS of the MAC2 / TAC checks (as the purse PSAM's "验证 MAC2") [C INS]. */
export const VERIFY_DEBIT_INS = 0x72;
export const VERIFY_MAC2 = 0x00;
/** P1 of 80 72 for the TAC [R]. */
export const VERIFY_TAC = 0x01;

/** Length of the MAC1 command data. */
export const MAC1_DATA_LENGTH = 0x2c;
/** First terminal transaction sequence number of a new PSAM [R]. */
export const TERMINAL_SEQUENCE_START = 1;

export interface Mac1Data extends DebitAmounts {
  /** The card's random number (4 bytes, INIT answer). */
  random: Uint8Array;
  /** The card's offline sequence number (INIT answer). */
  sequence: number;
  /** 交易类型 (MEDICAL_DEBIT_TYPE). */
  type: number;
  /** YYYYMMDDhhmmss, BCD (7 bytes). */
  time: Uint8Array;
  /** Key version and algorithm indicator from the INIT answer. */
  keyVersion: number;
  algorithm: number;
  cardData: Uint8Array;
  cityData: Uint8Array;
}

/**
 * MAC1 data [R] (the order of the purse PSAM's MAC1 command, with the three SSSE amounts):
 * random(4) ‖ sequence(2) ‖ account(4) ‖ selfPay(4) ‖ fund(4) ‖ type(1) ‖ time(7) ‖ keyVersion(1) ‖
 * algorithm(1) ‖ card-div(8) ‖ city-div(8) — 44 bytes.
 */
export function encodeMac1Data(m: Mac1Data): Uint8Array {
  const sizes: Array<[string, Uint8Array, number]> = [['random', m.random, 4], ['time', m.time, 7], ['cardData', m.cardData, 8], ['cityData', m.cityData, 8]];
  for (const [name, value, size] of sizes) if (value.length !== size) throw new RangeError(`encodeMac1Data: ${name} must be ${size} bytes, got ${value.length}`);
  return concat(
    m.random,
    uintBE(m.sequence, 2),
    uintBE(m.account, 4),
    uintBE(m.selfPay, 4),
    uintBE(m.fund, 4),
    Uint8Array.of(m.type),
    m.time,
    Uint8Array.of(m.keyVersion, m.algorithm),
    m.cardData,
    m.cityData,
  );
}

/** @throws RangeError when the data is not 44 bytes */
export function decodeMac1Data(data: Uint8Array): Mac1Data {
  if (data.length !== MAC1_DATA_LENGTH) throw new RangeError(`decodeMac1Data: ${data.length} bytes, expected ${MAC1_DATA_LENGTH}`);
  return {
    random: data.slice(0, 4),
    sequence: readUintBE(data, 4, 2),
    account: readUintBE(data, 6, 4),
    selfPay: readUintBE(data, 10, 4),
    fund: readUintBE(data, 14, 4),
    type: data[18]!,
    time: data.slice(19, 26),
    keyVersion: data[26]!,
    algorithm: data[27]!,
    cardData: data.slice(28, 36),
    cityData: data.slice(36, 44),
  };
}

/** `80 70 00 00 2C data 00`. */
export function mac1Command(m: Mac1Data): CommandApdu {
  return CommandApdu.of({ cla: DEBIT_CLA, ins: MAC1_INS, p1: 0x00, p2: 0x00, data: encodeMac1Data(m), ne: 256 });
}

/** The MAC1 answer: terminal transaction sequence number(4) ‖ MAC1(4). */
export function encodeMac1Response(terminalSequence: Uint8Array, mac1: Uint8Array): Uint8Array {
  return concat(terminalSequence, mac1);
}

/** @throws RangeError when the answer is not 8 bytes */
export function decodeMac1Response(data: Uint8Array): { terminalSequence: Uint8Array; mac1: Uint8Array } {
  if (data.length !== 8) throw new RangeError(`decodeMac1Response: ${data.length} bytes, expected 8`);
  return { terminalSequence: data.slice(0, 4), mac1: data.slice(4, 8) };
}

/** `80 72 00 00 04 MAC2`. */
export function verifyMac2Command(mac2: Uint8Array): CommandApdu {
  if (mac2.length !== 4) throw new RangeError(`verifyMac2Command: MAC2 must be 4 bytes, got ${mac2.length}`);
  return CommandApdu.of({ cla: DEBIT_CLA, ins: VERIFY_DEBIT_INS, p1: VERIFY_MAC2, p2: 0x00, data: mac2 });
}

/** `80 72 01 00 04 TAC`. */
export function verifyTacCommand(tac: Uint8Array): CommandApdu {
  if (tac.length !== 4) throw new RangeError(`verifyTacCommand: TAC must be 4 bytes, got ${tac.length}`);
  return CommandApdu.of({ cla: DEBIT_CLA, ins: VERIFY_DEBIT_INS, p1: VERIFY_TAC, p2: 0x00, data: tac });
}
