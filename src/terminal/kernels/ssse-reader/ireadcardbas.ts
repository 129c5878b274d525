/**
 * The `iReadCardBas` line of the LD/T 33 terminal interface (LD/T 6001.5-2023 "读基本信息"; DOMAIN.md
 * §1.6): eleven fields, each followed by `|`, in exactly this order —
 * 区划|社会保障号码|卡号|卡识别码|姓名|ATR历史字节|规范版本|发卡日期|有效期|终端机编号|终端设备号|
 * e.g. `320200|320223195302147992|188347080|320200D156000005AD932A48BDC3B9E9|杭小平|0081544C9786843202AD932A48|3.00|20221116|20321116|…`.
 *
 * 终端机编号 is the PSAM's terminal number (12 hex digits; empty without a PSAM). [R] 终端设备号 is the
 * reader's device number as the terminal is configured with it (empty when none is configured):
 * docs/ssse-reader.md.
 */
import type { BasicInformation } from './basic-information.js';
import { formatYmd } from './dates.js';

/** The field names, in order. */
export const IREADCARDBAS_FIELDS = [
  '区划',
  '社会保障号码',
  '卡号',
  '卡识别码',
  '姓名',
  'ATR历史字节',
  '规范版本',
  '发卡日期',
  '有效期',
  '终端机编号',
  '终端设备号',
] as const;

/** What the terminal adds to the card's data. */
export interface TerminalIdentity {
  /** 终端机编号 (the PSAM's terminal number, hex). */
  terminalNumber?: string;
  /** 终端设备号. */
  deviceNumber?: string;
}

/** The eleven field values, in order. */
export function iReadCardBasFields(info: BasicInformation, terminal: TerminalIdentity = {}): string[] {
  return [
    info.region,
    info.idNumber ?? '',
    info.cardNumber ?? '',
    info.cardIdentifier,
    info.name ?? '',
    info.atrHistoricalBytes,
    info.specVersion ?? '',
    info.issueDate ? formatYmd(info.issueDate) : '',
    info.expiryDate ? formatYmd(info.expiryDate) : '',
    terminal.terminalNumber ?? '',
    terminal.deviceNumber ?? '',
  ];
}

/** The line: every field followed by `|`. */
export function iReadCardBasLine(info: BasicInformation, terminal: TerminalIdentity = {}): string {
  return iReadCardBasFields(info, terminal)
    .map((f) => `${f}|`)
    .join('');
}
