/**
 * How the social-security commands show the kernel's data: rows of a two-column table (Chinese and
 * English labels) and JSON views (calendar dates as YYYY-MM-DD, instants in Beijing time with their
 * offset, codes as { code, zh, en }).
 */
import type { DecodedCode } from '../spec/ssse/codes.js';
import { isoDate, type BasicInformation, type MedicalInformation, type OfflineSettlement } from '../terminal/kernels/ssse-reader/index.js';
import { formatFen } from './ssse-cli.js';

const code = (c: DecodedCode | undefined): string | undefined => (c ? `${c.code} ${c.zh}${c.known ? ` (${c.en})` : ''}` : undefined);
const date = (d: Date | undefined): string | undefined => (d ? isoDate(d) : undefined);
const codeJson = (c: DecodedCode | undefined) => (c ? { code: c.code, zh: c.zh, en: c.en, known: c.known } : undefined);

/** An instant in Beijing time, e.g. 2026-11-22T18:00:00+08:00. */
export function beijingTime(at: Date): string {
  return `${new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

function rows(list: Array<[string, string | undefined]>): Array<[string, string]> {
  return list.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
}

/** The rows of the basic information. */
export function basicRows(b: BasicInformation, now: Date): Array<[string, string]> {
  const expired = b.expiryDate && b.expiryDate.getTime() < now.getTime() ? '  (EXPIRED)' : '';
  return rows([
    ['姓名 name', b.name],
    ['社会保障号码 social security number', b.idNumber],
    ['性别 sex', code(b.sex)],
    ['民族 nation', code(b.nation)],
    ['出生日期 birth date', date(b.birthDate)],
    ['出生地 birthplace', b.birthplace],
    ['卡号 card number', b.cardNumber],
    ['卡识别码 card identifier', b.cardIdentifier],
    ['区划 region', b.region],
    ['卡的类别 card category', code(b.cardCategory)],
    ['规范版本 specification version', b.specVersion],
    ['初始化机构编号 initializing body', b.initializingBody],
    ['发卡日期 issue date', date(b.issueDate)],
    ['有效期 expiry date', b.expiryDate ? `${isoDate(b.expiryDate)}${expired}` : undefined],
    ['人员识别码 person id', b.personId],
    ['初次申领地 first application region', b.firstApplicationRegion],
    ['ATR历史字节 ATR historical bytes', b.atrHistoricalBytes],
    ['接口 interface', b.interface],
    ['未读到 not available', b.missing.length ? `${b.missing.join(', ')} (not on this card or this interface)` : undefined],
  ]);
}

/** The basic information as JSON. */
export function basicJson(b: BasicInformation) {
  return {
    region: b.region,
    cardIdentifier: b.cardIdentifier,
    cardNumber: b.cardNumber,
    cardCategory: codeJson(b.cardCategory),
    specVersion: b.specVersion,
    initializingBody: b.initializingBody,
    issueDate: date(b.issueDate),
    expiryDate: date(b.expiryDate),
    idNumber: b.idNumber,
    name: b.name,
    sex: codeJson(b.sex),
    nation: codeJson(b.nation),
    birthplace: b.birthplace,
    birthDate: date(b.birthDate),
    personId: b.personId,
    firstApplicationRegion: b.firstApplicationRegion,
    atrHistoricalBytes: b.atrHistoricalBytes,
    interface: b.interface,
    missing: b.missing,
  };
}

/** The rows of DF04. */
export function medicalRows(m: MedicalInformation, offline: OfflineSettlement | undefined, offlineUnavailable: string | undefined): Array<[string, string]> {
  const t = m.insuranceType;
  return rows([
    ['险种类型 insurance type', t ? `${t.code} ${t.zh}${t.known ? ` (${t.en})` : ''}${t.flags ? ` ‖ ${t.flags}` : ''}` : undefined],
    ['参保地区划 insured region', m.insuredRegion],
    ['参保人员类别 person category', code(m.personCategory)],
    ['个人账户建立日期 account opened', date(m.accountOpenDate)],
    ['个人账号 personal account', m.personalAccount],
    ['医疗证号 medical certificate', m.medicalCertificate],
    ['健康档案编号 health record', m.healthRecordNumber],
    ['定点医疗机构 designated institutions', m.designatedInstitutions.join(', ') || undefined],
    ['用卡方式 card use', m.cardUse],
    ['准许脱网 offline allowed', offline ? (offline.allowed ? 'yes' : 'no') : undefined],
    ['脱网累计金额 offline total', offline?.amount !== undefined ? `${formatFen(offline.amount)} CNY` : undefined],
    ['脱网累计次数 offline count', offline?.count !== undefined ? String(offline.count) : undefined],
    ['脱网结算信息 offline data', offlineUnavailable],
  ]);
}

/** DF04 as JSON. */
export function medicalJson(m: MedicalInformation, offline: OfflineSettlement | undefined, offlineUnavailable: string | undefined) {
  return {
    insuranceType: m.insuranceType ? { ...codeJson(m.insuranceType), flags: m.insuranceType.flags } : undefined,
    insuredRegion: m.insuredRegion,
    personCategory: codeJson(m.personCategory),
    accountOpenDate: date(m.accountOpenDate),
    personalAccount: m.personalAccount,
    medicalCertificate: m.medicalCertificate,
    healthRecordNumber: m.healthRecordNumber,
    designatedInstitutions: m.designatedInstitutions,
    cardUse: m.cardUse,
    ...(offline ? { offline } : {}),
    ...(offlineUnavailable ? { offlineUnavailable } : {}),
  };
}
