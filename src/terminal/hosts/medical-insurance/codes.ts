/**
 * Code tables of the national medical-insurance platform's dictionaries (医疗保障信息平台 字典, as HIS code
 * uses them; DOMAIN.md §4.1) that the centre understands, with the choices sscard makes where the public
 * material is silent ([R], docs/medical-insurance-centre.md "Codes"). One place: change a code here.
 */

/** 险种类型 insutype: the two basic schemes the centre simulates. */
export const INSUTYPES = {
  '310': { zh: '职工基本医疗保险', en: 'employee basic medical insurance' },
  '390': { zh: '城乡居民基本医疗保险', en: 'urban and rural resident basic medical insurance' },
} as const;
export type Insutype = keyof typeof INSUTYPES;
export const INSUTYPE_CODES = Object.keys(INSUTYPES) as Insutype[];

/** Which of the policy's ratios applies to a person. */
export type PersonKind = 'employed' | 'retired' | 'resident';
export const PERSON_KINDS: readonly PersonKind[] = ['employed', 'retired', 'resident'];

/**
 * 人员类别 psn_type (four-digit codes of the platform's dictionary, seen in public HIS code [C]) and the
 * kind each is for the policy. The first code of each kind is what enrolment uses by default.
 */
export const PSN_TYPES: Readonly<Record<string, { zh: string; en: string; kind: PersonKind; insutype: Insutype }>> = {
  '1101': { zh: '职工在职', en: 'employee, in work', kind: 'employed', insutype: '310' },
  '1102': { zh: '公务员在职', en: 'civil servant, in work', kind: 'employed', insutype: '310' },
  '1103': { zh: '灵活就业人员在职', en: 'flexibly employed, in work', kind: 'employed', insutype: '310' },
  '1201': { zh: '职工退休', en: 'employee, retired', kind: 'retired', insutype: '310' },
  '1202': { zh: '公务员退休', en: 'civil servant, retired', kind: 'retired', insutype: '310' },
  '1203': { zh: '灵活就业人员退休', en: 'flexibly employed, retired', kind: 'retired', insutype: '310' },
  '1403': { zh: '中小学生', en: 'pupil', kind: 'resident', insutype: '390' },
  '1404': { zh: '大学生', en: 'university student', kind: 'resident', insutype: '390' },
  '1501': { zh: '普通居民（成年）', en: 'resident, adult', kind: 'resident', insutype: '390' },
};

/** The default psn_type of a kind (enrolment with `--kind`). */
export const DEFAULT_PSN_TYPE: Readonly<Record<PersonKind, string>> = { employed: '1101', retired: '1201', resident: '1501' };

/** 就诊凭证类型 mdtrt_cert_type. */
export const MDTRT_CERT_TYPES = {
  '01': { zh: '医保电子凭证', en: 'medical-insurance e-certificate' },
  '02': { zh: '居民身份证', en: 'resident identity card (ID number)' },
  '03': { zh: '社会保障卡', en: 'social security card' },
} as const;

/** 收费项目等级 chrgitm_lv. */
export const CHRGITM_LV = {
  '01': { zh: '甲类', en: 'class A (fully in scope)' },
  '02': { zh: '乙类', en: 'class B (in scope after the self-pay share)' },
  '03': { zh: '丙类', en: 'class C (not in scope, fully self-paid)' },
} as const;
export type ChrgitmLv = keyof typeof CHRGITM_LV;

/** 医疗收费项目类别 med_chrgitm_type. */
export const MED_CHRGITM_TYPES: Readonly<Record<string, string>> = {
  '01': '床位费', '02': '诊察费', '03': '检查费', '04': '化验费', '05': '治疗费', '06': '手术费', '07': '护理费',
  '08': '卫生材料费', '09': '西药费', '10': '中药饮片费', '11': '中成药费', '12': '一般诊疗费', '13': '挂号费', '14': '其他费',
};

/** 医疗类别 med_type: which are outpatient and which inpatient (the visit kind the centre checks). */
export const MED_TYPES: Readonly<Record<string, { zh: string; kind: 'outpatient' | 'inpatient' }>> = {
  '11': { zh: '普通门诊', kind: 'outpatient' },
  '12': { zh: '门诊挂号', kind: 'outpatient' },
  '13': { zh: '急诊', kind: 'outpatient' },
  '14': { zh: '门诊慢特病', kind: 'outpatient' },
  '19': { zh: '意外伤害门诊', kind: 'outpatient' },
  '21': { zh: '普通住院', kind: 'inpatient' },
  '24': { zh: '急诊转住院', kind: 'inpatient' },
};

/** 基金支付类型 fund_pay_type of the pooled fund, per scheme (setldetail). */
export const POOL_FUND = {
  '310': { fund_pay_type: '310100', name: '职工基本医疗保险统筹基金' },
  '390': { fund_pay_type: '390100', name: '城乡居民基本医疗保险基金' },
} as const satisfies Record<Insutype, { fund_pay_type: string; name: string }>;

/** [R] 清算类别 clr_type the centre records: 11 outpatient, 21 inpatient. 清算方式 clr_way: 1 by item. */
export const CLR_TYPE = { outpatient: '11', inpatient: '21' } as const;
export const CLR_WAY = '1';

/** 人员证件类型 psn_cert_type: 01 居民身份证. 人员参保状态 psn_insu_stas: 1 正常参保, 2 暂停参保. */
export const PSN_CERT_TYPE_ID_CARD = '01';
export const INSU_STAS = { active: '1', suspended: '2' } as const;

/** [R] 对账结果 stmt_rslt of 3201: 0 balanced (平), 1 not balanced (不平). */
export const STMT_RSLT = { balanced: '0', unbalanced: '1' } as const;
