/**
 * Terminal verification results (TVR, tag 95, 5 bytes; EMV 4.3 Book 3 Annex C5) and transaction status
 * information (TSI, tag 9B, 2 bytes; Book 3 Annex C6), the layouts PBOC 3.0 (JR/T 0025.5 Annex) follows.
 * Both are tables of named bits; the kernel steps set bits by name and the result decodes them by name,
 * in English and Chinese.
 */
import { toHex } from '../../apdu/bytes.js';

/** One named bit: byte (1-based, as the standards number them), mask, English and Chinese names. */
export interface NamedBit<K extends string = string> {
  key: K;
  byte: number;
  mask: number;
  en: string;
  zh: string;
}

function bits<K extends string>(rows: ReadonlyArray<readonly [K, number, number, string, string]>): ReadonlyArray<NamedBit<K>> {
  return rows.map(([key, byte, mask, en, zh]) => Object.freeze({ key, byte, mask, en, zh }));
}

/** TVR bits (EMV 4.3 Book 3 Annex C5). */
export const TVR_BITS = bits([
  ['odaNotPerformed', 1, 0x80, 'Offline data authentication was not performed', '未进行脱机数据认证'],
  ['sdaFailed', 1, 0x40, 'SDA failed', '静态数据认证失败'],
  ['iccDataMissing', 1, 0x20, 'ICC data missing', 'IC卡数据缺失'],
  ['exceptionFile', 1, 0x10, 'Card appears on terminal exception file', '卡片出现在终端异常文件中'],
  ['ddaFailed', 1, 0x08, 'DDA failed', '动态数据认证失败'],
  ['cdaFailed', 1, 0x04, 'CDA failed', '复合动态数据认证失败'],
  ['sdaSelected', 1, 0x02, 'SDA selected', '选择了静态数据认证'],
  ['versionsDiffer', 2, 0x80, 'ICC and terminal have different application versions', 'IC卡和终端应用版本不一致'],
  ['expiredApplication', 2, 0x40, 'Expired application', '应用已过期'],
  ['applicationNotYetEffective', 2, 0x20, 'Application not yet effective', '应用尚未生效'],
  ['serviceNotAllowed', 2, 0x10, 'Requested service not allowed for card product', '卡片产品不允许所请求的服务'],
  ['newCard', 2, 0x08, 'New card', '新卡'],
  ['cvmNotSuccessful', 3, 0x80, 'Cardholder verification was not successful', '持卡人验证失败'],
  ['unrecognisedCvm', 3, 0x40, 'Unrecognised CVM', '未知的持卡人验证方法'],
  ['pinTryLimitExceeded', 3, 0x20, 'PIN Try Limit exceeded', '超过PIN重试次数'],
  ['pinPadAbsent', 3, 0x10, 'PIN entry required and PIN pad not present or not working', '要求输入PIN但密码键盘不存在或不工作'],
  ['pinNotEntered', 3, 0x08, 'PIN entry required, PIN pad present, but PIN was not entered', '要求输入PIN，密码键盘存在，但未输入PIN'],
  ['onlinePinEntered', 3, 0x04, 'Online PIN entered', '输入了联机PIN'],
  ['floorLimitExceeded', 4, 0x80, 'Transaction exceeds floor limit', '交易超过最低限额'],
  ['lowerOfflineLimitExceeded', 4, 0x40, 'Lower consecutive offline limit exceeded', '超过连续脱机交易下限'],
  ['upperOfflineLimitExceeded', 4, 0x20, 'Upper consecutive offline limit exceeded', '超过连续脱机交易上限'],
  ['randomlySelectedOnline', 4, 0x10, 'Transaction selected randomly for online processing', '交易被随机选择联机处理'],
  ['merchantForcedOnline', 4, 0x08, 'Merchant forced transaction online', '商户要求联机交易'],
  ['defaultTdolUsed', 5, 0x80, 'Default TDOL used', '使用了缺省TDOL'],
  ['issuerAuthenticationFailed', 5, 0x40, 'Issuer authentication failed', '发卡行认证失败'],
  ['scriptFailedBeforeFinalAc', 5, 0x20, 'Script processing failed before final GENERATE AC', '最后一个GENERATE AC命令之前脚本处理失败'],
  ['scriptFailedAfterFinalAc', 5, 0x10, 'Script processing failed after final GENERATE AC', '最后一个GENERATE AC命令之后脚本处理失败'],
] as const);

/** TSI bits (EMV 4.3 Book 3 Annex C6); byte 2 is RFU. */
export const TSI_BITS = bits([
  ['odaPerformed', 1, 0x80, 'Offline data authentication was performed', '脱机数据认证已进行'],
  ['cvmPerformed', 1, 0x40, 'Cardholder verification was performed', '持卡人验证已进行'],
  ['cardRiskManagementPerformed', 1, 0x20, 'Card risk management was performed', '卡片风险管理已进行'],
  ['issuerAuthenticationPerformed', 1, 0x10, 'Issuer authentication was performed', '发卡行认证已进行'],
  ['terminalRiskManagementPerformed', 1, 0x08, 'Terminal risk management was performed', '终端风险管理已进行'],
  ['scriptProcessingPerformed', 1, 0x04, 'Script processing was performed', '脚本处理已进行'],
] as const);

export type TvrBit = (typeof TVR_BITS)[number]['key'];
export type TsiBit = (typeof TSI_BITS)[number]['key'];

/** A register of named bits (TVR or TSI) that steps set by name. */
export class BitRegister<K extends string> {
  readonly #bytes: Uint8Array;
  readonly #byKey: ReadonlyMap<K, NamedBit<K>>;

  constructor(
    readonly table: ReadonlyArray<NamedBit<K>>,
    length: number,
  ) {
    this.#bytes = new Uint8Array(length);
    this.#byKey = new Map(table.map((b) => [b.key, b]));
  }

  #bit(key: K): NamedBit<K> {
    const bit = this.#byKey.get(key);
    if (!bit) throw new RangeError(`unknown bit ${key}`);
    return bit;
  }

  /** Sets a bit. */
  set(key: K): void {
    const bit = this.#bit(key);
    this.#bytes[bit.byte - 1]! |= bit.mask;
  }

  /** Whether a bit is set. */
  has(key: K): boolean {
    const bit = this.#bit(key);
    return (this.#bytes[bit.byte - 1]! & bit.mask) !== 0;
  }

  /** The register's bytes (a copy). */
  get bytes(): Uint8Array {
    return this.#bytes.slice();
  }

  get hex(): string {
    return toHex(this.#bytes);
  }

  /** The set bits, in table order. */
  decode(): NamedBit<K>[] {
    return decodeBits(this.table, this.#bytes);
  }
}

/** The named bits set in `bytes`. */
export function decodeBits<K extends string>(table: ReadonlyArray<NamedBit<K>>, bytes: Uint8Array): NamedBit<K>[] {
  return table.filter((b) => ((bytes[b.byte - 1] ?? 0) & b.mask) !== 0);
}

/** A fresh TVR (all zero, as Book 3 §10.1 sets it before GET PROCESSING OPTIONS). */
export function newTvr(): BitRegister<TvrBit> {
  return new BitRegister(TVR_BITS, 5);
}

/** A fresh TSI. */
export function newTsi(): BitRegister<TsiBit> {
  return new BitRegister(TSI_BITS, 2);
}
