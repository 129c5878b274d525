/**
 * Where the SSSE record files are (LD/T 32.3 file system; 《社会保障卡文件结构和数据项》; DOMAIN.md §1.2):
 * the DF that holds each file, its FID and its short file identifier (SFI = the low 5 bits of the FID,
 * as in the observed read `00B2072C0B`: SFI 5 = EF05). Both halves address the files by these.
 */
import type { ItemFile } from './data-items.js';

/** A record file and how to reach it. */
export interface FileLocation {
  /** The sub-application DF that holds it (undefined: the SSSE DDF1 itself, i.e. the MF). */
  df?: 'DF04';
  fid: number;
  sfi: number;
}

const at = (fid: number, df?: 'DF04'): FileLocation => ({ ...(df ? { df } : {}), fid, sfi: fid & 0x1f });

/** The data-item files. */
export const ITEM_FILE_LOCATIONS: Readonly<Record<ItemFile, FileLocation>> = {
  EF05: at(0xef05),
  EF06: at(0xef06),
  EF0D: at(0xef0d),
  'DF04/EF05': at(0xef05, 'DF04'),
  'DF04/EF06': at(0xef06, 'DF04'),
};

/** DF04 EF08 交易记录: cyclic, record 1 the newest, records of 0x1C bytes (DOMAIN.md §1.2). */
export const MEDICAL_TRANSACTION_LOG: FileLocation & { recordSize: number } = { ...at(0xef08, 'DF04'), recordSize: 0x1c };

/** DF04 EF15 结算记录: cyclic, record 1 the newest, 交易序号 b2 ‖ 结算类别 an1 (DOMAIN.md §1.2). */
export const MEDICAL_SETTLEMENT_LOG: FileLocation & { recordSize: number } = { ...at(0xef15, 'DF04'), recordSize: 3 };

/** READ RECORD P2 (LD/T 32.5; ISO/IEC 7816-4 §11.4.3): SFI in b8–b4, the mode in b3–b1. */
export const READ_RECORD_MODE = {
  /** 000: the first record whose identifier (first byte, the SSSE tag) is P1. */
  firstWithIdentifier: 0b000,
  /** 100: record number P1. */
  byNumber: 0b100,
} as const;

/** P2 of READ/UPDATE RECORD for an SFI (0 = the current EF) and a mode. */
export function recordP2(sfi: number, mode: number): number {
  if (!Number.isInteger(sfi) || sfi < 0 || sfi > 30) throw new RangeError(`recordP2: sfi must be 0..30, got ${sfi}`);
  if (!Number.isInteger(mode) || mode < 0 || mode > 7) throw new RangeError(`recordP2: mode must be 0..7, got ${mode}`);
  return (sfi << 3) | mode;
}
