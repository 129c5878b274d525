/**
 * Meanings of status words, in English and Chinese: every status word of DOMAIN.md §1.3 and the
 * ISO/IEC 7816-4 §5.1.3 ones, plus the families 61xx, 63Cx and 6Cxx. `describeSw` is what traces,
 * the CLI and error messages print.
 */

export interface SwMeaning {
  sw: number;
  en: string;
  zh: string;
  /** Set for a family member (61xx, 63Cx, 6Cxx): the variable part. */
  family?: '61xx' | '63Cx' | '6Cxx';
}

/** Exact status words: [sw, English, Chinese]. */
const EXACT: ReadonlyArray<readonly [number, string, string]> = [
  [0x9000, 'success', '成功'],
  [0x6200, 'warning: state of non-volatile memory unchanged', '警告：非易失存储器状态未变'],
  [0x6281, 'warning: part of returned data may be corrupted', '警告：回送数据可能有错'],
  [0x6282, 'warning: end of file or record reached before reading Ne bytes', '警告：文件或记录长度不足'],
  [0x6283, 'warning: selected file invalidated (application blocked)', '警告：选择的文件无效（应用已锁定）'],
  [0x6284, 'warning: FCI not formatted according to ISO 7816-4', '警告：FCI格式不符'],
  [0x6285, 'warning: selected file in termination state', '警告：选择的文件处于终止状态'],
  [0x6286, 'warning: no input data available from a sensor on the card', '警告：卡上传感器无输入数据'],
  [0x6300, 'warning: state of non-volatile memory changed, authentication failed', '警告：认证失败'],
  [0x6381, 'warning: file filled up by the last write', '警告：文件已被最后一次写入填满'],
  [0x6400, 'execution error: state of non-volatile memory unchanged', '执行错误：非易失存储器状态未变'],
  [0x6401, 'execution error: immediate response required by the card', '执行错误：卡要求立即响应'],
  [0x6500, 'execution error: state of non-volatile memory changed', '执行错误：非易失存储器状态已变'],
  [0x6581, 'memory failure', '内存错误'],
  [0x6700, 'wrong length', '长度错误'],
  [0x6800, 'functions in CLA not supported', 'CLA中的功能不支持'],
  [0x6881, 'logical channel not supported', '不支持逻辑信道'],
  [0x6882, 'secure messaging not supported', '不支持安全报文'],
  [0x6883, 'last command of the chain expected', '期望链中的最后一条命令'],
  [0x6884, 'command chaining not supported', '不支持命令链'],
  [0x6900, 'command not allowed', '命令不允许'],
  [0x6901, 'command not accepted (invalid state)', '命令不被接受（无效状态）'],
  [0x6981, 'command incompatible with file structure', '命令与文件结构不相容'],
  [0x6982, 'security status not satisfied', '安全状态不满足'],
  [0x6983, 'authentication method blocked', '认证方法锁定'],
  [0x6984, 'reference data invalidated', '引用数据无效'],
  [0x6985, 'conditions of use not satisfied', '使用条件不满足'],
  [0x6986, 'command not allowed (no current EF)', '命令不允许（无当前EF）'],
  [0x6987, 'expected secure messaging data objects missing', '安全报文数据对象丢失'],
  [0x6988, 'secure messaging data objects incorrect', '安全报文数据对象不正确'],
  [0x6a80, 'incorrect parameters in the data field', '数据域参数不正确'],
  [0x6a81, 'function not supported', '功能不支持'],
  [0x6a82, 'file or application not found', '未找到文件或应用'],
  [0x6a83, 'record not found', '未找到记录'],
  [0x6a84, 'not enough memory space in the file', '文件存储空间不够'],
  [0x6a85, 'Nc inconsistent with TLV structure', 'Lc与TLV结构不一致'],
  [0x6a86, 'incorrect parameters P1-P2', '参数P1、P2不正确'],
  [0x6a87, 'Nc inconsistent with P1-P2', 'Lc与P1、P2不一致'],
  [0x6a88, 'referenced data not found', '未找到引用数据'],
  [0x6a89, 'file already exists', '文件已存在'],
  [0x6a8a, 'DF name already exists', 'DF名称已存在'],
  [0x6b00, 'wrong parameters P1-P2 (offset outside the EF)', '参数错误（偏移量超出EF）'],
  [0x6d00, 'instruction code not supported or invalid', '指令码不支持或无效'],
  [0x6e00, 'class not supported', 'CLA不支持'],
  [0x6f00, 'no precise diagnosis', '数据无效（无精确诊断）'],
  [0x9302, 'MAC wrong', 'MAC错误'],
  [0x9303, 'application permanently locked', '应用已被永久锁定'],
  [0x9401, 'insufficient funds', '金额不足'],
  [0x9402, 'transaction counter reached its limit', '交易计数器达到最大值'],
  [0x9403, 'key index not supported', '密钥索引不支持'],
  [0x9406, 'required MAC not available', '所需MAC不可用'],
];

const TABLE: ReadonlyMap<number, SwMeaning> = new Map(EXACT.map(([sw, en, zh]) => [sw, { sw, en, zh }]));

/** Families: a high-byte/mask pattern and how to describe the variable part. */
const FAMILIES: ReadonlyArray<{
  family: NonNullable<SwMeaning['family']>;
  matches: (sw: number) => boolean;
  describe: (sw: number) => { en: string; zh: string };
}> = [
  {
    family: '61xx',
    matches: (sw) => sw >> 8 === 0x61,
    describe: (sw) => {
      const n = sw & 0xff || 256;
      return { en: `${n} response bytes available (GET RESPONSE)`, zh: `还有${n}字节响应数据可用` };
    },
  },
  {
    family: '63Cx',
    matches: (sw) => (sw & 0xfff0) === 0x63c0,
    describe: (sw) => {
      const n = sw & 0x0f;
      return { en: `verification failed, ${n} tries left`, zh: `校验失败，还剩${n}次` };
    },
  },
  {
    family: '6Cxx',
    matches: (sw) => sw >> 8 === 0x6c,
    describe: (sw) => {
      const n = sw & 0xff || 256;
      return { en: `wrong Le: exact length is ${n}`, zh: `Le错误：实际长度为${n}` };
    },
  },
];

/** The meaning of a status word, or undefined when it is in no table. */
export function lookupSw(sw: number): SwMeaning | undefined {
  const exact = TABLE.get(sw);
  if (exact) return exact;
  const family = FAMILIES.find((f) => f.matches(sw));
  return family ? { sw, family: family.family, ...family.describe(sw) } : undefined;
}

/** Whether a status word is in the table (exactly or as a family member). */
export function isKnownSw(sw: number): boolean {
  return lookupSw(sw) !== undefined;
}

/** Four upper-case hex digits. */
export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/** "6982 security status not satisfied (安全状态不满足)"; unknown words say so. */
export function describeSw(sw: number): string {
  const m = lookupSw(sw);
  return m ? `${swHex(sw)} ${m.en} (${m.zh})` : `${swHex(sw)} unknown status word (未知状态字)`;
}

/** Every exact status word of the table (family members excluded). */
export const KNOWN_STATUS_WORDS: readonly SwMeaning[] = [...TABLE.values()];
