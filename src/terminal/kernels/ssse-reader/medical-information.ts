/**
 * The medical-insurance data of DF04 (社会保险2; DOMAIN.md §1.2): EF05 医疗保险基本信息 (read with the PIN)
 * and EF06 脱网结算信息 (read with the PIN and RK_DF04), decoded with the code tables of
 * src/spec/ssse/codes.ts.
 */
import { INSURANCE_TYPE_CODES, lookupCode, PERSON_CATEGORY_CODES, type DecodedCode } from '../../../spec/ssse/codes.js';
import { parseYmd } from './dates.js';
import type { ItemValue } from './steps/records.js';

export interface MedicalInformation {
  /** 险种类型 (the leading 3 characters of tag 81) with its name; `flags` the rest of the an8 value [R]. */
  insuranceType?: DecodedCode & { flags: string };
  /** 参保地区划. */
  insuredRegion?: string;
  healthRecordNumber?: string;
  /** 参保人员类别. */
  personCategory?: DecodedCode;
  accountOpenDate?: Date;
  /** 个人账号. */
  personalAccount?: string;
  medicalCertificate?: string;
  /** 定点医疗机构代码 1–3 (those present). */
  designatedInstitutions: string[];
  /** 用卡方式. */
  cardUse?: string;
}

/** DF04 EF06: the offline settlement data. */
export interface OfflineSettlement {
  /** 准许脱网标识 = '1'. */
  allowed: boolean;
  /** 脱网累计金额 (fen). */
  amount?: number;
  /** 脱网累计次数. */
  count?: number;
}

type Items = Partial<Record<string, ItemValue>>;

const text = (items: Items, key: string): string | undefined => {
  const v = items[key]?.value;
  return v === undefined || v === '' ? undefined : v;
};

/** Decodes DF04 EF05; a string names an item that does not mean what it must. */
export function medicalInformationOf(items: Items): MedicalInformation | string {
  const out: MedicalInformation = { designatedInstitutions: [] };
  const type = text(items, 'insuranceType');
  if (type !== undefined) out.insuranceType = { ...lookupCode(INSURANCE_TYPE_CODES, type.slice(0, 3)), flags: type.slice(3) };
  const category = text(items, 'personCategory');
  if (category !== undefined) out.personCategory = lookupCode(PERSON_CATEGORY_CODES, category);
  const opened = text(items, 'accountOpenDate');
  if (opened !== undefined) {
    const date = parseYmd(opened);
    if (!date) return `个人账户建立日期 ${opened} is not a date (YYYYMMDD)`;
    out.accountOpenDate = date;
  }
  for (const [field, key] of [
    ['insuredRegion', 'insuredRegion'],
    ['healthRecordNumber', 'healthRecordNumber'],
    ['personalAccount', 'personalAccount'],
    ['medicalCertificate', 'medicalCertificate'],
    ['cardUse', 'cardUse'],
  ] as const) {
    const v = text(items, key);
    if (v !== undefined) out[field] = v;
  }
  for (const key of ['designatedInstitution1', 'designatedInstitution2', 'designatedInstitution3']) {
    const v = text(items, key);
    if (v !== undefined) out.designatedInstitutions.push(v);
  }
  return out;
}

/** Decodes DF04 EF06. */
export function offlineSettlementOf(items: Items): OfflineSettlement {
  const amount = text(items, 'offlineAmount');
  const count = text(items, 'offlineCount');
  return {
    allowed: text(items, 'offlineAllowed') === '1',
    ...(amount !== undefined ? { amount: Number(amount) } : {}),
    ...(count !== undefined ? { count: Number(count) } : {}),
  };
}
