/**
 * The SSSE data items (DOMAIN.md §1.2, 《社会保障卡文件结构和数据项》) as one table. The same table drives the
 * encoding at personalisation (`encodeItemRecord`) and the decoding in `sscard card show`
 * (`decodeItemRecord`): a record is `tag(1) len(1) value`, `an` values are left-justified and padded with
 * 00 (GBK for Chinese text), `cn` values are BCD padded on the right with F.
 *
 * Record numbering: one item per record, in table order (EF05 record 7 is the card number, tag 07, as in
 * the observed read `00B2072C0B`). [R] for EF06/EF0D/DF04 record order; readers address them by tag.
 */
import { concat, toHex } from '../../apdu/bytes.js';
import { decodeSsseField, encodeSsseField, type SsseFieldFormat } from '../../apdu/tlv/ssse-record.js';

/** Field format of a data item (DOMAIN.md §1.2): `an` text, `cn` BCD digits, `b` binary. */
export type ItemType = SsseFieldFormat;

/** The record files that hold TLV data items, named by their path below the MF. */
export type ItemFile = 'EF05' | 'EF06' | 'EF0D' | 'DF04/EF05' | 'DF04/EF06';

export interface DataItem {
  file: ItemFile;
  /** Record number inside the file (1-based). */
  record: number;
  tag: number;
  /** Field name used in JSON (card show --json, holder data). */
  key: string;
  en: string;
  zh: string;
  type: ItemType;
  /** Value length in bytes. */
  length: number;
  /** Uncertain layout (length or presence), see docs/ssse.md. */
  reconstructed?: boolean;
}

type Row = [ItemFile, number, string, string, string, ItemType, number, boolean?];

// file, tag, key, en, zh, type, length, [R]
const ROWS: Row[] = [
  // 卡的识别码 is cn 16 in the specification, but its authentication code is hex that may contain F (the
  // cn padding digit): kept as b, 16 bytes exact, so that no digit is ever taken for padding.
  ['EF05', 0x01, 'cardIdentifier', 'card identifier', '卡的识别码', 'b', 16],
  ['EF05', 0x02, 'cardCategory', 'card category', '卡的类别', 'an', 1],
  ['EF05', 0x03, 'specVersion', 'specification version', '规范版本', 'an', 4],
  ['EF05', 0x04, 'initializingBody', 'initializing body number', '初始化机构编号', 'cn', 12],
  ['EF05', 0x05, 'issueDate', 'issue date', '发卡日期', 'cn', 4],
  ['EF05', 0x06, 'expiryDate', 'expiry date', '卡有效期', 'cn', 4],
  ['EF05', 0x07, 'cardNumber', 'card number', '卡号', 'an', 9],
  ['EF06', 0x08, 'idNumber', 'social security number', '社会保障号码', 'an', 18],
  ['EF06', 0x09, 'name', 'name', '姓名', 'an', 30],
  ['EF06', 0x0a, 'sex', 'sex', '性别', 'an', 1],
  ['EF06', 0x0b, 'ethnicity', 'ethnicity', '民族', 'cn', 1],
  ['EF06', 0x0c, 'birthplace', 'birthplace', '出生地', 'cn', 3],
  ['EF06', 0x0d, 'birthDate', 'birth date', '出生日期', 'cn', 4],
  ['EF06', 0x4e, 'nameExtension', 'name extension', '姓名扩展', 'an', 20],
  ['EF0D', 0xea, 'personId', 'person identification code', '人员识别码', 'an', 12],
  ['EF0D', 0xeb, 'firstApplicationRegion', 'first application region', '初次申领地', 'cn', 3],
  ['DF04/EF05', 0x81, 'insuranceType', 'insurance type and flag', '险种类型及标识', 'an', 8],
  ['DF04/EF05', 0x84, 'insuredRegion', 'insured region', '参保地区划', 'cn', 3],
  ['DF04/EF05', 0x87, 'healthRecordNumber', 'health record number', '健康档案编号', 'an', 17],
  ['DF04/EF05', 0x8c, 'personCategory', 'insured person category', '参保人员类别', 'cn', 1],
  ['DF04/EF05', 0x80, 'accountOpenDate', 'personal account opening date', '个人账户建立日期', 'cn', 4],
  ['DF04/EF05', 0x8b, 'personalAccount', 'personal account number', '个人账号', 'an', 29],
  ['DF04/EF05', 0x8a, 'medicalCertificate', 'medical certificate number', '医疗证号', 'an', 15],
  ['DF04/EF05', 0x83, 'designatedInstitution1', 'designated institution 1', '定点医疗机构代码1', 'an', 9],
  ['DF04/EF05', 0x86, 'designatedInstitution2', 'designated institution 2', '定点医疗机构代码2', 'an', 9],
  ['DF04/EF05', 0x89, 'designatedInstitution3', 'designated institution 3', '定点医疗机构代码3', 'an', 9],
  ['DF04/EF05', 0x8f, 'cardUse', 'card use mode', '用卡方式', 'an', 1],
  ['DF04/EF06', 0x90, 'offlineAllowed', 'offline allowed flag', '准许脱网标识', 'an', 1, true],
  ['DF04/EF06', 0x92, 'offlineAmount', 'offline accumulated amount', '脱网累计金额', 'cn', 4],
  ['DF04/EF06', 0x93, 'offlineCount', 'offline accumulated count', '脱网累计次数', 'cn', 2, true],
];

/** All data items, in record order per file. */
export const DATA_ITEMS: readonly DataItem[] = (() => {
  const counters = new Map<ItemFile, number>();
  return ROWS.map(([file, tag, key, en, zh, type, length, reconstructed]) => {
    const record = (counters.get(file) ?? 0) + 1;
    counters.set(file, record);
    return Object.freeze({ file, record, tag, key, en, zh, type, length, ...(reconstructed ? { reconstructed } : {}) });
  });
})();

/** Items of one file, record 1 first. */
export function itemsOf(file: ItemFile): DataItem[] {
  return DATA_ITEMS.filter((i) => i.file === file);
}

/** The item with this key. */
export function itemByKey(key: string): DataItem {
  const item = DATA_ITEMS.find((i) => i.key === key);
  if (!item) throw new RangeError(`itemByKey: no data item named ${JSON.stringify(key)}`);
  return item;
}

/** Encodes one record `tag len value` of an item from its text value. */
export function encodeItemRecord(item: DataItem, value: string): Uint8Array {
  const v = encodeSsseField(item.type, value, item.length, item.key);
  return concat(Uint8Array.of(item.tag, item.length), v);
}

/**
 * Builds the records of a file from a map of values by key (items without a value get an empty record:
 * tag, length and padding only).
 */
export function encodeFileRecords(file: ItemFile, values: Record<string, string | undefined>): string[] {
  return itemsOf(file).map((item) => toHex(encodeItemRecord(item, values[item.key] ?? '')));
}

export interface DecodedItem {
  item: DataItem;
  value: string;
  raw: Uint8Array;
}

/**
 * Decodes one record. Returns undefined for an unknown tag or a record shorter than its header says.
 */
export function decodeItemRecord(file: ItemFile, record: Uint8Array): DecodedItem | undefined {
  if (record.length < 2) return undefined;
  const item = itemsOf(file).find((i) => i.tag === record[0]);
  const len = record[1]!;
  if (!item || record.length < 2 + len) return undefined;
  const raw = record.subarray(2, 2 + len);
  return { item, value: decodeSsseField(item.type, raw), raw };
}
