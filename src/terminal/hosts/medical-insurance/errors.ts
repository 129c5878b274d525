/**
 * What the centre refuses, as data: each kind has the platform's failure code (infcode "-1", the value
 * HIS code tests against "0"; DOMAIN.md §4.1) and a fixed Chinese and English heading that starts
 * err_msg, so that an HIS developer (or a test) can tell the reasons apart.
 */

export const ERROR_KINDS = {
  envelope: { zh: '报文格式错误', en: 'malformed envelope' },
  input: { zh: '入参校验失败', en: 'invalid input' },
  infno: { zh: '交易编号不支持', en: 'unknown infno' },
  person: { zh: '未查询到参保人员信息', en: 'no such insured person' },
  visit: { zh: '就诊信息不存在', en: 'no such visit' },
  settlement: { zh: '结算信息不存在', en: 'no such settlement' },
  message: { zh: '原报文不存在', en: 'no such message' },
  state: { zh: '当前状态不允许此交易', en: 'not allowed in this state' },
  mismatch: { zh: '数据不一致', en: 'inconsistent data' },
  catalogue: { zh: '医保目录未匹配', en: 'not in the catalogue' },
  policy: { zh: '待遇政策未配置', en: 'no policy for this person' },
  msgid: { zh: '报文ID重复', en: 'msgid already used' },
  internal: { zh: '系统内部错误', en: 'internal error' },
} as const;
export type CentreErrorKind = keyof typeof ERROR_KINDS;

/** The platform's infcode of every failure. */
export const FAILURE_INFCODE = '-1';
export const SUCCESS_INFCODE = '0';

/** A refusal of the centre: the message is the err_msg the platform's face answers. */
export class CentreError extends Error {
  override name = 'CentreError';
  readonly infcode = FAILURE_INFCODE;
  constructor(
    readonly kind: CentreErrorKind,
    readonly detail: string,
  ) {
    super(`${ERROR_KINDS[kind].zh} (${ERROR_KINDS[kind].en}): ${detail}`);
  }
}
