/**
 * The cardholder's basic information as the kernel returns it (LD/T 33 iReadCardBas; DOMAIN.md §1.2,
 * §1.6): the items of EF05 (发卡机构数据), EF06 (持卡人基本信息) and EF0D (third generation), codes with
 * their names (src/spec/ssse/codes.ts), dates as dates.
 */
import { toHex } from '../../../apdu/bytes.js';
import type { CardInterface } from '../../../spec/card-interface.js';
import { splitCardIdentifier } from '../../../spec/ssse/card-identifier.js';
import { CARD_CATEGORY_CODES, lookupCode, NATION_CODES, SEX_CODES, type DecodedCode } from '../../../spec/ssse/codes.js';
import type { ItemFile } from '../../../spec/ssse/data-items.js';
import { parseYmd } from './dates.js';
import type { ItemValue } from './steps/records.js';

export interface BasicInformation {
  /** 区划: the region code of the card identifier. */
  region: string;
  /** 卡识别码 (32 hex digits). */
  cardIdentifier: string;
  /** 卡号 (9 characters). */
  cardNumber?: string;
  /** 卡的类别. */
  cardCategory?: DecodedCode;
  /** 规范版本, e.g. "3.00". */
  specVersion?: string;
  /** 初始化机构编号 (24 digits). */
  initializingBody?: string;
  /** 发卡日期. */
  issueDate?: Date;
  /** 卡有效期. */
  expiryDate?: Date;
  /** 社会保障号码. */
  idNumber?: string;
  /** 姓名, with 姓名扩展 appended when the card has one. */
  name?: string;
  sex?: DecodedCode;
  /** 民族 (GB 3304). */
  nation?: DecodedCode;
  /** 出生地 (region code). */
  birthplace?: string;
  birthDate?: Date;
  /** 人员识别码 (EF0D, third generation). */
  personId?: string;
  /** 初次申领地 (EF0D). */
  firstApplicationRegion?: string;
  /** The ATR historical bytes (hex): the iReadCardBas field ATR历史字节. */
  atrHistoricalBytes: string;
  interface: CardInterface;
  /** Data-item files the card did not give (absent on this card or on this interface). */
  missing: ItemFile[];
}

type Items = Partial<Record<string, ItemValue>>;

const text = (items: Items, key: string): string | undefined => {
  const v = items[key]?.value;
  return v === undefined || v === '' ? undefined : v;
};

/**
 * Builds the basic information from the items read. Returns a string naming the problem when an item
 * does not mean what it must (no card identifier, a date that is not a date).
 */
export function basicInformationOf(
  files: { EF05: Items; EF06: Items; EF0D: Items },
  card: { historical: Uint8Array; interface: CardInterface },
  missing: ItemFile[],
): BasicInformation | string {
  const id = files.EF05.cardIdentifier;
  const parts = id ? splitCardIdentifier(id.raw) : undefined;
  if (!id || !parts) return 'EF05 has no valid card identifier (卡的识别码)';
  for (const [file, items] of Object.entries(files)) {
    for (const v of Object.values(items)) {
      if (v && v.item.type === 'an' && v.value.includes('|')) return `${file} ${v.item.zh} holds "|", the field separator of iReadCardBas`;
    }
  }
  const out: BasicInformation = {
    region: parts.region,
    cardIdentifier: toHex(id.raw),
    atrHistoricalBytes: toHex(card.historical),
    interface: card.interface,
    missing,
  };
  const dates: Array<[keyof BasicInformation, Items, string]> = [
    ['issueDate', files.EF05, 'issueDate'],
    ['expiryDate', files.EF05, 'expiryDate'],
    ['birthDate', files.EF06, 'birthDate'],
  ];
  for (const [field, items, key] of dates) {
    const v = text(items, key);
    if (v === undefined) continue;
    const date = parseYmd(v);
    if (!date) return `${items[key]!.item.zh} ${v} is not a date (YYYYMMDD)`;
    (out as unknown as Record<string, unknown>)[field] = date;
  }
  const plain: Array<[keyof BasicInformation, Items, string]> = [
    ['cardNumber', files.EF05, 'cardNumber'],
    ['specVersion', files.EF05, 'specVersion'],
    ['initializingBody', files.EF05, 'initializingBody'],
    ['idNumber', files.EF06, 'idNumber'],
    ['birthplace', files.EF06, 'birthplace'],
    ['personId', files.EF0D, 'personId'],
    ['firstApplicationRegion', files.EF0D, 'firstApplicationRegion'],
  ];
  for (const [field, items, key] of plain) {
    const v = text(items, key);
    if (v !== undefined) (out as unknown as Record<string, unknown>)[field] = v;
  }
  const name = text(files.EF06, 'name');
  if (name !== undefined) out.name = name + (text(files.EF06, 'nameExtension') ?? '');
  const codes: Array<[keyof BasicInformation, Items, string, Parameters<typeof lookupCode>[0]]> = [
    ['cardCategory', files.EF05, 'cardCategory', CARD_CATEGORY_CODES],
    ['sex', files.EF06, 'sex', SEX_CODES],
    ['nation', files.EF06, 'ethnicity', NATION_CODES],
  ];
  for (const [field, items, key, table] of codes) {
    const v = text(items, key);
    if (v !== undefined) (out as unknown as Record<string, unknown>)[field] = lookupCode(table, v);
  }
  return out;
}
