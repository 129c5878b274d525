/**
 * The code tables behind the SSSE data items (《社会保障卡文件结构和数据项(V2.0)》; DOMAIN.md §1.2), as both
 * halves read them: a code as it is stored on the card and its name in Chinese and English.
 *
 * | item (file/tag)              | table                | source |
 * |------------------------------|----------------------|--------|
 * | 性别 (EF06/0A)               | {@link SEX_CODES}    | GB/T 2261.1-2003 人的性别代码 |
 * | 民族 (EF06/0B)               | {@link NATION_CODES} | GB 3304-1991 中国各民族名称的罗马字母拼写法和代码 |
 * | 卡的类别 (EF05/02)           | {@link CARD_CATEGORY_CODES} | DOMAIN.md §1.2 (LD/T 32.2) |
 * | 险种类型 (DF04/EF05/81)      | {@link INSURANCE_TYPE_CODES} | DOMAIN.md §1.2 (national medical-insurance 险种 codes) |
 * | 参保人员类别 (DF04/EF05/8C)  | {@link PERSON_CATEGORY_CODES} | [R] see below |
 *
 * A code that is not in its table is still data: {@link lookupCode} returns it with `known: false`, so
 * that a reader shows what the card holds instead of refusing it (tables grow; cards outlive them).
 */

/** One entry of a code table. */
export interface CodeName {
  zh: string;
  en: string;
}

/** A code as read from a card, with its name when the table knows it. */
export interface DecodedCode {
  code: string;
  /** Chinese name; for an unknown code, `未知代码 <code>`. */
  zh: string;
  en: string;
  known: boolean;
}

export type CodeTable = Readonly<Record<string, CodeName>>;

/** 性别 (GB/T 2261.1-2003 §3): 0 unknown, 1 male, 2 female, 9 unstated. */
export const SEX_CODES: CodeTable = {
  '0': { zh: '未知的性别', en: 'not known' },
  '1': { zh: '男', en: 'male' },
  '2': { zh: '女', en: 'female' },
  '9': { zh: '未说明的性别', en: 'not stated' },
};

// GB 3304-1991 Table 1: code, Chinese name, Roman-alphabet spelling (the standard's own spelling).
const NATIONS: ReadonlyArray<[string, string, string]> = [
  ['01', '汉族', 'Han'],
  ['02', '蒙古族', 'Mongol'],
  ['03', '回族', 'Hui'],
  ['04', '藏族', 'Zang'],
  ['05', '维吾尔族', 'Uygur'],
  ['06', '苗族', 'Miao'],
  ['07', '彝族', 'Yi'],
  ['08', '壮族', 'Zhuang'],
  ['09', '布依族', 'Buyei'],
  ['10', '朝鲜族', 'Chosen'],
  ['11', '满族', 'Man'],
  ['12', '侗族', 'Dong'],
  ['13', '瑶族', 'Yao'],
  ['14', '白族', 'Bai'],
  ['15', '土家族', 'Tujia'],
  ['16', '哈尼族', 'Hani'],
  ['17', '哈萨克族', 'Kazak'],
  ['18', '傣族', 'Dai'],
  ['19', '黎族', 'Li'],
  ['20', '傈僳族', 'Lisu'],
  ['21', '佤族', 'Va'],
  ['22', '畲族', 'She'],
  ['23', '高山族', 'Gaoshan'],
  ['24', '拉祜族', 'Lahu'],
  ['25', '水族', 'Sui'],
  ['26', '东乡族', 'Dongxiang'],
  ['27', '纳西族', 'Naxi'],
  ['28', '景颇族', 'Jingpo'],
  ['29', '柯尔克孜族', 'Kirgiz'],
  ['30', '土族', 'Tu'],
  ['31', '达斡尔族', 'Daur'],
  ['32', '仫佬族', 'Mulao'],
  ['33', '羌族', 'Qiang'],
  ['34', '布朗族', 'Blang'],
  ['35', '撒拉族', 'Salar'],
  ['36', '毛南族', 'Maonan'],
  ['37', '仡佬族', 'Gelao'],
  ['38', '锡伯族', 'Xibe'],
  ['39', '阿昌族', 'Achang'],
  ['40', '普米族', 'Pumi'],
  ['41', '塔吉克族', 'Tajik'],
  ['42', '怒族', 'Nu'],
  ['43', '乌孜别克族', 'Uzbek'],
  ['44', '俄罗斯族', 'Russ'],
  ['45', '鄂温克族', 'Ewenki'],
  ['46', '德昂族', 'Deang'],
  ['47', '保安族', 'Bonan'],
  ['48', '裕固族', 'Yugur'],
  ['49', '京族', 'Gin'],
  ['50', '塔塔尔族', 'Tatar'],
  ['51', '独龙族', 'Derung'],
  ['52', '鄂伦春族', 'Oroqen'],
  ['53', '赫哲族', 'Hezhen'],
  ['54', '门巴族', 'Monba'],
  ['55', '珞巴族', 'Lhoba'],
  ['56', '基诺族', 'Jino'],
  ['97', '其他', 'other'],
  ['98', '外国血统中国籍人士', 'Chinese citizen of foreign origin'],
];

/** 民族 (GB 3304-1991): the 56 nationalities 01–56, 97 other, 98 Chinese citizens of foreign origin. */
export const NATION_CODES: CodeTable = Object.freeze(Object.fromEntries(NATIONS.map(([code, zh, en]) => [code, { zh, en }])));

/** 卡的类别 (EF05 tag 02, an1; DOMAIN.md §1.2): 1 preschool, 2 student, 3 adult, 4 elderly. */
export const CARD_CATEGORY_CODES: CodeTable = {
  '1': { zh: '学龄前儿童卡', en: 'preschool child' },
  '2': { zh: '学生卡', en: 'student' },
  '3': { zh: '成年人卡', en: 'adult' },
  '4': { zh: '老年人卡', en: 'elderly' },
};

/** 险种类型 (DF04 EF05 tag 81, the leading 3 characters; DOMAIN.md §1.2). */
export const INSURANCE_TYPE_CODES: CodeTable = {
  '310': { zh: '职工基本医疗保险', en: 'employee basic medical insurance' },
  '390': { zh: '城乡居民基本医疗保险', en: 'urban and rural resident basic medical insurance' },
  '391': { zh: '城镇居民基本医疗保险', en: 'urban resident basic medical insurance' },
};

/**
 * 参保人员类别 (DF04 EF05 tag 8C, cn1 = two digits). [R] DOMAIN.md does not give the table; sscard knows
 * the three codes common to the medical-insurance systems it has seen (11 employed, 21 retired, 31
 * retired before 1949 — 离休) and shows any other code as it is. docs/ssse-reader.md "Code tables".
 */
export const PERSON_CATEGORY_CODES: CodeTable = {
  '11': { zh: '在职', en: 'employed' },
  '21': { zh: '退休', en: 'retired' },
  '31': { zh: '离休', en: 'retired cadre (离休)' },
};

/** The code with its name from `table`; an unknown code comes back with `known: false`. */
export function lookupCode(table: CodeTable, code: string): DecodedCode {
  const entry = Object.prototype.hasOwnProperty.call(table, code) ? table[code] : undefined;
  if (entry) return { code, zh: entry.zh, en: entry.en, known: true };
  return { code, zh: `未知代码 ${code}`, en: `unknown code ${code}`, known: false };
}
