/**
 * Cardholder data (持卡人基本信息, DOMAIN.md §1.2): validated before it reaches the card. The ID number must
 * carry a correct GB 11643 check digit, the card number a correct check character, the name must be
 * GBK-encodable and fit 30 bytes (the rest goes to 姓名扩展, tag 4E).
 */
import { isValidCardNumber, isValidIdNumber } from '../apps/ssse/check-digits.js';

export interface Holder {
  /** 社会保障号码 = 公民身份号码 (18 characters). */
  idNumber: string;
  /** 姓名 (Chinese, GBK-encodable). */
  name: string;
  /** 1 male, 2 female, 9 unstated. */
  sex: '1' | '2' | '9';
  /** 民族 (GB 3304, "01" = 汉). */
  ethnicity: string;
  /** 出生地 (6-digit region code). */
  birthplace: string;
  /** 出生日期 YYYYMMDD. */
  birthDate: string;
  /** 卡号 (9 characters with the check character). */
  cardNumber: string;
  /** 卡的类别: 1 preschool, 2 student, 3 adult, 4 elderly. */
  cardCategory: '1' | '2' | '3' | '4';
  /** 人员识别码 (MF EF0D tag EA, 12 characters). */
  personId: string;
  /** 初次申领地 (MF EF0D tag EB, 6-digit region code). */
  firstApplicationRegion: string;
  /** 发卡日期 YYYYMMDD (default: the clock's date at personalisation). */
  issueDate?: string;
  /** Card serial (4 bytes hex) written in the ATR and the card identifier (default: random). */
  serial?: string;
  /**
   * Authentication code of the card identifier (4 bytes hex). Default: derived (docs/ssse.md [R]).
   * Some issued cards carry FFFFFFFF.
   */
  authCode?: string;
  /** Medical insurance (DF04 EF05) overrides. */
  medical?: {
    insuranceType?: string;
    /** 参保地区划 (6 digits, default the issuer's region). */
    region?: string;
    /** 个人账号 (default: the ID number). */
    account?: string;
    /** 人员类别 cn1 (default "11"). */
    personCategory?: string;
  };
}

/** Holder data that failed validation. */
export class HolderError extends Error {
  override name = 'HolderError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid holder ${source}:\n  - ${problems.join('\n  - ')}`);
  }
}

function isDate(s: unknown): boolean {
  if (typeof s !== 'string' || !/^\d{8}$/.test(s)) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * Validates parsed holder JSON.
 * @param encodeGbk the GBK encoder (throws on characters outside GBK); injected so that this module has no
 *   dependency on the text layer.
 * @throws HolderError listing every problem
 */
export function parseHolder(json: unknown, encodeGbk: (text: string) => Uint8Array, source = 'holder'): Holder {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new HolderError(source, ['holder: must be a JSON object']);
  const h = json as Record<string, unknown>;
  const problems: string[] = [];
  const req = (key: string, test: (v: unknown) => boolean, hint: string) => {
    if (!test(h[key])) problems.push(`holder.${key}: ${h[key] === undefined ? 'missing' : `${JSON.stringify(h[key])} is not valid`} (${hint})`);
  };
  const str = (re: RegExp) => (v: unknown) => typeof v === 'string' && re.test(v);
  req('idNumber', (v) => typeof v === 'string' && isValidIdNumber(v), '17 digits and the GB 11643 check digit');
  req('cardNumber', (v) => typeof v === 'string' && isValidCardNumber(v), '8 characters 0-9/A-Z and the check character');
  req('name', (v) => {
    if (typeof v !== 'string' || v.length === 0) return false;
    try {
      return encodeGbk(v).length <= 50;
    } catch {
      return false;
    }
  }, 'a GBK-encodable name of at most 50 bytes');
  req('sex', str(/^[129]$/), '"1" male, "2" female, "9" unstated');
  req('ethnicity', str(/^\d{2}$/), '2 digits, GB 3304');
  req('birthplace', str(/^\d{6}$/), '6-digit region code');
  req('birthDate', isDate, 'YYYYMMDD');
  req('cardCategory', str(/^[1-4]$/), '"1".."4"');
  req('personId', str(/^[0-9A-Za-z]{1,12}$/), 'up to 12 letters or digits');
  req('firstApplicationRegion', str(/^\d{6}$/), '6-digit region code');
  if (h.issueDate !== undefined) req('issueDate', isDate, 'YYYYMMDD');
  if (h.serial !== undefined) req('serial', str(/^[0-9A-Fa-f]{8}$/), '4 bytes hex');
  if (h.authCode !== undefined) req('authCode', str(/^[0-9A-Fa-f]{8}$/), '4 bytes hex');
  if (typeof h.idNumber === 'string' && typeof h.birthDate === 'string' && isValidIdNumber(h.idNumber) && h.idNumber.slice(6, 14) !== h.birthDate) {
    problems.push(`holder.birthDate: ${h.birthDate} differs from the date in the ID number (${h.idNumber.slice(6, 14)})`);
  }
  if (h.medical !== undefined && (h.medical === null || typeof h.medical !== 'object')) problems.push('holder.medical: must be an object');
  if (problems.length > 0) throw new HolderError(source, problems);
  return h as unknown as Holder;
}
