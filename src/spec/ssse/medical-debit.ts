/**
 * The offline medical debit (脱机医保扣款, DOMAIN.md §1.4) byte layouts: the ONE place where sscard fixes
 * the [R] parts (the MAC1/MAC2/TAC inputs, the transaction type, the year, the EF08/EF15 records). Used by
 * the card (medical-debit.ts) and by the terminal's PSAM (src/terminal/psam), so that both ends agree by
 * construction and a change of the reconstruction is made here only. docs/ssse.md "Offline medical debit".
 *
 * ```
 * INIT  B0 28 01 01 13  keyIndex(1) ‖ account(4) ‖ selfPay(4) ‖ fund(4) ‖ terminalId(6)
 *   →   balance(4) ‖ selfPayAcc(4) ‖ fundAcc(4) ‖ year(2) ‖ sequence(2) ‖ keyVersion(1) ‖ alg(1) ‖ random(4)
 * DEBIT B0 2C 01 00 0F  terminalSeq(4) ‖ time(7) ‖ MAC1(4)
 *   →   TAC(4) ‖ MAC2(4)
 * SK    = E_DPK(random(4) ‖ sequence(2) ‖ terminalSeq[2..4])   (zero-padded to 16 bytes for SM4)
 * MAC1  = MAC_SK(account ‖ selfPay ‖ fund ‖ type ‖ terminalId ‖ time)                     [V order, R type]
 * MAC2  = MAC_SK(account ‖ selfPay ‖ fund)                                                 [R]
 * TAC   = MAC_DTK'(account ‖ selfPay ‖ fund ‖ type ‖ terminalId ‖ terminalSeq ‖ time)    [R]
 *         DTK' = DTK (SM4) or left half XOR right half of DTK (DES/3DES, as PBOC's TAC key)
 * MAC   = the SSSE secure-messaging MAC without header (ISO 9797-1 method 2 padding, CBC, zero IV;
 *         DES keeps the leftmost 4 bytes, 16-byte ciphers fold the four words)                  [V]
 * ```
 */
import { concat, readUintBE, uintBE } from '../../apdu/bytes.js';

/** 交易类型 of an offline medical debit, in MAC1/TAC and EF08 ('1', an1). [R] */
export const MEDICAL_DEBIT_TYPE = 0x31;
/** 结算类别 written in EF15 ('1' = offline settlement, an1). [R] */
export const SETTLEMENT_CATEGORY = 0x31;

export interface DebitAmounts {
  /** 个人账户金额: drawn from the card's personal-account balance (fen). */
  account: number;
  /** 个人自付: paid by the patient (cash / bank), accumulated. */
  selfPay: number;
  /** 统筹基金: paid by the pooled fund, accumulated. */
  fund: number;
}

export interface InitCommand extends DebitAmounts {
  keyIndex: number;
  terminalId: Uint8Array;
}

export interface InitResponse {
  balance: number;
  selfPayAccumulated: number;
  fundAccumulated: number;
  /** Accumulation year (e.g. 2026). */
  year: number;
  /** Offline transaction sequence number (the one this debit will use). */
  sequence: number;
  keyVersion: number;
  /** Algorithm indicator: 01 DES/3DES, 03 SM4. */
  algorithm: number;
  random: Uint8Array;
}

export interface DebitCommand {
  terminalSequence: Uint8Array;
  /** YYYYMMDDhhmmss, BCD (7 bytes). */
  time: Uint8Array;
  mac1: Uint8Array;
}

export const INIT_DATA_LENGTH = 0x13;
export const INIT_RESPONSE_LENGTH = 22;
export const DEBIT_DATA_LENGTH = 0x0f;

function amounts(a: DebitAmounts): Uint8Array {
  return concat(uintBE(a.account, 4), uintBE(a.selfPay, 4), uintBE(a.fund, 4));
}

export function encodeInit(c: InitCommand): Uint8Array {
  if (c.terminalId.length !== 6) throw new RangeError(`encodeInit: terminalId must be 6 bytes, got ${c.terminalId.length}`);
  return concat(Uint8Array.of(c.keyIndex), amounts(c), c.terminalId);
}

export function decodeInit(data: Uint8Array): InitCommand {
  if (data.length !== INIT_DATA_LENGTH) throw new RangeError(`decodeInit: ${data.length} bytes, expected ${INIT_DATA_LENGTH}`);
  return {
    keyIndex: data[0]!,
    account: readUintBE(data, 1, 4),
    selfPay: readUintBE(data, 5, 4),
    fund: readUintBE(data, 9, 4),
    terminalId: data.slice(13, 19),
  };
}

/** Year as 2 BCD bytes (2026 → 20 26). [R] */
export function encodeYear(year: number): Uint8Array {
  const s = String(year).padStart(4, '0');
  return Uint8Array.of(parseInt(s.slice(0, 2), 16), parseInt(s.slice(2, 4), 16));
}

export function decodeYear(b: Uint8Array): number {
  return Number(b[0]!.toString(16).padStart(2, '0') + b[1]!.toString(16).padStart(2, '0'));
}

export function encodeInitResponse(r: InitResponse): Uint8Array {
  return concat(
    uintBE(r.balance, 4),
    uintBE(r.selfPayAccumulated, 4),
    uintBE(r.fundAccumulated, 4),
    encodeYear(r.year),
    uintBE(r.sequence, 2),
    Uint8Array.of(r.keyVersion, r.algorithm),
    r.random,
  );
}

export function decodeInitResponse(data: Uint8Array): InitResponse {
  if (data.length !== INIT_RESPONSE_LENGTH) throw new RangeError(`decodeInitResponse: ${data.length} bytes, expected ${INIT_RESPONSE_LENGTH}`);
  return {
    balance: readUintBE(data, 0, 4),
    selfPayAccumulated: readUintBE(data, 4, 4),
    fundAccumulated: readUintBE(data, 8, 4),
    year: decodeYear(data.subarray(12, 14)),
    sequence: readUintBE(data, 14, 2),
    keyVersion: data[16]!,
    algorithm: data[17]!,
    random: data.slice(18, 22),
  };
}

export function encodeDebit(c: DebitCommand): Uint8Array {
  return concat(c.terminalSequence, c.time, c.mac1);
}

export function decodeDebit(data: Uint8Array): DebitCommand {
  if (data.length !== DEBIT_DATA_LENGTH) throw new RangeError(`decodeDebit: ${data.length} bytes, expected ${DEBIT_DATA_LENGTH}`);
  return { terminalSequence: data.slice(0, 4), time: data.slice(4, 11), mac1: data.slice(11, 15) };
}

/** MAC1 input: amounts ‖ type ‖ terminal ID ‖ time. */
export function mac1Input(a: DebitAmounts, terminalId: Uint8Array, time: Uint8Array): Uint8Array {
  return concat(amounts(a), Uint8Array.of(MEDICAL_DEBIT_TYPE), terminalId, time);
}

/** MAC2 input: amounts. [R] */
export function mac2Input(a: DebitAmounts): Uint8Array {
  return amounts(a);
}

/** TAC input: amounts ‖ type ‖ terminal ID ‖ terminal sequence ‖ time. [R] */
export function tacInput(a: DebitAmounts, terminalId: Uint8Array, terminalSequence: Uint8Array, time: Uint8Array): Uint8Array {
  return concat(amounts(a), Uint8Array.of(MEDICAL_DEBIT_TYPE), terminalId, terminalSequence, time);
}

/**
 * EF08 transaction record (0x1C bytes): 交易序号 b2 | 交易类型 an1 | 终端机编号 cn6 | 交易时间 cn7 |
 * 个人账户金额 b4 | 个人自付 b4 | 统筹基金 b4.
 */
export function transactionRecord(sequence: number, terminalId: Uint8Array, time: Uint8Array, a: DebitAmounts): Uint8Array {
  return concat(uintBE(sequence, 2), Uint8Array.of(MEDICAL_DEBIT_TYPE), terminalId, time, amounts(a));
}

export interface TransactionRecord extends DebitAmounts {
  sequence: number;
  type: number;
  terminalId: Uint8Array;
  time: Uint8Array;
}

export function decodeTransactionRecord(r: Uint8Array): TransactionRecord {
  if (r.length !== 0x1c) throw new RangeError(`decodeTransactionRecord: ${r.length} bytes, expected 28`);
  return {
    sequence: readUintBE(r, 0, 2),
    type: r[2]!,
    terminalId: r.slice(3, 9),
    time: r.slice(9, 16),
    account: readUintBE(r, 16, 4),
    selfPay: readUintBE(r, 20, 4),
    fund: readUintBE(r, 24, 4),
  };
}

/** EF15 settlement record (3 bytes): 交易序号 b2 | 结算类别 an1. */
export function settlementRecord(sequence: number): Uint8Array {
  return concat(uintBE(sequence, 2), Uint8Array.of(SETTLEMENT_CATEGORY));
}
